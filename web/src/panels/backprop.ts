/**
 * web/panels/backprop — the backward pass, one layer at a time, with Nielsen's four equations
 * beside the numbers they produce for the current example:
 *   BP1  δ^L = ∇_a C ⊙ σ'(z^L)             BP3  ∂C/∂b^l_j = δ^l_j
 *   BP2  δ^l = ((W^{l+1})ᵀ δ^{l+1}) ⊙ σ'(z^l)   BP4  ∂C/∂w^l_jk = a^{l−1}_k δ^l_j
 * δ, ∂C/∂b and ∂C/∂w come from the library's `trace`; the intermediate factors of BP2,
 * (W^{l+1})ᵀδ^{l+1} and σ'(z^l), from the library's matmul and forward-mode `jvp`.
 */
import { jvp, matmulTensor, ones, tensor, type Sequential, type TraceReport } from 'glassbox';
import type { AppApi, Snapshot } from '../context.js';
import { clear, h, math, num, sup } from '../dom.js';

/** Entries of a vector shown in full; longer ones show their largest entries. */
const FULL = 10;
const LARGEST = 8;

/** A vector as text: all entries when short, else the largest by |value| with their indices. */
function vector(values: readonly number[], mark?: number): HTMLElement {
  const el = h('span', { class: 'vector' });
  const fmt = (v: number): string => num(v, 4);
  if (values.length <= FULL) {
    el.append('[');
    values.forEach((v, i) => {
      if (i > 0) el.append(', ');
      el.append(i === mark ? h('span', { class: 'hi', title: `entry ${i}` }, fmt(v)) : fmt(v));
    });
    el.append(']');
    return el;
  }
  const order = values.map((v, i) => [Math.abs(v), i] as const).sort((a, b) => b[0] - a[0]).slice(0, LARGEST).map(([, i]) => i);
  if (mark !== undefined && !order.includes(mark)) order.push(mark);
  el.append(`${values.length} entries, the largest: `);
  order.forEach((i, n) => {
    if (n > 0) el.append(', ');
    const text = `[${i}] ${fmt(values[i])}`;
    el.append(i === mark ? h('span', { class: 'hi' }, text) : text);
  });
  return el;
}

/** A table of equations (left) beside the numbers they produce (right). */
function equations(rows: [string, HTMLElement | string, string?][]): HTMLElement {
  return h('table', { class: 'equations' },
    h('tbody', {}, ...rows.map(([eq, value, note]) =>
      h('tr', {}, h('th', { scope: 'row' }, math(eq)), h('td', {}, value), note ? h('td', { class: 'muted' }, note) : h('td')))));
}

/** The "Backprop, step by step" panel. */
export class BackpropPanel {
  private step = 0;
  private readonly pills: HTMLElement;
  private readonly body: HTMLElement;
  private snap: Snapshot | null = null;

  constructor(
    root: HTMLElement,
    private readonly app: AppApi,
  ) {
    this.pills = h('div', { class: 'steps', role: 'group', 'aria-label': 'Steps of the backward pass' });
    this.body = h('div', { id: 'backprop-body' });
    const prev = h('button', { type: 'button', id: 'bp-prev' }, '← back');
    const next = h('button', { type: 'button', id: 'bp-next', class: 'primary' }, 'next layer →');
    prev.addEventListener('click', () => this.go(this.step - 1));
    next.addEventListener('click', () => this.go(this.step + 1));
    root.append(
      h('p', { class: 'big-eq' }, 'Backpropagation runs the chain rule backward once: the error δ of the output layer, then of each layer before it, and from each δ every ∂C/∂b and ∂C/∂w of that layer.'),
      h('div', { class: 'row' }, prev, this.pills, next),
      this.body,
    );
  }

  private go(step: number): void {
    const snap = this.snap;
    if (!snap) return;
    const last = snap.model.sizes.length - 1;
    this.step = Math.max(0, Math.min(last, step));
    this.draw(snap);
  }

  /** Redraw for a snapshot, keeping the step. */
  render(snap: Snapshot): void {
    this.snap = snap;
    this.step = Math.min(this.step, snap.model.sizes.length - 1);
    this.draw(snap);
  }

  private draw(snap: Snapshot): void {
    const { model, trace } = snap;
    const L = model.sizes.length;
    clear(this.pills);
    for (let s = 0; s < L; s++) {
      const label = s === 0 ? 'forward' : `δ${sup(L - s + 1)}`;
      const pill = h('button', { type: 'button', class: 'pill', 'aria-current': s === this.step ? 'step' : false, 'data-step': s }, label);
      pill.addEventListener('click', () => this.go(s));
      this.pills.append(pill);
    }
    clear(this.body);
    if (this.step === 0) this.drawForward(trace);
    else this.drawLayer(model, trace, L - this.step + 1, snap);
  }

  private drawForward(t: TraceReport): void {
    const L = t.sizes.length;
    const out = t.layers[t.layers.length - 1];
    this.body.append(
      h('h3', { class: 'eq' }, 'The forward pass'),
      equations([
        ['a^1 = x', vector(t.input), 'the input'],
        [`z^l = W^l a^{l−1} + b^l,  a^l = σ(z^l)`, `for l = 2 … ${L}`],
        [`a^${L}`, vector(out.a), 'the output'],
        ['y', vector(t.target), 'the target'],
        ['C', h('b', {}, num(t.costValue, 6)), t.cost],
      ]),
      h('p', { class: 'hint' }, 'Press “next layer” to start the backward pass at the output layer.'),
    );
    this.app.view.setLayerHighlight({ layer: L, caption: `a${sup(L)}` }, [{ layer: L, values: out.a }]);
  }

  private drawLayer(model: Sequential, t: TraceReport, l: number, snap: Snapshot): void {
    const L = t.sizes.length;
    const layer = t.layers[l - 2]; // the trace lists layers 2 … L: index l − 2 is Nielsen's layer l
    const w = snap.state.weight;
    const mark = w.layer === l ? w.to : undefined;
    if (l === L) {
      this.body.append(
        h('h3', { class: 'eq' }, 'BP1: the error of the output layer'),
        h('p', { class: 'eq' }, t.bp1),
        equations([
          [`a^${L}`, vector(layer.a)],
          ['y', vector(t.target)],
          [`δ^${L} = ∂C/∂z^${L}`, vector(layer.delta, mark), 'BP1'],
        ]),
      );
    } else {
      const next = t.layers[l - 1]; // layer l + 1
      const W = model.layers[l - 1].W; // W^{l+1} [n_{l+1}, n_l]
      // (W^{l+1})ᵀ δ^{l+1} as the row δ^{l+1}·W^{l+1}: [1, n_{l+1}] × [n_{l+1}, n_l] = [1, n_l]
      const W64 = W.dtype === 'float64' ? W : tensor(Array.from(W.dataSync()), W.shape, 'float64');
      const back = Array.from(matmulTensor(tensor(next.delta, [1, next.delta.length], 'float64'), W64).dataSync());
      const z = tensor(layer.z, [1, layer.z.length], 'float64');
      const act = model.layers[l - 2].activation;
      const sigmaPrime = Array.from(jvp((zz) => act.apply(zz), [z], [ones(z.shape, 'float64')]).tangent.dataSync()); // σ'(z^l), element-wise
      this.body.append(
        h('h3', { class: 'eq' }, 'BP2: the error moves back one layer'),
        equations([
          [`δ^{${l + 1}}`, vector(next.delta), 'from the step before'],
          [`(W^{${l + 1}})ᵀ δ^{${l + 1}}`, vector(back), 'sent back along the weights'],
          [`σ'(z^${l})`, vector(sigmaPrime), `slope of ${act.name} at z`],
          [`δ^${l} = (W^{${l + 1}})ᵀδ^{${l + 1}} ⊙ σ'(z^${l})`, vector(layer.delta, mark), 'BP2'],
        ]),
      );
    }
    // BP3 and BP4 for this layer; the selected weight when it lives here, else the largest gradient.
    let j = 0;
    let k = 0;
    if (w.layer === l) {
      j = w.to;
      k = w.from;
    } else {
      let best = -1;
      layer.dW.forEach((r, jj) => r.forEach((v, kk) => {
        if (Math.abs(v) > best) [best, j, k] = [Math.abs(v), jj, kk];
      }));
    }
    const aPrev = l === 2 ? t.input : t.layers[l - 3].a; // a^{l−1}: the input for l = 2, else layer l − 1's a
    const product = h('span', { id: 'bp4-example' },
      `${num(aPrev[k], 5)} × ${num(layer.delta[j], 5)} = `, h('b', { 'data-value': String(layer.dW[j][k]) }, num(layer.dW[j][k], 6)));
    this.body.append(
      h('h3', { class: 'eq' }, 'BP3 and BP4: this layer’s gradients, read off δ'),
      equations([
        [`∂C/∂b^${l}_j = δ^${l}_j`, vector(layer.db, mark), 'BP3'],
        [`∂C/∂w^${l}_{${j},${k}} = a^{${l - 1}}_{${k}} δ^${l}_{${j}}`, product, w.layer === l ? 'BP4, the selected weight' : 'BP4, the largest here'],
      ]),
      h('p', { class: 'hint' }, l > 2 ? 'Next: δ moves back to the layer before (BP2).' : 'Done: one backward sweep gave every ∂C/∂b and ∂C/∂w.'),
    );
    this.app.view.setLayerHighlight({ layer: l, caption: `δ${sup(l)}` }, [{ layer: l, values: layer.delta }]);
  }
}
