/**
 * web/controls — the settings column: data set, noise and example; the hidden layers (add,
 * remove, widen, narrow), activation and cost; learning rule, optimiser, learning rate, batch size, L2, seed and
 * the training backend (with the worker's word on which one runs, and why not the one asked for).
 * Every control is a labelled form element (keyboard-usable); each change becomes a state patch.
 */
import { byId, clear, h } from './dom.js';
import { BACKENDS, COSTS, DATA_NAMES, DEFAULT_BACKEND, exampleCount, HIDDEN_ACTIVATIONS, LIMITS, OPTIMIZERS, TRAIN_RULES, type State } from './state.js';

const DATA_LABELS: Record<(typeof DATA_NAMES)[number], string> = {
  circle: 'Circle (toy, 2-D)',
  xor: 'Exclusive or (toy, 2-D)',
  gauss: 'Two Gaussians (toy, 2-D)',
  spiral: 'Spiral (toy, 2-D)',
  mnist: 'MNIST handwritten digits',
};
const COST_LABELS: Record<(typeof COSTS)[number], string> = {
  quadratic: 'quadratic ½‖y − a‖², sigmoid output',
  'cross-entropy': 'cross-entropy, sigmoid output',
  'log-likelihood': 'log-likelihood, softmax output',
};
const OPTIMIZER_LABELS: Record<(typeof OPTIMIZERS)[number], string> = {
  sgd: 'SGD (Nielsen)',
  momentum: 'SGD with momentum 0.9',
  adam: 'Adam',
};
const RULE_LABELS: Record<(typeof TRAIN_RULES)[number], string> = {
  backprop: 'backprop',
  'feedback-alignment': 'feedback alignment (Lillicrap 2016)',
  'direct-feedback-alignment': 'direct feedback alignment (Nøkland 2016)',
  'forward-gradient': 'forward gradient (Baydin 2022)',
  'weight-perturbation': 'weight perturbation',
  'node-perturbation': 'node perturbation',
};
const BACKEND_LABELS: Record<(typeof BACKENDS)[number], string> = {
  auto: 'auto (GPU when there is one)',
  wasm: 'WebAssembly SIMD (CPU)',
  js: 'JavaScript (CPU)',
  webgpu: 'WebGPU (GPU)',
};

function fill(select: HTMLSelectElement, entries: [string, string][]): void {
  clear(select);
  for (const [value, label] of entries) select.append(h('option', { value }, label));
}

/** The settings column, bound to the page's existing form elements. */
export class Controls {
  /** Called with each change. */
  onChange: (patch: Partial<State>) => void = () => undefined;
  /** Called for "another example". */
  onNextExample: () => void = () => undefined;

  private readonly data = byId<HTMLSelectElement>('data');
  private readonly noise = byId<HTMLInputElement>('noise');
  private readonly noiseOut = byId<HTMLOutputElement>('noise-out');
  private readonly noiseRow = byId('noise-row');
  private readonly example = byId<HTMLInputElement>('example');
  private readonly layers = byId('layers');
  private readonly activation = byId<HTMLSelectElement>('activation');
  private readonly cost = byId<HTMLSelectElement>('cost');
  private readonly optimizer = byId<HTMLSelectElement>('optimizer');
  private readonly rule = byId<HTMLSelectElement>('rule');
  private readonly eta = byId<HTMLInputElement>('eta');
  private readonly batch = byId<HTMLInputElement>('batch');
  private readonly lambda = byId<HTMLInputElement>('lambda');
  private readonly seed = byId<HTMLInputElement>('seed');
  private readonly dataNote = byId('data-note');
  private readonly backend = byId<HTMLSelectElement>('backend');
  private readonly backendNote = byId('backend-note');
  private state: State | null = null;

  constructor() {
    fill(this.data, DATA_NAMES.map((d) => [d, DATA_LABELS[d]]));
    fill(this.activation, HIDDEN_ACTIVATIONS.map((a) => [a, a]));
    fill(this.cost, COSTS.map((c) => [c, COST_LABELS[c]]));
    fill(this.optimizer, OPTIMIZERS.map((o) => [o, OPTIMIZER_LABELS[o]]));
    fill(this.rule, TRAIN_RULES.map((r) => [r, RULE_LABELS[r]]));
    this.rule.addEventListener('change', () => this.onChange({ rule: this.rule.value as State['rule'] }));
    fill(this.backend, BACKENDS.map((b) => [b, BACKEND_LABELS[b]]));
    this.backend.addEventListener('change', () => this.onChange({ backend: this.backend.value as State['backend'] }));
    this.data.addEventListener('change', () => this.onChange({ data: this.data.value as State['data'] }));
    this.noise.addEventListener('input', () => (this.noiseOut.value = `${this.noise.value} %`));
    this.noise.addEventListener('change', () => this.onChange({ noise: Number(this.noise.value) / 100 }));
    this.activation.addEventListener('change', () => this.onChange({ activation: this.activation.value as State['activation'] }));
    this.cost.addEventListener('change', () => this.onChange({ cost: this.cost.value as State['cost'] }));
    this.optimizer.addEventListener('change', () => this.onChange({ optimizer: this.optimizer.value as State['optimizer'] }));
    this.numeric(this.example, LIMITS.example, true, (v) => ({ example: v }));
    this.numeric(this.eta, LIMITS.eta, false, (v) => ({ eta: v }));
    this.numeric(this.batch, LIMITS.batch, true, (v) => ({ batch: v }));
    this.numeric(this.lambda, LIMITS.lambda, false, (v) => ({ lambda: v }));
    this.numeric(this.seed, LIMITS.seed, true, (v) => ({ seed: v }));
    byId('example-next').addEventListener('click', () => this.onNextExample());
  }

  /** A number input that reports valid values and shows invalid ones as such (and reverts them). */
  private numeric(input: HTMLInputElement, [lo, hi]: readonly [number, number], integer: boolean, patch: (v: number) => Partial<State>): void {
    input.addEventListener('change', () => {
      const v = Number(input.value);
      const max = input === this.example && this.state ? exampleCount(this.state.data) - 1 : hi;
      if (input.value.trim() === '' || !Number.isFinite(v) || v < lo || v > max || (integer && !Number.isInteger(v))) {
        input.setCustomValidity(`Expected ${integer ? 'an integer' : 'a number'} from ${lo} to ${max}`);
        input.reportValidity();
        if (this.state) this.show(this.state);
        return;
      }
      input.setCustomValidity('');
      this.onChange(patch(v));
    });
  }

  /** Show a state in the controls. */
  show(state: State): void {
    this.state = state;
    this.data.value = state.data;
    const toy = state.data !== 'mnist';
    this.noiseRow.hidden = !toy;
    this.noise.value = String(Math.round(state.noise * 100));
    this.noiseOut.value = `${Math.round(state.noise * 100)} %`;
    this.example.max = String(exampleCount(state.data) - 1);
    if (document.activeElement !== this.example) this.example.value = String(state.example);
    this.activation.value = state.activation;
    this.cost.value = state.cost;
    this.optimizer.value = state.optimizer;
    this.rule.value = state.rule;
    this.backend.value = state.backend ?? DEFAULT_BACKEND;
    for (const [input, v] of [[this.eta, state.eta], [this.batch, state.batch], [this.lambda, state.lambda], [this.seed, state.seed]] as const) {
      if (document.activeElement !== input) input.value = String(v);
    }
    this.dataNote.textContent = toy
      ? '500 points (TensorFlow Playground’s generator): 250 to train on, 250 to test.'
      : 'MNIST in your browser: 6,000 training digits and the 10,000 official test digits.';
    this.showLayers(state);
  }

  /**
   * Say which backend the worker trains on, with how many threads the wasm kernels use, and why it
   * is not the one chosen (`note`), if so.
   */
  showBackend(inUse: 'webgpu' | 'wasm' | 'js', note: string | null, threads: number): void {
    this.backendNote.dataset.backend = inUse;
    this.backendNote.dataset.threads = String(threads);
    this.backendNote.classList.toggle('warning', note !== null);
    const name = inUse === 'webgpu' ? 'the GPU (WebGPU)' : inUse === 'wasm' ? `wasm · ${threads} thread${threads === 1 ? '' : 's'}` : inUse;
    this.backendNote.textContent = note ?? `Training on ${name}.`;
  }

  private showLayers(state: State): void {
    const maxWidth = state.data === 'mnist' ? LIMITS.width[1] : 16;
    const focused = document.activeElement?.id;
    clear(this.layers);
    const inputs = state.data === 'mnist' ? 784 : 2;
    this.layers.append(h('div', { class: 'layer-row' }, h('span', { class: 'name' }, 'layer 1'), h('span', { class: 'width' }, String(inputs)), h('span', { class: 'muted' }, 'input')));
    state.hidden.forEach((width, i) => {
      const minus = h('button', { type: 'button', id: `layer-${i}-minus`, 'aria-label': `Fewer neurons in layer ${i + 2}`, disabled: width <= 1 }, '−');
      const plus = h('button', { type: 'button', id: `layer-${i}-plus`, 'aria-label': `More neurons in layer ${i + 2}`, disabled: width >= maxWidth }, '+');
      const step = width >= 16 ? (width >= 32 ? 10 : 4) : 1;
      minus.addEventListener('click', () => this.onChange({ hidden: state.hidden.map((w, q) => (q === i ? Math.max(1, w - step) : w)) }));
      plus.addEventListener('click', () => this.onChange({ hidden: state.hidden.map((w, q) => (q === i ? Math.min(maxWidth, w + step) : w)) }));
      this.layers.append(h('div', { class: 'layer-row' }, h('span', { class: 'name' }, `layer ${i + 2}`), minus, h('span', { class: 'width', 'aria-label': `${width} neurons` }, String(width)), plus));
    });
    const outputs = state.data === 'mnist' ? 10 : 2;
    this.layers.append(h('div', { class: 'layer-row' }, h('span', { class: 'name' }, `layer ${state.hidden.length + 2}`), h('span', { class: 'width' }, String(outputs)), h('span', { class: 'muted' }, 'output')));
    const add = h('button', { type: 'button', id: 'layer-add', disabled: state.hidden.length >= LIMITS.hiddenLayers[1] }, '+ hidden layer');
    const remove = h('button', { type: 'button', id: 'layer-remove', disabled: state.hidden.length === 0 }, '− hidden layer');
    add.addEventListener('click', () => this.onChange({ hidden: [...state.hidden, state.hidden[state.hidden.length - 1] ?? 4] }));
    remove.addEventListener('click', () => this.onChange({ hidden: state.hidden.slice(0, -1) }));
    this.layers.append(h('div', { class: 'layer-buttons' }, add, remove));
    if (focused) document.getElementById(focused)?.focus();
  }
}
