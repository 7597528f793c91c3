/**
 * web/panels/paths — the seed's sum over paths: ∂C/∂w^l_jk as the sum, over every path from the
 * weight to the cost, of the product of the rates along it. The top paths are listed with their
 * products as bars and highlighted on the drawing; a running sum (largest first) converges to
 * backprop's ∂C/∂w; and the number of paths stands against the cost of one backward sweep.
 * Every number is the library's `paths` report.
 */
import { paths, type PathsReport } from 'glassbox';
import { LineChart } from '../charts.js';
import type { AppApi, Snapshot } from '../context.js';
import { clear, h, math, num, signed, sub, sup, weightName } from '../dom.js';

/** Paths listed (all of them when there are no more than this). */
const LISTED = 60;
/** Paths highlighted on the network drawing. */
const HIGHLIGHTED = 10;

/** The "Sum over paths" panel. */
export class PathsPanel {
  private report: PathsReport | null = null;
  private key = '';
  private readonly head: HTMLElement;
  private readonly table: HTMLElement;
  private readonly chart: LineChart;
  private readonly chartBox: HTMLElement;

  constructor(
    root: HTMLElement,
    private readonly app: AppApi,
  ) {
    this.head = h('div');
    this.chartBox = h('div', { class: 'chart' });
    this.table = h('div');
    this.chart = new LineChart(this.chartBox, { title: 'Running sum of the paths (largest first) → ∂C/∂w', xLabel: 'paths', empty: 'pick a weight' }, 130);
    root.append(
      h('p', { class: 'big-eq' }, math('∂C/∂w^l_{jk} = Σ_{m, n, …, q} ∂a^l_j/∂w · ∂a^{l+1}_m/∂a^l_j · ∂a^{l+2}_n/∂a^{l+1}_m ⋯ ∂C/∂a^L_q')),
      h('p', { class: 'hint' }, 'A change of w reaches the cost along every path through the later layers; each path multiplies the rates along it, and the paths add up (the chain rule, written out).'),
      h('div', { class: 'panel-grid' }, this.head, this.chartBox),
      this.table,
    );
  }

  /** Forget the cached report (e.g. when the panel is shown again). */
  invalidate(): void {
    this.key = '';
  }

  /** Recompute (when the model, example or weight changed) and redraw; highlights the top paths. */
  render(snap: Snapshot): void {
    const { model, example, state } = snap;
    const w = state.weight;
    const key = `${snap.version}|${example.source}|${example.index}|${example.label}|${w.layer}.${w.to}.${w.from}`;
    if (key !== this.key) {
      this.key = key;
      this.report = paths(model, example.x, example.label, { layer: w.layer, to: w.to, from: w.from, top: LISTED });
      this.draw(this.report);
    }
    this.app.view.setPaths((this.report?.paths ?? []).slice(0, HIGHLIGHTED).map((p) => ({ neurons: p.neurons, contribution: p.contribution })));
  }

  private draw(r: PathsReport): void {
    const p = r.parameter;
    const name = weightName(p.layer, p.to, p.from ?? 0);
    const all = r.paths.length === r.pathCount;
    clear(this.head);
    const count = BigInt(r.pathCountExact);
    this.head.append(
      h('dl', { class: 'compare' },
        h('dt', {}, 'paths from ' + name + ' to C'), h('dd', { id: 'paths-count', 'data-value': r.pathCountExact }, count.toLocaleString('en-US')),
        h('dt', {}, all ? `sum of all ${r.paths.length} paths` : `sum of the top ${r.paths.length}`), h('dd', { id: 'paths-sum', 'data-value': String(r.listedSum) }, num(r.listedSum, 8)),
        h('dt', {}, '∂C/∂w from backprop'), h('dd', { id: 'paths-total', 'data-value': String(r.total) }, num(r.total, 8)),
        h('dt', {}, all ? 'difference (round-off)' : 'the paths not listed'), h('dd', { id: 'paths-remainder', 'data-value': String(r.remainder) }, num(r.remainder, 3)),
      ),
      h('p', { class: 'callout' },
        `Enumerating every path: ${count.toLocaleString('en-US')} paths × ${r.factorsPerPath - 1} multiplications = ${r.work.enumerationMultiplications.toLocaleString('en-US')}. `,
        `Backprop gets this ∂C/∂w with ${r.work.backpropThisParameter.toLocaleString('en-US')} multiply-adds, and every ∂C/∂w and ∂C/∂b of the network in one sweep of ${r.work.backpropAllParameters.toLocaleString('en-US')}. `,
        'The paths share their tails; backprop computes each shared tail (δ) once.'),
      h('p', { class: 'hint' }, r.method === 'enumeration'
        ? `Every path was visited (their exact sum: ${num(r.enumeratedSum ?? NaN, 8)}).`
        : `Too many to visit: the top ${r.paths.length} were found exactly by a k-best search on the layered graph, without enumerating.`),
    );

    let running = 0;
    const runningSums = r.paths.map((e) => (running += e.contribution));
    const xs = runningSums.map((_, i) => i + 1);
    this.chart.set([
      { name: '∂C/∂w (backprop)', color: '#888', xs: [0, Math.max(1, xs.length)], ys: [r.total, r.total] },
      { name: 'running sum', color: '#0b5cad', xs: [0, ...xs], ys: [0, ...runningSums] },
    ]);

    const maxAbs = Math.max(1e-300, ...r.paths.map((e) => Math.abs(e.contribution)));
    const rows = r.paths.map((e, i) => {
      const route = [`${p.kind === 'bias' ? 'b' : `a${sup(p.layer - 1)}${sub(p.from ?? 0)}`}`, ...e.neurons.map((n, d) => `a${sup(r.layers[d])}${sub(n)}`), 'C'].join(' → ');
      const t = Math.abs(e.contribution) / maxAbs;
      const bar = h('div', { class: 'bar-wrap' }, h('div', { class: 'axis' }));
      const b = h('div', { class: `bar ${e.contribution >= 0 ? 'pos' : 'neg'}` });
      b.style.width = `${(50 * t).toFixed(2)}%`;
      b.style.left = e.contribution >= 0 ? '50%' : `${(50 - 50 * t).toFixed(2)}%`;
      bar.append(b);
      const row = h('tr', { tabindex: 0, title: `factors: ${e.factors.map((f) => num(f, 4)).join(' × ')}` },
        h('td', {}, String(i + 1)), h('td', { class: 'vector' }, route), h('td', { class: 'bar-cell' }, bar),
        h('td', {}, signed(e.contribution, 4)), h('td', {}, num(runningSums[i], 6)));
      const highlight = (): void => this.app.view.setPaths([{ neurons: e.neurons, contribution: e.contribution }]);
      const restore = (): void => this.app.view.setPaths(r.paths.slice(0, HIGHLIGHTED).map((q) => ({ neurons: q.neurons, contribution: q.contribution })));
      row.addEventListener('pointerenter', highlight);
      row.addEventListener('focus', highlight);
      row.addEventListener('pointerleave', restore);
      row.addEventListener('blur', restore);
      return row;
    });
    clear(this.table);
    this.table.append(
      h('table', { class: 'data paths-table' },
        h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'path'), h('th', {}, 'product of rates'), h('th', {}, 'contribution'), h('th', {}, 'running sum'))),
        h('tbody', {}, ...rows)),
      h('p', { class: 'hint' }, `Hover or focus a row to see its path. The ${Math.min(HIGHLIGHTED, r.paths.length)} largest are drawn on the network, width ∝ |product|.`),
    );
  }
}
