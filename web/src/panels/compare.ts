/**
 * web/panels/compare — the "Beyond backprop" tab: backprop and its alternatives (the library's
 * learning rules) trained on the page's data and network, from the same initial weights, on the
 * same batches, for the same number of examples, in a worker of their own (web/compare-worker.ts).
 * It draws the learning curves (test accuracy against examples seen, one line per rule, the target
 * dashed) as SVG, the angle between each rule's update of W2 and backprop's gradient at the same
 * points (feedback alignment turning from 90° towards the gradient; the perturbation rules staying
 * near 90°), and the table of `glassbox compare`: test accuracy, examples to the target, wall
 * time, forward and backward passes. The page computes none of these numbers; it only draws them.
 */
import { Rng, RULE_NAMES, rules, type RuleName } from 'glassbox';
import type { Snapshot } from '../context.js';
import { byId, clear, h, num, s } from '../dom.js';
import type { CompareOutcome, ComparePoint, CompareRun, FromCompare, Setup, ToCompare } from '../protocol.js';
import { LIMITS, sizesOf, type State } from '../state.js';

/** One colour per rule, fixed by the rule (so a rule keeps its colour whichever rules are chosen). */
const RULE_COLORS: Readonly<Record<RuleName, string>> = {
  backprop: '#1f77b4',
  'feedback-alignment': '#ff7f0e',
  'direct-feedback-alignment': '#2ca02c',
  'forward-gradient': '#d62728',
  'weight-perturbation': '#9467bd',
  'node-perturbation': '#8c564b',
  'forward-forward': '#e377c2',
};

/** Budget limits (training examples per rule). */
const BUDGET_RANGE = [10, 1_000_000] as const;

/** A rule's name in words: 'feedback-alignment' → 'feedback alignment'. */
function ruleLabel(rule: RuleName): string {
  return rule.replace(/-/g, ' ');
}

/** A short line in the rule's colour (set through the CSSOM: the page's CSP refuses style attributes). */
function swatch(rule: RuleName): HTMLSpanElement {
  const el = h('span', { class: 'beyond-swatch' });
  el.style.backgroundColor = RULE_COLORS[rule];
  return el;
}

/** Round ticks covering [0, hi]: steps of 1, 2 or 5 × 10^n. */
function ticksTo(hi: number, count = 5): number[] {
  const top = hi > 0 ? hi : 1;
  const raw = top / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * magnitude).find((t) => t >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = 0; t <= top + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1] < top) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

/** What the page knows about the run in progress or the last one. */
interface RunView {
  run: CompareRun;
  /** Settings in words, as they were when the run started. */
  label: string;
  curves: Map<RuleName, ComparePoint[]>;
  outcomes: CompareOutcome[];
  current: RuleName | null;
  testCount: number;
  curveCount: number;
  finished: boolean;
  stopped: boolean;
  error: string | null;
}

/** The "Beyond backprop" panel. It builds its own tab button and tab panel inside the inspector. */
export class ComparePanel {
  /** The tab's panel element (`#panel-compare`). */
  readonly root: HTMLElement;
  private worker: Worker | null = null;
  private runId = 0;
  private view: RunView | null = null;
  private readonly checks = new Map<RuleName, HTMLInputElement>();
  private readonly etas = new Map<RuleName, HTMLInputElement>();
  /** Rates the user typed (the others follow the page's η). */
  private readonly etaEdited = new Set<RuleName>();
  private readonly notes = new Map<RuleName, HTMLElement>();
  private readonly budget: HTMLInputElement;
  private readonly target: HTMLInputElement;
  private readonly runButton: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly progress: HTMLProgressElement;
  private readonly settingsLine: HTMLElement;
  private readonly chart: HTMLElement;
  private readonly angles: HTMLElement;
  private readonly table: HTMLElement;
  private state: State | null = null;
  /** Key of the network the rules' applicability was last checked on. */
  private checkedKey = '';
  private frame = 0;

  /**
   * @param tablist the inspector's `role="tablist"` element (the tab button is appended to it).
   * @param inspector the element holding the tab panels.
   * @param currentSetup the page's network, data and training settings as the training worker gets them.
   */
  constructor(tablist: HTMLElement, inspector: HTMLElement, private readonly currentSetup: () => Setup) {
    tablist.append(h('button', { role: 'tab', id: 'tab-compare', 'aria-controls': 'panel-compare', type: 'button' }, 'Beyond backprop'));
    this.root = h('div', { role: 'tabpanel', id: 'panel-compare', 'aria-labelledby': 'tab-compare', tabindex: 0, hidden: true });
    inspector.append(this.root);

    const ruleRows = RULE_NAMES.map((rule) => {
      const id = `compare-rule-${rule}`;
      const check = h('input', { type: 'checkbox', id, 'data-rule': rule });
      check.checked = rule === 'backprop' || rule === 'feedback-alignment';
      const eta = h('input', { type: 'number', id: `compare-eta-${rule}`, min: LIMITS.eta[0], max: LIMITS.eta[1], step: 'any', 'aria-label': `learning rate η of ${ruleLabel(rule)}` });
      eta.addEventListener('input', () => this.etaEdited.add(rule));
      const note = h('span', { class: 'hint beyond-note' });
      this.checks.set(rule, check);
      this.etas.set(rule, eta);
      this.notes.set(rule, note);
      return h('tr', {},
        h('td', {}, swatch(rule), check, ' ', h('label', { for: id, title: rules[rule].description }, ruleLabel(rule)), note),
        h('td', {}, eta),
      );
    });
    this.budget = h('input', { type: 'number', id: 'compare-budget', min: BUDGET_RANGE[0], max: BUDGET_RANGE[1], step: 1 });
    this.target = h('input', { type: 'number', id: 'compare-target', min: 0.01, max: 1, step: 0.01, value: 0.9 });
    this.runButton = h('button', { type: 'button', id: 'compare-run', class: 'primary' }, 'Run');
    this.runButton.addEventListener('click', () => (this.worker ? this.stop() : this.start()));
    this.status = h('span', { id: 'compare-status', role: 'status', 'aria-live': 'polite', class: 'muted' });
    this.progress = h('progress', { id: 'compare-progress', max: 1, value: 0, 'aria-label': 'comparison progress', hidden: true });
    this.settingsLine = h('p', { class: 'hint', id: 'compare-settings' });
    this.chart = h('div', { id: 'compare-chart', class: 'beyond-chart' });
    this.angles = h('div', { id: 'compare-angles', class: 'beyond-chart' });
    this.table = h('div', { id: 'compare-table' });

    this.root.append(
      h('p', { class: 'big-eq' }, 'Is backprop the best we can do? The same network, data and seed trained by each learning rule: the same initial weights, the same mini-batches in the same order, the same number of examples.'),
      h('div', { class: 'beyond-grid' },
        h('div', {},
          h('table', { class: 'data beyond-rules' },
            h('caption', { class: 'visually-hidden' }, 'Learning rules to compare, each with its learning rate'),
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'learning rule'), h('th', { scope: 'col' }, 'η'))),
            h('tbody', {}, ...ruleRows),
          ),
        ),
        h('div', { class: 'beyond-settings' },
          h('label', { for: 'compare-budget' }, 'Budget: training examples per rule'), this.budget,
          h('label', { for: 'compare-target' }, 'Target accuracy (data hunger: examples to reach it)'), this.target,
          h('div', { class: 'row' }, this.runButton, this.progress),
          this.status,
        ),
      ),
      this.settingsLine,
      this.chart,
      this.angles,
      this.table,
    );
  }

  /** Keep the form in step with the page's settings (η defaults, which rules can train this network). */
  render(snap: Snapshot): void {
    const st = snap.state;
    if (!this.state || this.state.data !== st.data) this.budget.value = String(st.data === 'mnist' ? 6000 : 2500);
    this.state = st;
    for (const rule of RULE_NAMES) {
      const eta = this.etas.get(rule)!;
      if (!this.etaEdited.has(rule) && document.activeElement !== eta) eta.value = String(st.eta);
    }
    const key = `${snap.model.sizes.join(',')}|${snap.model.spec().activations.join(',')}`;
    if (key !== this.checkedKey) {
      this.checkedKey = key;
      // Ask each rule whether it can train this network (the library's own checks, e.g. forward-forward's).
      for (const rule of RULE_NAMES) {
        const check = this.checks.get(rule)!;
        const note = this.notes.get(rule)!;
        try {
          rules[rule].init(snap.model, new Rng(0));
          check.disabled = false;
          note.textContent = '';
        } catch (err) {
          check.checked = false;
          check.disabled = true;
          note.textContent = ` — not for this network: ${err instanceof Error ? err.message.replace(/^[a-z-]+: /, '') : String(err)}`;
        }
      }
    }
    if (!this.view) this.settingsLine.textContent = `Runs on ${this.describe(st)}; each rule with the optimiser ${st.optimizer} and its own η (the page's η unless you change it).`;
  }

  /** The page's settings in words. */
  private describe(st: State): string {
    return `${st.data}, [${sizesOf(st).join(', ')}] ${st.activation}, ${st.cost} cost, batch ${st.batch}, ${st.optimizer}${st.lambda > 0 ? `, λ ${st.lambda}` : ''}, seed ${st.seed}`;
  }

  /** Check the form; the run, or a message naming the bad value and the valid range. */
  private readForm(): CompareRun | string {
    const chosen = RULE_NAMES.filter((r) => this.checks.get(r)!.checked && !this.checks.get(r)!.disabled);
    if (chosen.length === 0) return 'Choose at least one learning rule.';
    const budget = Number(this.budget.value);
    if (!Number.isInteger(budget) || budget < BUDGET_RANGE[0] || budget > BUDGET_RANGE[1]) {
      return `Budget: '${this.budget.value}' is not a whole number of examples from ${BUDGET_RANGE[0]} to ${BUDGET_RANGE[1].toLocaleString('en-US')}.`;
    }
    const target = Number(this.target.value);
    if (this.target.value.trim() === '' || !(target > 0 && target <= 1)) return `Target accuracy: '${this.target.value}' is not a fraction in (0, 1].`;
    const picked: CompareRun['rules'] = [];
    for (const rule of chosen) {
      const input = this.etas.get(rule)!;
      const eta = Number(input.value);
      if (input.value.trim() === '' || !(eta >= LIMITS.eta[0] && eta <= LIMITS.eta[1])) {
        return `η of ${ruleLabel(rule)}: '${input.value}' is not a number from ${LIMITS.eta[0]} to ${LIMITS.eta[1]}.`;
      }
      picked.push({ rule, eta });
    }
    return { id: ++this.runId, setup: this.currentSetup(), rules: picked, budget, target };
  }

  private start(): void {
    const run = this.readForm();
    if (typeof run === 'string') {
      this.status.textContent = run;
      this.status.classList.add('beyond-error');
      return;
    }
    this.status.classList.remove('beyond-error');
    const st = this.state;
    this.view = {
      run, label: st ? this.describe(st) : '', curves: new Map(), outcomes: [], current: null, testCount: 0, curveCount: 0, finished: false, stopped: false, error: null,
    };
    const worker = new Worker(new URL('../compare-worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<FromCompare>) => this.onMessage(e.data);
    worker.onerror = (e) => this.finish(`The comparison worker failed: ${e.message}`);
    this.worker = worker;
    const msg: ToCompare = { type: 'run', run };
    worker.postMessage(msg);
    this.runButton.textContent = 'Stop';
    this.progress.hidden = false;
    this.progress.value = 0;
    this.schedule();
  }

  /** Stop the run in progress (the worker is terminated; the rules finished so far stay on screen). */
  private stop(): void {
    if (this.view) this.view.stopped = true;
    this.finish(null);
  }

  private finish(error: string | null): void {
    this.worker?.terminate();
    this.worker = null;
    this.runButton.textContent = 'Run';
    this.progress.hidden = true;
    if (this.view) {
      this.view.finished = true;
      this.view.current = null;
      if (error) this.view.error = error;
    }
    this.schedule();
  }

  private onMessage(msg: FromCompare): void {
    const v = this.view;
    if (!v || msg.run !== v.run.id) return;
    switch (msg.type) {
      case 'start':
        v.current = msg.rule;
        v.testCount = msg.testCount;
        v.curveCount = msg.curveCount;
        v.curves.set(msg.rule, []);
        break;
      case 'point':
        v.curves.get(msg.rule)?.push(msg.point);
        break;
      case 'result':
        v.outcomes.push(msg.outcome);
        v.curves.set(msg.outcome.rule, msg.outcome.curve);
        break;
      case 'done':
        this.finish(null);
        return;
      case 'error':
        this.finish(msg.message);
        return;
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const v = this.view;
    if (!v) return;
    const { run } = v;
    const total = run.rules.length * run.budget;
    const doneExamples = v.outcomes.length * run.budget;
    const currentCurve = v.current ? v.curves.get(v.current) : undefined;
    const now = currentCurve && currentCurve.length > 0 ? currentCurve[currentCurve.length - 1].examples : 0;
    this.progress.value = Math.min(1, (doneExamples + (v.current && !v.finished ? now : 0)) / total);
    if (v.error) this.status.textContent = v.error;
    else if (!v.finished && v.current) this.status.textContent = `Training with ${ruleLabel(v.current)}: ${now.toLocaleString('en-US')} of ${run.budget.toLocaleString('en-US')} examples (rule ${v.outcomes.length + 1} of ${run.rules.length})…`;
    else if (v.finished) this.status.textContent = v.stopped ? `Stopped after ${v.outcomes.length} of ${run.rules.length} rules.` : `Done: ${run.rules.length} rule${run.rules.length === 1 ? '' : 's'}.`;
    else this.status.textContent = 'Loading the data…';
    this.status.classList.toggle('beyond-error', v.error !== null);
    this.root.dataset.state = v.finished ? (v.error ? 'error' : v.stopped ? 'stopped' : 'done') : 'running';
    this.settingsLine.textContent =
      `Run on ${v.label}; ${run.budget.toLocaleString('en-US')} examples per rule. Curves: accuracy on ` +
      `${v.curveCount ? `the first ${v.curveCount.toLocaleString('en-US')} test examples` : 'the test examples'}, measured about every ${Math.max(run.setup.batch, Math.round(run.budget / 20)).toLocaleString('en-US')} examples (not counted as training time); ` +
      `final accuracy on ${v.testCount ? `all ${v.testCount.toLocaleString('en-US')}` : 'all'} test examples.`;
    this.drawChart(v);
    this.drawAngles(v);
    this.drawTable(v);
  }

  /** Test accuracy against examples seen: one polyline per rule, the target dashed, a legend at the right. */
  private drawChart(v: RunView): void {
    const f = examplesChart(v.run.budget, 250, 12, 1, 'Learning curves: test accuracy against training examples seen, one line per rule');
    for (const t of [0, 0.25, 0.5, 0.75, 1]) f.yGrid(t, `${t * 100}%`, false);
    f.yGrid(v.run.target, null, true);
    v.run.rules.forEach(({ rule }, i) => {
      f.line('curve', rule, (v.curves.get(rule) ?? []).map((p) => [p.examples, p.accuracy]));
      f.legend(i, RULE_COLORS[rule], ruleLabel(rule), false);
    });
    f.legend(v.run.rules.length, '#8a939b', `target ${num(100 * v.run.target, 3)}%`, true);
    clear(this.chart);
    this.chart.append(f.svg);
  }

  /**
   * The angle between each rule's update of W2 and backprop's ∂C/∂W2 against examples seen (measured
   * by the worker on the first training rows at each curve point), 90° marked: the direction a rule
   * follows, where the accuracy curve shows only where it got.
   */
  private drawAngles(v: RunView): void {
    clear(this.angles);
    const measured = v.run.rules.filter(({ rule }) => (v.curves.get(rule) ?? []).some((p) => p.angle !== null));
    if (measured.length === 0) return;
    const highest = Math.max(90, ...measured.flatMap(({ rule }) => (v.curves.get(rule) ?? []).map((p) => p.angle ?? 0)));
    const yMax = Math.min(180, 30 * Math.ceil(highest / 30));
    const f = examplesChart(v.run.budget, 210, 24, yMax, "Angle between each rule's update of the first weight layer and backprop's gradient, against training examples seen");
    f.svg.append(s('text', { x: f.left, y: 14, class: 'beyond-legend' }, "Angle between the rule's update of W2 and backprop's ∂C/∂W2"));
    for (let t = 0; t <= yMax; t += 30) f.yGrid(t, `${t}°`, t === 90);
    measured.forEach(({ rule }, i) => {
      const points = (v.curves.get(rule) ?? []).filter((p): p is ComparePoint & { angle: number } => p.angle !== null);
      // The numbers drawn, for tests and tools.
      f.line('angle', rule, points.map((p) => [p.examples, p.angle]), { 'data-angles': points.map((p) => p.angle.toFixed(4)).join(',') });
      f.legend(i, RULE_COLORS[rule], ruleLabel(rule), false);
    });
    f.legend(measured.length, '#8a939b', '90°: a random direction', true);
    this.angles.append(
      f.svg,
      h('p', { class: 'hint' },
        "Measured on the first 100 training examples at each curve point, with each rule's own fixed matrices and random draws apart from training's; " +
          "0° is the gradient's direction. Feedback alignment starts near 90° and turns towards it as the forward weights align with the feedback; " +
          "the perturbation rules' single estimates stay near 90° (their mean is the gradient). Forward-forward descends another objective and is not drawn."),
    );
  }

  /** The table of `glassbox compare`, one row per finished rule. */
  private drawTable(v: RunView): void {
    clear(this.table);
    if (v.outcomes.length === 0) return;
    const percent = (a: number): string => `${(100 * a).toFixed(1)} %`;
    const row = (o: CompareOutcome): HTMLTableRowElement =>
      h('tr', { 'data-rule': o.rule },
        h('td', {}, swatch(o.rule), ruleLabel(o.rule)),
        h('td', { 'data-value': o.eta }, num(o.eta, 3)),
        o.testAccuracy === null
          ? h('td', { class: 'accuracy beyond-failure', 'data-value': 'null', title: o.failure ?? '' }, o.failure ?? 'failed')
          : h('td', { class: 'accuracy', 'data-value': o.testAccuracy }, percent(o.testAccuracy)),
        h('td', { 'data-value': o.examplesToTarget ?? 'null' }, o.examplesToTarget === null ? 'not reached' : o.examplesToTarget.toLocaleString('en-US')),
        h('td', { 'data-value': o.seconds }, `${num(o.seconds, 3)} s`),
        h('td', { 'data-value': o.forwardPasses }, o.forwardPasses.toLocaleString('en-US')),
        h('td', { 'data-value': o.backwardPasses }, o.backwardPasses.toLocaleString('en-US')),
      );
    this.table.append(
      h('table', { class: 'data beyond-table' },
        h('caption', { class: 'visually-hidden' }, 'Comparison of the learning rules'),
        h('thead', {}, h('tr', {}, ...['rule', 'η', 'test accuracy', `examples to ${num(100 * v.run.target, 3)}%`, 'training time', 'forward passes', 'backward passes'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, ...v.outcomes.map(row)),
      ),
      h('p', { class: 'hint' }, 'Examples to target: the first curve point at or above the target. Training time: wall clock in this browser, curve measurements excluded. Passes: over mini-batches, as each rule counts them (a forward-mode pass counts as one forward pass).'),
    );
  }
}

/**
 * The frame both of the panel's charts share: 640 wide, training examples seen (0 … budget) on x, a
 * y range of 0 … yMax, and a legend column at the right. Its methods draw into `svg`.
 */
function examplesChart(budget: number, height: number, top: number, yMax: number, label: string) {
  const width = 640;
  const left = 46;
  const right = 190;
  const bottom = 36;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const xTicks = ticksTo(budget);
  const xMax = xTicks[xTicks.length - 1];
  const sx = (x: number): number => left + (x / xMax) * plotW;
  const sy = (y: number): number => top + (1 - y / yMax) * plotH;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'beyond-svg', role: 'img', 'aria-label': label });
  for (const t of xTicks) {
    svg.append(s('line', { x1: sx(t), x2: sx(t), y1: top + plotH, y2: top + plotH + 4, stroke: '#5f6b76' }));
    svg.append(s('text', { x: sx(t), y: top + plotH + 16, 'text-anchor': 'middle', class: 'beyond-axis' }, t.toLocaleString('en-US')));
  }
  svg.append(s('text', { x: left + plotW / 2, y: height - 4, 'text-anchor': 'middle', class: 'beyond-axis' }, 'training examples seen'));
  svg.append(s('rect', { x: left, y: top, width: plotW, height: plotH, fill: 'none', stroke: '#c9ced4' }));
  const dash = { stroke: '#8a939b', 'stroke-dasharray': '5,4' };
  return {
    svg,
    left,
    /** A horizontal line at y (grey, or dashed as a mark), with its tick label at the left when given. */
    yGrid(y: number, text: string | null, marked: boolean): void {
      svg.append(s('line', { x1: left, x2: left + plotW, y1: sy(y), y2: sy(y), ...(marked ? dash : { stroke: '#e6e8eb' }) }));
      if (text !== null) svg.append(s('text', { x: left - 6, y: sy(y) + 4, 'text-anchor': 'end', class: 'beyond-axis' }, text));
    },
    /** A rule's points [examples, y] as a line (a dot when there is one point). */
    line(cls: string, rule: RuleName, points: [number, number][], data: Record<string, string> = {}): void {
      const color = RULE_COLORS[rule];
      if (points.length > 1) {
        svg.append(s('polyline', { class: cls, 'data-rule': rule, ...data, fill: 'none', stroke: color, 'stroke-width': 2, points: points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ') }));
      } else if (points.length === 1) {
        svg.append(s('circle', { class: cls, 'data-rule': rule, ...data, cx: sx(points[0][0]), cy: sy(points[0][1]), r: 3, fill: color }));
      }
    },
    /** Legend row i: a short line in the colour (dashed for a mark) and its text. */
    legend(i: number, color: string, text: string, marked: boolean): void {
      const ly = top + 8 + i * 18;
      const lx = left + plotW + 12;
      svg.append(s('line', { x1: lx, x2: lx + 20, y1: ly, y2: ly, ...(marked ? dash : { stroke: color, 'stroke-width': 2.5 }) }));
      svg.append(s('text', { x: lx + 26, y: ly + 4, class: marked ? 'beyond-legend muted' : 'beyond-legend' }, text));
    },
  };
}

/** The panel's tab list and inspector, found in the page. */
export function comparePanelHosts(): { tablist: HTMLElement; inspector: HTMLElement } {
  const inspector = byId('inspector');
  const tablist = inspector.querySelector<HTMLElement>('[role="tablist"]');
  if (!tablist) throw new Error('explorer: the inspector has no tab list');
  return { tablist, inspector };
}
