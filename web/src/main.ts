/**
 * web/main — the explorer's page: reads the state from the URL, starts the training worker, keeps
 * the latest model snapshot, and redraws the network view, the inspector tab, the output view and
 * the charts (at most once per animation frame). Models come from the worker, from a dropped or
 * opened file, or from `glassbox explore MODEL` (./model.json). Exposes `window.__glassbox`, a
 * read-only test hook with the model, the example and the state.
 */
import { argmax, parseModel, Tensor, trace, type Dataset, type EpochRecord, type ModelSpec, type Sequential, type TraceReport } from 'glassbox';
import { LineChart, type Series } from './charts.js';
import { LAYER_COLORS } from './colors.js';
import type { AppApi, Example, Snapshot } from './context.js';
import { valuesFromTrace } from './context.js';
import { Controls } from './controls.js';
import { loadExplorerData, loadTestSet } from './data.js';
import { byId, num } from './dom.js';
import { modelFromParams, paramArrays, specOf } from './model.js';
import { NetworkView } from './network-view.js';
import { DigitsOutput } from './output/digits.js';
import { ToyOutput } from './output/toy.js';
import { BackpropPanel } from './panels/backprop.js';
import { ComparePanel, comparePanelHosts } from './panels/compare.js';
import { NudgePanel } from './panels/nudge.js';
import { PathsPanel } from './panels/paths.js';
import { UnitsPanel } from './panels/units.js';
import type { EpochPoint, FromWorker, Setup, ToWorker } from './protocol.js';
import {
  DEFAULT_BACKEND, defaultsFor, HIDDEN_ACTIVATIONS, sizesOf, stateFromLocation, TABS, toHash, weightExists,
  type DataName, type HiddenActivation, type State, type Tab,
} from './state.js';

/** Keys of the state whose change needs a new network (and restarts training). */
const RESTART_KEYS: (keyof State)[] = ['data', 'noise', 'seed', 'hidden', 'activation', 'cost', 'batch', 'backend', 'rule'];
/** Keys that change the network's architecture (a loaded model is then replaced). */
const ARCHITECTURE_KEYS: (keyof State)[] = ['data', 'hidden', 'activation', 'cost'];
/** Most points kept per chart series (older ones are thinned). */
const MAX_POINTS = 3000;

/** A model opened from a file, kept to reset to. */
interface LoadedModel {
  name: string;
  spec: ModelSpec;
  params: Float32Array[];
}

/** What the page has learned from the worker about the current run. */
interface History {
  steps: number[];
  costs: number[];
  smooth: number[];
  ema: number | null;
  epochs: EpochPoint[];
  batchesPerEpoch: number;
}

/**
 * One chart line per weight layer of a per-layer list in the epoch records (dynamics, alignment):
 * the layers of the first record that has the list (an epoch finished by a resumed segment that ran
 * no batch of it may have none), and each record's value for the layer (NaN where it has none).
 */
function layerLines<E extends { layer: number }>(
  records: EpochRecord[], list: (r: EpochRecord) => E[] | undefined, value: (entry: E) => number, name: (layer: number) => string,
): Series[] {
  const first = records.find((r) => list(r));
  const layers = first ? list(first)!.map((e) => e.layer) : [];
  const xs = records.map((r) => r.epoch);
  return layers.map((layer, i) => ({
    name: name(layer),
    color: LAYER_COLORS[i % LAYER_COLORS.length],
    xs,
    ys: records.map((r) => {
      const entry = list(r)?.find((e) => e.layer === layer);
      return entry ? value(entry) : NaN;
    }),
  }));
}

function freshHistory(): History {
  return { steps: [], costs: [], smooth: [], ema: null, epochs: [], batchesPerEpoch: 1 };
}

/** The test hook's shape (read-only views of the page's state, for the browser tests). */
export interface TestHook {
  ready: () => boolean;
  state: () => State;
  spec: () => ModelSpec | null;
  params: () => number[][] | null;
  example: () => { x: number[]; label: number; source: string } | null;
  step: () => number;
  /** The backend the worker trains on, as it reported (null until it has). */
  backend: () => 'webgpu' | 'wasm' | 'js' | null;
  running: () => boolean;
  version: () => number;
  /** Not playing, no step pending, and the worker has reported that its last segment ended. */
  idle: () => boolean;
  /** The epoch records the charts draw (epoch 0: the initial weights), copied. */
  epochs: () => EpochRecord[];
}

declare global {
  interface Window {
    __glassbox?: TestHook;
  }
}

class App implements AppApi {
  state: State;
  readonly view: NetworkView;
  private readonly controls = new Controls();
  private readonly nudge: NudgePanel;
  private readonly paths: PathsPanel;
  private readonly backprop: BackpropPanel;
  private readonly units: UnitsPanel;
  private readonly compare: ComparePanel;
  private readonly output = byId('output');
  private toyOutput: ToyOutput | null = null;
  private digitsOutput: DigitsOutput | null = null;
  private readonly costChart: LineChart;
  private readonly accuracyChart: LineChart;
  private readonly speedChart: LineChart;
  private readonly alignChart: LineChart;
  private worker: Worker;
  private model: Sequential | null = null;
  private spec: ModelSpec | null = null;
  private version = 0;
  private testSet: Dataset | null = null;
  private trainSet: Dataset | null = null;
  private dataKey = '';
  private drawing: Float32Array | null = null;
  private drawLabel: number | null = null;
  private loaded: LoadedModel | null = null;
  private running = false;
  private stepCount = 0;
  private epochCount = 0;
  private history = freshHistory();
  private frame = 0;
  private traceCache: { key: string; trace: TraceReport } | null = null;
  private exampleRng = 0;
  private pendingSteps = 0;
  /** Pause was asked for and the worker has not yet reported its segment's end (running: false). */
  private stopping = false;
  /** The backend the training worker reports it runs on (null until it says). */
  private backendInUse: 'webgpu' | 'wasm' | 'js' | null = null;
  /** Id of the latest setup sent to the worker; messages about older ones are ignored. */
  private setupId = 0;

  constructor() {
    this.state = stateFromLocation(location.hash);
    this.view = new NetworkView(byId('network'));
    this.view.onSelect = (weight) => this.set({ weight });
    this.view.element.addEventListener('ripple-end', () => (this.view.element.dataset.rippled = String(Number(this.view.element.dataset.rippled ?? 0) + 1)));
    this.nudge = new NudgePanel(byId('panel-nudge'), this);
    this.paths = new PathsPanel(byId('panel-paths'), this);
    this.backprop = new BackpropPanel(byId('panel-backprop'), this);
    this.units = new UnitsPanel(byId('panel-units'));
    const hosts = comparePanelHosts();
    this.compare = new ComparePanel(hosts.tablist, hosts.inspector, () => this.currentSetup());
    this.costChart = new LineChart(byId('chart-cost'), { title: 'Cost C', xLabel: 'step', empty: 'press ▶ to train' }, 120);
    this.accuracyChart = new LineChart(byId('chart-accuracy'), { title: 'Accuracy', xLabel: 'epoch', yRange: [0, 1], empty: 'evaluating…' }, 110);
    this.speedChart = new LineChart(byId('chart-speed'), { title: 'Learning speed ‖∂C/∂b‖', xLabel: 'epoch', log: true, empty: 'after the first epoch' }, 110);
    this.alignChart = new LineChart(byId('chart-align'), { title: 'Angle to ∂C/∂W (degrees)', xLabel: 'epoch', yRange: [0, 180], empty: 'after the first epoch' }, 110);
    this.controls.onChange = (patch) => this.set(patch);
    this.controls.onNextExample = () => this.randomExample();
    this.worker = this.startWorker();
    this.bindTransport();
    this.bindTabs();
    this.bindModelFiles();
    window.addEventListener('hashchange', () => this.fromUrl());
    this.exposeHook();
    this.controls.show(this.state);
    this.showTab(this.state.tab);
    if (this.state.servedModel) void this.fetchServedModel();
    else this.restart();
  }

  private startWorker(): Worker {
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<FromWorker>) => this.onWorker(e.data);
    worker.onerror = (e) => this.banner(`The training worker failed: ${e.message}`);
    return worker;
  }

  private send(msg: ToWorker): void {
    this.worker.postMessage(msg);
  }

  /** Change part of the state: update the URL, restart or retune training when needed, redraw. */
  set(patch: Partial<State>): void {
    const before = this.state;
    let next: State = { ...before, ...patch };
    if (patch.data && patch.data !== before.data && (patch.data === 'mnist') !== (before.data === 'mnist')) {
      // Between toy sets and MNIST the network changes shape: start from that data set's defaults.
      const d = defaultsFor(patch.data);
      next = { ...next, hidden: d.hidden, activation: d.activation, cost: d.cost, eta: d.eta, batch: d.batch, example: 0, weight: d.weight };
    }
    if (patch.hidden || patch.data) next.weight = this.validWeight(next);
    if (patch.data && next.data !== 'mnist') next.example = Math.min(next.example, 249);
    this.apply(next);
  }

  /** Make `next` the state (already complete and valid): URL, controls, training, redraw. */
  private apply(next: State): void {
    const before = this.state;
    this.state = next;
    history.replaceState(null, '', `#${toHash(next)}`);
    this.controls.show(next);
    const changed = (k: keyof State): boolean => JSON.stringify(before[k]) !== JSON.stringify(next[k]);
    if (this.loaded && ARCHITECTURE_KEYS.some(changed)) {
      this.info(`The network changed, so the opened model ${this.loaded.name} was put aside; this is a fresh network.`);
      this.loaded = null;
    }
    if (RESTART_KEYS.some(changed)) this.restart();
    else if (changed('optimizer') || changed('eta') || changed('lambda')) this.send({ type: 'hyper', hyper: { optimizer: next.optimizer, eta: next.eta, lambda: next.lambda } });
    if (changed('tab')) this.showTab(next.tab);
    if (changed('example')) this.drawing = null;
    this.schedule();
  }

  private validWeight(s: State): State['weight'] {
    return weightExists(s) ? s.weight : { ...defaultsFor(s.data).weight };
  }

  /** The user edited the URL (or went back): take its state as it is, defaults only for what it omits. */
  private fromUrl(): void {
    const next = stateFromLocation(location.hash);
    if (toHash(next) !== toHash(this.state)) this.apply(next);
  }

  /** Build the data and a new network in the worker (from the seed, or the opened model). */
  private restart(): void {
    const s = this.state;
    this.spec = this.loaded?.spec ?? specOf(sizesOf(s), s.activation, s.cost);
    this.model = null;
    this.history = freshHistory();
    this.stepCount = this.epochCount = 0;
    this.backendInUse = null;
    this.running = false;
    this.pendingSteps = 0;
    this.stopping = false;
    this.updatePlay();
    this.send({ type: 'setup', setup: { ...this.currentSetup(), id: ++this.setupId } });
    void this.loadPageData();
  }

  /** The network, data and training settings of a fresh run (the opened model's weights, if any). */
  private currentSetup(): Setup {
    const s = this.state;
    const spec = this.loaded?.spec ?? specOf(sizesOf(s), s.activation, s.cost);
    return {
      id: this.setupId,
      data: s.data, noise: s.noise, seed: s.seed, sizes: spec.sizes, activation: s.activation, cost: s.cost, batch: s.batch, rule: s.rule,
      optimizer: s.optimizer, eta: s.eta, lambda: s.lambda,
      params: this.loaded?.params.map((p) => Float32Array.from(p)), spec: this.loaded?.spec,
      backend: s.backend ?? DEFAULT_BACKEND,
      mnistBase: new URL('mnist', document.baseURI).href,
    };
  }

  /** The examples the page shows (the test set; for toy sets the training points too). */
  private async loadPageData(): Promise<void> {
    const s = this.state;
    const key = `${s.data}|${s.noise}|${s.seed}`;
    if (key === this.dataKey) return;
    this.dataKey = key;
    this.testSet = this.trainSet = null;
    try {
      const base = new URL('mnist', document.baseURI).href;
      if (s.data === 'mnist') {
        const test = await loadTestSet('mnist', 0, 0, base);
        if (key !== this.dataKey) return;
        this.testSet = test;
      } else {
        const d = await loadExplorerData(s.data, s.noise, s.seed, base);
        if (key !== this.dataKey) return;
        this.testSet = d.test;
        this.trainSet = d.train;
      }
      this.setupOutput();
      this.schedule();
    } catch (err) {
      this.dataKey = '';
      this.banner(err instanceof Error ? err.message : String(err));
    }
  }

  private setupOutput(): void {
    const mnist = this.state.data === 'mnist';
    if (mnist && !this.digitsOutput) {
      this.output.replaceChildren();
      this.toyOutput = null;
      this.digitsOutput = new DigitsOutput(this.output);
      this.digitsOutput.onDraw = (pixels) => {
        this.drawing = pixels;
        this.schedule();
      };
      this.digitsOutput.onLabel = (label) => {
        this.drawLabel = label;
        this.schedule();
      };
    } else if (!mnist && !this.toyOutput) {
      this.output.replaceChildren();
      this.digitsOutput = null;
      this.drawing = null;
      this.toyOutput = new ToyOutput(this.output);
      this.toyOutput.onPick = (index) => this.set({ example: index });
    }
    if (this.toyOutput && this.trainSet && this.testSet) this.toyOutput.setData(this.trainSet, this.testSet);
  }

  private onWorker(msg: FromWorker): void {
    if (msg.setup !== this.setupId) return; // about a network that has since been replaced
    switch (msg.type) {
      case 'ready':
        this.history.batchesPerEpoch = msg.batchesPerEpoch;
        break;
      case 'progress': {
        if (!this.spec) return;
        this.model = modelFromParams(this.spec, msg.params);
        this.version++;
        this.stepCount = msg.step;
        this.epochCount = msg.epoch;
        const h = this.history;
        msg.costs.forEach((c, i) => {
          h.ema = h.ema === null ? c : 0.95 * h.ema + 0.05 * c;
          h.steps.push(msg.firstStep + i + 1);
          h.costs.push(c);
          h.smooth.push(h.ema);
        });
        if (h.steps.length > MAX_POINTS) {
          const keep = (_: number, i: number): boolean => i % 2 === 0 || i === h.steps.length - 1;
          h.steps = h.steps.filter(keep);
          h.costs = h.costs.filter(keep);
          h.smooth = h.smooth.filter(keep);
        }
        if (!msg.running && this.pendingSteps > 0) this.pendingSteps--;
        if (!msg.running) this.stopping = false;
        this.running = msg.running;
        this.updatePlay();
        this.schedule();
        break;
      }
      case 'epoch':
        this.history.epochs.push(msg.point);
        this.schedule();
        break;
      case 'backend':
        this.backendInUse = msg.backend;
        this.controls.showBackend(msg.backend, msg.note, msg.threads);
        if (msg.note) this.info(msg.note);
        break;
      case 'error':
        this.running = false;
        this.pendingSteps = 0;
        this.stopping = false;
        this.updatePlay();
        this.banner(msg.diverged ? `Training stopped: ${msg.message}` : msg.message);
        break;
    }
  }

  private bindTransport(): void {
    const play = byId('play');
    play.addEventListener('click', () => this.togglePlay());
    byId('step').addEventListener('click', () => this.stepOnce());
    byId('reset').addEventListener('click', () => this.restart());
    byId('share').addEventListener('click', () => void this.share());
    document.addEventListener('keydown', (e) => {
      const t = e.target as HTMLElement;
      if (e.ctrlKey || e.metaKey || e.altKey || ['INPUT', 'SELECT', 'TEXTAREA', 'BUTTON'].includes(t.tagName)) return;
      if (e.key === ' ') this.togglePlay();
      else if (e.key === 's' || e.key === 'S') this.stepOnce();
      else if (e.key === 'r' || e.key === 'R') this.restart();
      else return;
      e.preventDefault();
    });
  }

  private togglePlay(): void {
    if (!this.model) return;
    this.running = !this.running;
    if (!this.running) this.stopping = true;
    this.send({ type: this.running ? 'play' : 'pause' });
    this.updatePlay();
    this.schedule();
  }

  private stepOnce(): void {
    if (!this.model) return;
    this.running = false;
    this.pendingSteps++;
    this.send({ type: 'step', count: 1 });
    this.updatePlay();
  }

  private updatePlay(): void {
    const play = byId('play');
    play.setAttribute('aria-pressed', String(this.running));
    play.setAttribute('aria-label', this.running ? 'Pause' : 'Train');
    play.title = this.running ? 'Pause (space)' : 'Train (space)';
    play.textContent = this.running ? '❚❚' : '▶';
  }

  private bindTabs(): void {
    for (const tab of TABS) {
      const button = byId(`tab-${tab}`);
      button.addEventListener('click', () => this.set({ tab }));
      button.addEventListener('keydown', (e) => {
        const i = TABS.indexOf(tab);
        const next = e.key === 'ArrowRight' ? TABS[(i + 1) % TABS.length] : e.key === 'ArrowLeft' ? TABS[(i + TABS.length - 1) % TABS.length] : null;
        if (!next) return;
        e.preventDefault();
        this.set({ tab: next });
        byId(`tab-${next}`).focus();
      });
    }
  }

  private showTab(tab: Tab): void {
    for (const t of TABS) {
      const button = byId(`tab-${t}`);
      button.setAttribute('aria-selected', String(t === tab));
      button.tabIndex = t === tab ? 0 : -1;
      byId(`panel-${t}`).hidden = t !== tab;
    }
    this.nudge.invalidate();
    this.paths.invalidate();
    if (tab !== 'nudge') this.view.clearRipple();
  }

  private bindModelFiles(): void {
    const input = byId<HTMLInputElement>('model-file');
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      if (file) void this.openFile(file);
      input.value = '';
    });
    const drop = byId('drop');
    let depth = 0;
    window.addEventListener('dragenter', (e) => {
      if (!e.dataTransfer?.types.includes('Files')) return;
      depth++;
      drop.hidden = false;
    });
    window.addEventListener('dragleave', () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) drop.hidden = true;
    });
    window.addEventListener('dragover', (e) => e.preventDefault());
    window.addEventListener('drop', (e) => {
      e.preventDefault();
      depth = 0;
      drop.hidden = true;
      const file = e.dataTransfer?.files[0];
      if (file) void this.openFile(file);
    });
  }

  private async openFile(file: File): Promise<void> {
    if (file.size > 256 * 1024 * 1024) {
      this.banner(`${file.name}: ${file.size.toLocaleString('en-US')} bytes is larger than the 256 MiB the explorer opens.`);
      return;
    }
    this.adoptModel(await file.text(), file.name);
  }

  private async fetchServedModel(): Promise<void> {
    try {
      const response = await fetch('./model.json', { cache: 'no-store' });
      if (!response.ok) throw new Error(`./model.json: the server answered ${response.status}`);
      this.adoptModel(await response.text(), 'the model given to glassbox explore');
    } catch (err) {
      this.banner(`Could not load the served model: ${err instanceof Error ? err.message : String(err)}. Showing a fresh network.`);
      this.restart();
    }
  }

  /** Open a model file's text: its architecture becomes the page's, its weights the start of training. */
  private adoptModel(text: string, name: string): void {
    let parsed;
    try {
      parsed = parseModel(text, name);
    } catch (err) {
      this.banner(err instanceof Error ? err.message : String(err));
      return;
    }
    const spec = parsed.model.spec();
    const nIn = spec.sizes[0];
    const nOut = spec.sizes[spec.sizes.length - 1];
    let data: DataName;
    if (nIn === 784 && nOut === 10) data = 'mnist';
    else if (nIn === 2 && nOut === 2) {
      const named = parsed.meta.dataset;
      data = named === 'circle' || named === 'xor' || named === 'gauss' || named === 'spiral' ? named : this.state.data === 'mnist' ? 'circle' : this.state.data;
    } else {
      this.banner(`${name}: the explorer's data sets have 2 inputs and 2 classes (toy sets) or 784 inputs and 10 classes (MNIST); this model has ${nIn} inputs and ${nOut} outputs.`);
      return;
    }
    const hiddenActs = spec.activations.slice(0, -1);
    const first = hiddenActs[0] ?? 'sigmoid';
    const activation: HiddenActivation = (HIDDEN_ACTIVATIONS as readonly string[]).includes(first) ? (first as HiddenActivation) : 'sigmoid';
    this.loaded = { name, spec, params: paramArrays(parsed.model) };
    this.state = { ...this.state, data, hidden: spec.sizes.slice(1, -1), activation, cost: spec.cost, weight: { ...defaultsFor(data).weight }, example: 0 };
    history.replaceState(null, '', `#${toHash(this.state)}`);
    this.controls.show(this.state);
    this.restart();
    this.info(`Opened ${name}: a [${spec.sizes.join(', ')}] network (${spec.activations.join(', ')}; ${spec.cost} cost). Press ▶ to keep training it, ⟲ to return to its saved weights.`);
  }

  private randomExample(): void {
    const n = this.testSet?.labels.length ?? 1;
    // A fixed, seeded walk through the examples (golden-ratio stride), so it is reproducible.
    this.exampleRng = (this.exampleRng + 1) % n;
    const index = Math.floor(((this.state.seed + this.exampleRng * 0.6180339887498949) % 1) * n) % n;
    this.set({ example: index === this.state.example ? (index + 1) % n : index });
  }

  private async share(): Promise<void> {
    const url = location.href;
    try {
      await navigator.clipboard.writeText(url);
      this.info(`Link copied: ${url}`);
    } catch {
      this.info(`Copy this link: ${url}`);
    }
  }

  private banner(message: string): void {
    const el = byId('banner');
    el.classList.remove('info');
    el.textContent = message;
    el.hidden = false;
  }

  private info(message: string): void {
    const el = byId('banner');
    el.classList.add('info');
    el.textContent = message;
    el.hidden = false;
    window.setTimeout(() => {
      if (el.textContent === message) el.hidden = true;
    }, 8000);
  }

  /** The example being explained now. */
  private currentExample(model: Sequential): Example | null {
    if (this.drawing && this.state.data === 'mnist') {
      const label = this.drawLabel ?? argmax(model.predict(new Tensor(Float32Array.from(this.drawing), [1, this.drawing.length])))[0];
      return { x: this.drawing, label, source: 'drawing', index: -1 };
    }
    const test = this.testSet;
    if (!test) return null;
    const i = Math.min(this.state.example, test.labels.length - 1);
    const n = test.x.shape[1];
    return { x: test.x.dataSync().subarray(i * n, (i + 1) * n) as Float32Array, label: test.labels[i], source: 'test', index: i };
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    this.renderCounters();
    this.renderCharts();
    const model = this.model;
    if (!model || !this.testSet || model.inputSize !== this.testSet.x.shape[1]) return;
    const example = this.currentExample(model);
    if (!example) return;
    const key = `${this.version}|${example.source}|${example.index}|${example.label}|${example.source === 'drawing' ? example.x.join() : ''}`;
    if (this.traceCache?.key !== key) this.traceCache = { key, trace: trace(model, example.x, example.label) };
    const t = this.traceCache.trace;
    const imageShape = this.testSet.imageShape ?? null;
    const snap: Snapshot = { model, version: this.version, example, trace: t, values: valuesFromTrace(t), state: this.state, imageShape, running: this.running };
    const tab = this.state.tab;
    this.view.batch(() => {
      this.view.update(model, snap.values, this.state.weight, imageShape ? { pixels: Float32Array.from(example.x), rows: imageShape[0], cols: imageShape[1] } : null);
      if (tab !== 'paths') this.view.setPaths([]);
      if (tab !== 'backprop') this.view.setLayerHighlight(null);
      if (tab === 'nudge') this.nudge.render(snap);
      else if (tab === 'paths') this.paths.render(snap);
      else if (tab === 'backprop') this.backprop.render(snap);
      else if (tab === 'units') this.units.render(snap);
      else this.compare.render(snap);
    });
    if (tab === 'nudge') this.nudge.flush();
    this.toyOutput?.render(snap);
    this.digitsOutput?.render(snap);
    document.body.dataset.version = String(this.version);
  }

  private renderCounters(): void {
    byId('step-count').textContent = this.stepCount.toLocaleString('en-US');
    byId('epoch-count').textContent = String(this.epochCount);
    const ema = this.history.ema;
    byId('cost-now').textContent = ema === null ? '–' : num(ema, 3);
    const test = this.history.epochs[this.history.epochs.length - 1]?.record.test;
    byId('acc-now').textContent = test ? `${(100 * test.accuracy).toFixed(1)} %` : '–';
  }

  private renderCharts(): void {
    const h = this.history;
    const epochSteps = h.epochs.map((e) => e.record.epoch * h.batchesPerEpoch);
    this.costChart.set([
      { name: 'batch', color: '#0b5cad', xs: h.steps, ys: h.costs, dots: true },
      { name: 'smoothed', color: '#0b5cad', xs: h.steps, ys: h.smooth },
      { name: 'test', color: '#d6336c', xs: epochSteps, ys: h.epochs.map((e) => e.record.test?.cost ?? NaN) },
    ]);
    const epochs = h.epochs.map((e) => e.record.epoch);
    const acc = [{ name: 'test', color: '#d6336c', xs: epochs, ys: h.epochs.map((e) => e.record.test?.accuracy ?? NaN) }];
    if (h.epochs.some((e) => e.trainAccuracy !== undefined)) acc.unshift({ name: 'train', color: '#0b5cad', xs: epochs, ys: h.epochs.map((e) => e.trainAccuracy ?? NaN) });
    this.accuracyChart.set(acc);
    const records = h.epochs.map((e) => e.record);
    this.speedChart.set(layerLines(records, (r) => r.dynamics, (d) => d.gradB, (l) => `layer ${l}`));
    // A rule other than backprop: its updates' angle to the gradient, per layer (fit's alignment monitor).
    byId('align-box').hidden = this.state.rule === 'backprop';
    this.alignChart.set(layerLines(records, (r) => r.alignment, (a) => a.angle, (l) => `W${l}`));
  }

  private exposeHook(): void {
    window.__glassbox = {
      ready: () => this.model !== null && this.testSet !== null && this.traceCache !== null,
      state: () => structuredClone(this.state),
      spec: () => (this.model ? this.model.spec() : null),
      params: () => (this.model ? this.model.paramTensors().map((t) => Array.from(t.dataSync())) : null),
      example: () => {
        const m = this.model;
        const e = m ? this.currentExample(m) : null;
        return e ? { x: Array.from(e.x), label: e.label, source: e.source } : null;
      },
      step: () => this.stepCount,
      backend: () => this.backendInUse,
      running: () => this.running,
      version: () => this.version,
      idle: () => !this.running && this.pendingSteps === 0 && !this.stopping,
      epochs: () => structuredClone(this.history.epochs.map((e) => e.record)),
    };
  }
}

new App();
