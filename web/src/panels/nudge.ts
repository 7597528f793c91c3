/**
 * web/panels/nudge — the seed's figures 1–4: pick a weight w^l_jk, drag Δw, and watch the change
 * ripple forward (the network view animates it layer by layer); below, ΔC measured by a re-run
 * against backprop's (∂C/∂w)·Δw and forward mode's Ċ·Δw, and the same for shrinking Δw so the
 * error of the linear prediction is seen to fall like Δw². Every number is the library's `ripple`.
 */
import { ripple, type RippleReport } from 'glassbox';
import type { AppApi, Snapshot } from '../context.js';
import { clear, h, num, signed, sub, sup, weightName } from '../dom.js';
import { LIMITS } from '../state.js';

/** How many times smaller each row of the shrinking-Δw table is. */
const SHRINK = [1, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5];

/** The "Nudge a weight" panel. */
export class NudgePanel {
  private report: RippleReport | null = null;
  private key = '';
  private replayTimer = 0;
  private pendingReplay = false;
  private readonly body: HTMLElement;
  private readonly picker: { layer: HTMLSelectElement; to: HTMLInputElement; from: HTMLInputElement; caption: HTMLElement };
  private readonly slider: HTMLInputElement;
  private readonly dwInput: HTMLInputElement;

  constructor(
    private readonly root: HTMLElement,
    private readonly app: AppApi,
  ) {
    const layer = h('select', { id: 'nudge-layer' });
    const to = h('input', { id: 'nudge-to', type: 'number', min: 0, step: 1 });
    const from = h('input', { id: 'nudge-from', type: 'number', min: 0, step: 1 });
    const caption = h('span', { class: 'muted' });
    this.picker = { layer, to, from, caption };
    const pick = (): void => this.app.set({ weight: { layer: Number(layer.value), to: Number(to.value), from: Number(from.value) } });
    for (const el of [layer, to, from]) el.addEventListener('change', pick);

    this.slider = h('input', { id: 'dw-slider', type: 'range', min: -2, max: 2, step: 0.01, 'aria-label': 'Δw, the nudge' });
    this.dwInput = h('input', { id: 'dw-input', type: 'number', min: LIMITS.dw[0], max: LIMITS.dw[1], step: 'any', 'aria-label': 'Δw exactly' });
    this.slider.addEventListener('input', () => this.setDw(Number(this.slider.value), false));
    this.slider.addEventListener('change', () => this.setDw(Number(this.slider.value), true));
    this.dwInput.addEventListener('change', () => {
      const v = Number(this.dwInput.value);
      if (Number.isFinite(v) && v >= LIMITS.dw[0] && v <= LIMITS.dw[1]) this.setDw(v, true);
    });
    const replay = h('button', { type: 'button', id: 'replay', class: 'primary' }, '▶ Play the ripple');
    replay.addEventListener('click', () => this.replay());

    this.body = h('div', { class: 'nudge-body' });
    root.append(
      h('p', { class: 'big-eq' }, 'Change one weight by Δw: the neuron it feeds changes by Δa, that changes every neuron of the next layer, and so on down to the cost: ',
        h('em', {}, 'a forward propagation of changes.'), ' The measured ΔC is close to (∂C/∂w)·Δw — which is why finding ∂C/∂w is the whole game.'),
      h('div', { class: 'weight-picker', role: 'group', 'aria-label': 'The weight to nudge' },
        h('label', {}, 'layer l', layer), h('label', {}, 'to neuron j', to), h('label', {}, 'from neuron k', from), caption),
      h('div', { class: 'slider-row' }, h('label', { for: 'dw-slider' }, 'Δw'), this.slider, this.dwInput),
      h('div', { class: 'row' }, replay, h('span', { class: 'muted' }, 'Drag Δw, or press play, to watch the change travel layer by layer.')),
      this.body,
    );
  }

  private setDw(dw: number, commit: boolean): void {
    this.slider.value = String(dw);
    this.dwInput.value = String(dw);
    window.clearTimeout(this.replayTimer);
    if (commit) this.app.set({ dw });
    else this.replayTimer = window.setTimeout(() => this.app.set({ dw }), 60);
  }

  /** Forget the cached report, so the next render recomputes it and replays the ripple. */
  invalidate(): void {
    this.key = '';
  }

  /** After the network view has been drawn: play the ripple if a render asked for it. */
  flush(): void {
    if (!this.pendingReplay) return;
    this.pendingReplay = false;
    this.replay();
  }

  /** Replay the animation of the current report on the network view. */
  replay(): void {
    const r = this.report;
    if (!r || r.steps.length === 0) return;
    const step = r.steps[0];
    const p = r.parameter;
    this.app.view.playRipple({
      weight: { layer: p.layer, to: p.to, from: p.from ?? 0 },
      layers: step.layers.map((l) => ({ layer: l.layer, values: l.measured })),
      dC: step.measuredCost,
      linear: step.linearCost,
    });
  }

  /** Redraw for a new snapshot (the ripple is recomputed only when its inputs changed). */
  render(snap: Snapshot): void {
    const { model, state, example } = snap;
    const sizes = model.sizes;
    const L = sizes.length;
    const w = state.weight;
    const { layer, to, from, caption } = this.picker;
    if (layer.options.length !== L - 1) {
      clear(layer);
      for (let l = 2; l <= L; l++) layer.append(h('option', { value: l }, String(l)));
    }
    layer.value = String(w.layer);
    to.max = String(sizes[w.layer - 1] - 1);
    from.max = String(sizes[w.layer - 2] - 1);
    to.value = String(w.to);
    from.value = String(w.from);
    caption.textContent = `${weightName(w.layer, w.to, w.from)}: from neuron ${w.from} of layer ${w.layer - 1} to neuron ${w.to} of layer ${w.layer}`;
    if (document.activeElement !== this.dwInput) this.dwInput.value = String(state.dw);
    if (document.activeElement !== this.slider) this.slider.value = String(state.dw);

    const key = `${snap.version}|${example.source}|${example.index}|${example.label}|${w.layer}.${w.to}.${w.from}|${state.dw}`;
    if (key === this.key) return;
    this.key = key;
    clear(this.body);
    if (state.dw === 0) {
      this.report = null;
      this.app.view.clearRipple();
      this.body.append(h('p', { class: 'callout' }, 'Δw = 0: nothing changes. Drag the slider to nudge the weight.'));
      return;
    }
    const r = (this.report = ripple(model, example.x, example.label, { layer: w.layer, to: w.to, from: w.from, deltas: SHRINK.map((f) => state.dw * f) }));
    // ∂z^l_j/∂w^l_jk = a^{l−1}_k: a weight out of a silent neuron (a blank pixel) moves nothing.
    const aFrom = w.layer === 2 ? example.x[w.from] : snap.trace.layers[w.layer - 3].a[w.from]; // a^{l−1}_k (trace index l − 3 is layer l − 1)
    if (aFrom === 0) {
      this.body.append(h('p', { class: 'callout', id: 'silent-weight' },
        `a${sup(w.layer - 1)}${sub(w.from)} = 0 for this input${w.layer === 2 && snap.imageShape ? ' (a blank pixel)' : ''}, so this weight has no effect on it: ∂z/∂w = a${sup(w.layer - 1)}${sub(w.from)} = 0 and every Δa below is 0. `,
        'Pick a weight out of an active neuron: the input neurons drawn are the ones with the most influence on this example.'));
    }
    this.body.append(this.summary(r), this.layersTable(r), this.shrinkTable(r));
    // While training runs the numbers update in place; the animation plays when it is paused.
    if (snap.running) this.app.view.clearRipple();
    else this.pendingReplay = true;
  }

  private summary(r: RippleReport): HTMLElement {
    const s = r.steps[0];
    const dd = (id: string, v: number, digits = 6): HTMLElement => h('dd', { id, 'data-value': String(v) }, signed(v, digits));
    return h('div', { class: 'panel-grid' },
      h('dl', { class: 'compare', 'aria-label': 'The change of the cost' },
        h('dt', {}, 'w'), h('dd', { id: 'w-value', 'data-value': String(r.parameter.value) }, num(r.parameter.value, 6)),
        h('dt', {}, 'Δw'), dd('dw-value', s.delta),
        h('dt', {}, 'ΔC measured (re-run)'), dd('dc-measured', s.measuredCost),
        h('dt', {}, '(∂C/∂w)·Δw, backprop'), dd('dc-linear', s.linearCost),
        h('dt', {}, 'Ċ·Δw, forward mode'), dd('dc-jvp', s.predictedCost),
        h('dt', {}, '|measured − linear|'), h('dd', { id: 'dc-error', 'data-value': String(s.linearError) }, num(s.linearError, 3)),
      ),
      h('div', {},
        h('p', { class: 'callout' },
          `∂C/∂w = `, h('b', { id: 'grad-value', class: 'num', 'data-value': String(r.gradient) }, num(r.gradient, 6)),
          ` (backprop) and Ċ = ${num(r.costDot, 6)} (forward mode, one JVP). They agree to ${num(Math.abs(r.gradient - r.costDot), 2)}.`),
        h('p', { class: 'hint' }, `The cost of this example: C = ${num(r.cost, 6)}. ΔC ≈ (∂C/∂w)·Δw holds better the smaller Δw is: see the table below.`),
      ),
    );
  }

  private layersTable(r: RippleReport): HTMLElement {
    const s = r.steps[0];
    const rows = s.layers.map((lv) => {
      const order = lv.measured.map((v, j) => [v, j] as const).sort((a, b) => Math.abs(b[0]) - Math.abs(a[0]));
      const shown = order.filter(([v]) => v !== 0).slice(0, 4);
      const rest = lv.measured.filter((v) => v !== 0).length - shown.length;
      const text = shown.map(([v, j]) => `Δa${sup(lv.layer)}${sub(j)} ${signed(v, 3)}`).join('   ') + (rest > 0 ? `   … ${rest} more` : '') || 'no change';
      return h('tr', {}, h('td', {}, `layer ${lv.layer}`), h('td', { class: 'vector' }, text), h('td', {}, num(lv.maxError, 2)));
    });
    return h('div', {},
      h('h3', { class: 'eq' }, 'Layer by layer'),
      h('table', { class: 'data' },
        h('thead', {}, h('tr', {}, h('th', {}, 'layer'), h('th', {}, 'Δa measured (largest first)'), h('th', { title: 'largest |measured Δa − ȧ·Δw| in the layer, ȧ from forward mode' }, '|measured − ȧ·Δw|'))),
        h('tbody', {}, ...rows, h('tr', { class: 'current' }, h('td', {}, 'cost'), h('td', { class: 'vector' }, `ΔC ${signed(s.measuredCost, 6)}`), h('td', {}, num(Math.abs(s.measuredCost - s.predictedCost), 2)))),
      ),
    );
  }

  private shrinkTable(r: RippleReport): HTMLElement {
    const rows = r.steps.map((s, i) =>
      h('tr', { class: i === 0 ? 'current' : '' },
        h('td', {}, num(s.delta, 3)), h('td', {}, signed(s.measuredCost, 6)), h('td', {}, signed(s.linearCost, 6)),
        h('td', {}, num(s.linearError, 3)), h('td', {}, num(s.slope, 6))),
    );
    const order = r.observedOrder === null ? '' : ` The error falls like Δw^${num(r.observedOrder, 3)} (Taylor: Δw²), fitted over ${r.orderSteps} rows above round-off.`;
    return h('div', {},
      h('h3', { class: 'eq' }, 'Shrinking Δw: ΔC/Δw → ∂C/∂w'),
      h('table', { class: 'data', id: 'shrink-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Δw'), h('th', {}, 'ΔC measured'), h('th', {}, '(∂C/∂w)·Δw'), h('th', {}, '|error|'), h('th', {}, 'ΔC/Δw'))),
        h('tbody', {}, ...rows),
      ),
      h('p', { class: 'hint' }, `∂C/∂w = ${num(r.gradient, 6)}.${order}`),
    );
  }
}
