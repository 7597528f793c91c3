/**
 * web/network-view — the network drawn as SVG: neurons coloured by their activation a, weights as
 * lines whose width grows with |w| and whose colour is the sign (blue +, orange −), the cost C at
 * the right. Wide layers (784 inputs) are collapsed to the neurons with the most influence on the
 * current example; small networks are drawn in full. Hover shows a neuron's z, a, δ or a weight's
 * w and ∂C/∂w; click (or the arrow keys) selects a weight. Overlays: the ripple of a nudge
 * (animated layer by layer with requestAnimationFrame), the top paths, and a highlighted layer.
 *
 * Numbering: columns are Nielsen's layers 1 … L (layer 1 = the input); neuron indices are 0-based.
 * Per-layer arrays here are indexed by `layer − 1` (input first) unless said otherwise.
 */
import type { Sequential } from 'glassbox';
import { diverging, signColor } from './colors.js';
import { clear, h, num, s, signed, sub, sup, weightName } from './dom.js';
import type { WeightRef } from './state.js';

/** The numbers of one example that the view shows (from the library's trace). */
export interface ViewValues {
  /** a^l per layer, input first: a[0] = x  // [L][n_l] */
  a: number[][];
  /** z^l for layers 2 … L: z[l − 2]  // [L−1][n_l] */
  z: number[][];
  /** δ^l = ∂C/∂z^l for layers 2 … L: delta[l − 2] */
  delta: number[][];
  /** ∂C/∂w^l_jk = dW[l − 2][j][k] */
  dW: number[][][];
  /** C for this example. */
  cost: number;
}

/** One highlighted path from the selected weight to the cost. */
export interface PathOverlay {
  /** The neurons passed, one per layer from l (j) to L; the weight's k precedes them. */
  neurons: number[];
  /** Its product of rates (a signed contribution to ∂C/∂w). */
  contribution: number;
}

/** Annotations of one layer: a value per neuron (null = not shown). */
export interface LayerValues {
  /** Nielsen's layer number (1 … L), or L + 1 for the cost. */
  layer: number;
  values: (number | null)[];
}

/** The ripple of a nudge: Δa for layers l … L and ΔC, played as an animation. */
export interface RippleOverlay {
  /** The nudged weight. */
  weight: WeightRef;
  /** Δa per layer l … L (layer numbers ascending). */
  layers: LayerValues[];
  /** ΔC measured. */
  dC: number;
  /** (∂C/∂w)·Δw, backprop's linear prediction of it. */
  linear: number;
}

/** Neurons drawn per layer before a layer is collapsed to its most influential ones. */
const MAX_VISIBLE = 32;
/** Neurons kept when a layer is collapsed. */
const COLLAPSED_VISIBLE = 16;
/** Milliseconds per layer of the ripple animation. */
const RIPPLE_STAGE_MS = 450;

interface NeuronPos {
  x: number;
  y: number;
  r: number;
}

interface Layout {
  sizes: number[];
  /** visible[l − 1] = neuron indices drawn for layer l. */
  visible: number[][];
  /** pos[l − 1].get(j) = where neuron j of layer l is drawn. */
  pos: Map<number, NeuronPos>[];
  cost: NeuronPos;
  columnX: number[];
}

/** Labels drawn per layer: all when few neurons are shown, else the largest by |value|. */
const MAX_LABELS = 10;

/** The neurons to label: all of `neurons` when they are few, else the MAX_LABELS largest |value|. */
function largest(neurons: readonly number[], value: (j: number) => number): Set<number> {
  if (neurons.length <= MAX_LABELS + 2) return new Set(neurons);
  return new Set([...neurons].sort((p, q) => Math.abs(value(q)) - Math.abs(value(p))).slice(0, MAX_LABELS));
}

function activationScale(name: string): number {
  return name === 'relu' || name === 'linear' ? 2 : 1;
}

/** The SVG network view. */
export class NetworkView {
  /** Called when the user selects a weight (click, keyboard). */
  onSelect: (w: WeightRef) => void = () => undefined;

  private readonly root: HTMLElement;
  private readonly svg: SVGSVGElement;
  private readonly base: SVGGElement;
  private readonly overlay: SVGGElement;
  private readonly rippleSvg: SVGSVGElement;
  private readonly rippleLayer: SVGGElement;
  private readonly tooltip: HTMLDivElement;
  private model: Sequential | null = null;
  private values: ViewValues | null = null;
  private selected: WeightRef | null = null;
  private image: { pixels: Float32Array; rows: number; cols: number } | null = null;
  private paths: PathOverlay[] = [];
  private layerHighlight: { layer: number; caption: string } | null = null;
  private annotations: LayerValues[] = [];
  private layout: Layout | null = null;
  private hover: { kind: 'n'; layer: number; j: number } | { kind: 'w'; layer: number; j: number; k: number } | { kind: 'c' } | null = null;
  private rippleFrame = 0;
  private deferred = 0;
  private dirty = false;
  private width = 800;
  private height = 420;

  constructor(root: HTMLElement) {
    this.root = root;
    this.svg = s('svg', {
      class: 'network',
      role: 'group',
      'aria-roledescription': 'network diagram',
      tabindex: 0,
      'aria-label': 'The network. Arrow keys choose a weight: left and right change the layer, up and down the neuron it feeds, shift with up and down the neuron it comes from.',
    });
    this.base = s('g');
    this.overlay = s('g', { class: 'overlay' });
    this.svg.append(this.base, this.overlay);
    // The ripple animates in its own SVG stacked on top (its own compositing layer), so each frame
    // repaints only the few animated shapes, not the hundreds of weights underneath.
    this.rippleSvg = s('svg', { class: 'ripple-layer', 'aria-hidden': 'true' });
    this.rippleLayer = s('g', { class: 'ripple' });
    this.rippleSvg.append(this.rippleLayer);
    this.tooltip = h('div', { class: 'tooltip', role: 'status', 'aria-live': 'polite', hidden: true });
    root.append(this.svg, this.rippleSvg, this.tooltip);
    this.svg.addEventListener('pointerover', (e) => this.onPointer(e));
    this.svg.addEventListener('pointermove', (e) => this.moveTooltip(e));
    this.svg.addEventListener('pointerleave', () => this.setHover(null));
    this.svg.addEventListener('click', (e) => this.onClick(e));
    this.svg.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => this.resize()).observe(root);
    this.resize();
  }

  /** Show `model` with the values of the current example (null while they are being computed). */
  update(model: Sequential, values: ViewValues | null, selected: WeightRef | null, image: { pixels: Float32Array; rows: number; cols: number } | null = null): void {
    this.model = model;
    this.values = values;
    this.selected = selected;
    this.image = image;
    this.render();
  }

  /** Highlight these paths (empty: none). */
  setPaths(paths: PathOverlay[]): void {
    this.paths = paths;
    this.render();
  }

  /** Highlight one layer (e.g. the step of the backward pass being shown), or none. */
  setLayerHighlight(highlight: { layer: number; caption: string } | null, annotations: LayerValues[] = []): void {
    this.layerHighlight = highlight;
    this.annotations = annotations;
    this.render();
  }

  /** Run `changes` (several updates and overlays) and draw once at the end. */
  batch(changes: () => void): void {
    this.deferred++;
    try {
      changes();
    } finally {
      this.deferred--;
      if (this.deferred === 0 && this.dirty) this.render();
    }
  }

  /** The layout in use (for tests and for panels that place things beside neurons). */
  get visibleNeurons(): number[][] {
    return this.layout?.visible ?? [];
  }

  private resize(): void {
    const rect = this.root.getBoundingClientRect();
    const w = Math.max(320, Math.round(rect.width));
    const hgt = Math.max(260, Math.round(rect.height));
    if (w === this.width && hgt === this.height && this.layout) return;
    this.width = w;
    this.height = hgt;
    this.svg.setAttribute('viewBox', `0 0 ${w} ${hgt}`);
    this.rippleSvg.setAttribute('viewBox', `0 0 ${w} ${hgt}`);
    this.render();
  }

  /** Which neurons of each layer to draw: all of a narrow layer; the most influential of a wide one. */
  private chooseVisible(model: Sequential): number[][] {
    const sizes = model.sizes;
    const forced: Set<number>[] = sizes.map(() => new Set<number>());
    const sel = this.selected;
    if (sel && sel.layer >= 2 && sel.layer <= sizes.length) {
      forced[sel.layer - 1].add(sel.to);
      forced[sel.layer - 2].add(sel.from);
    }
    if (sel) {
      for (const p of this.paths) p.neurons.forEach((j, i) => forced[sel.layer - 1 + i]?.add(j));
    }
    return sizes.map((n, li) => {
      const all = Array.from({ length: n }, (_, j) => j);
      if (n <= MAX_VISIBLE) return all;
      // Influence of neuron k of layer li+1 on the next layer for this example: Σ_j |w_jk · a_k|,
      // with Σ_j |w_jk| breaking ties (and ranking when a_k = 0, e.g. blank pixels).
      const score = new Float64Array(n);
      const tie = new Float64Array(n);
      const next = model.layers[li]; // weights out of layer li+1 (Nielsen W^(li+2)), [n_next, n]
      const a = this.values?.a[li];
      if (next) {
        const W = next.W.dataSync();
        const nNext = next.W.shape[0];
        for (let j = 0; j < nNext; j++) {
          for (let k = 0; k < n; k++) {
            const w = Math.abs(W[j * n + k]);
            tie[k] += w;
            score[k] += a ? w * Math.abs(a[k]) : 0;
          }
        }
      } else if (a) {
        for (let k = 0; k < n; k++) score[k] = Math.abs(a[k]);
      }
      const ranked = all.sort((p, q) => score[q] - score[p] || tie[q] - tie[p] || p - q);
      const keep = new Set([...forced[li], ...ranked.slice(0, Math.max(0, COLLAPSED_VISIBLE - forced[li].size))]);
      return [...keep].sort((p, q) => p - q);
    });
  }

  private computeLayout(model: Sequential): Layout {
    const sizes = model.sizes;
    const visible = this.chooseVisible(model);
    const left = this.image ? 150 : 70;
    const right = 70;
    const top = 46;
    const bottom = 34;
    const columns = sizes.length + 0.55; // the cost sits half a column after the output layer
    const step = (this.width - left - right) / (columns - 1);
    const columnX = sizes.map((_, i) => left + i * step);
    const pos = visible.map((idx, li) => {
      const collapsed = idx.length < sizes[li];
      const slots = idx.length + (collapsed ? 1.2 : 0);
      const gap = Math.min(84, (this.height - top - bottom) / Math.max(1, slots));
      const r = Math.max(3.5, Math.min(17, gap * 0.3));
      const y0 = top + (this.height - top - bottom - gap * (slots - 1)) / 2;
      const m = new Map<number, NeuronPos>();
      idx.forEach((j, i) => m.set(j, { x: columnX[li], y: y0 + i * gap, r }));
      return m;
    });
    const cost = { x: left + (columns - 1) * step, y: top + (this.height - top - bottom) / 2, r: 15 };
    return { sizes, visible, pos, cost, columnX };
  }

  private render(): void {
    if (this.deferred > 0) {
      this.dirty = true;
      return;
    }
    this.dirty = false;
    const model = this.model;
    clear(this.base);
    clear(this.overlay);
    if (!model) return;
    const layout = (this.layout = this.computeLayout(model));
    const { sizes, visible, pos, cost } = layout;
    const L = sizes.length;
    const values = this.values;

    // Highlighted layer (behind everything).
    if (this.layerHighlight && this.layerHighlight.layer >= 1 && this.layerHighlight.layer <= L) {
      const x = layout.columnX[this.layerHighlight.layer - 1];
      this.base.append(
        s('rect', { class: 'layer-highlight', x: x - 34, y: 22, width: 68, height: this.height - 34, rx: 10 }),
        s('text', { class: 'layer-caption', x, y: this.height - 4, 'text-anchor': 'middle' }, this.layerHighlight.caption),
      );
    }

    // Weights, one group per weight layer; width ∝ |w| (scaled per layer), colour = sign.
    for (let l = 2; l <= L; l++) {
      const layer = model.layers[l - 2];
      const W = layer.W.dataSync();
      const nIn = sizes[l - 2];
      let maxAbs = 1e-12;
      for (const j of visible[l - 1]) for (const k of visible[l - 2]) maxAbs = Math.max(maxAbs, Math.abs(W[j * nIn + k]));
      const g = s('g', { class: 'weights' });
      for (const j of visible[l - 1]) {
        const to = pos[l - 1].get(j)!;
        for (const k of visible[l - 2]) {
          const from = pos[l - 2].get(k)!;
          const w = W[j * nIn + k]; // w^l_jk = W^l[j, k]
          const t = Math.abs(w) / maxAbs;
          g.append(
            s('line', {
              x1: from.x, y1: from.y, x2: to.x, y2: to.y,
              stroke: signColor(w), 'stroke-width': (0.35 + 4.4 * t).toFixed(2), 'stroke-opacity': (0.22 + 0.7 * t).toFixed(2),
              'data-kind': 'w', 'data-l': l, 'data-j': j, 'data-k': k,
            }),
          );
        }
      }
      this.base.append(g);
    }
    // Output → cost.
    const toCost = s('g', { class: 'to-cost' });
    for (const j of visible[L - 1]) {
      const p = pos[L - 1].get(j)!;
      toCost.append(s('line', { x1: p.x, y1: p.y, x2: cost.x, y2: cost.y }));
    }
    this.base.append(toCost);

    // The selected weight, on top of the others.
    const sel = this.selected;
    if (sel && sel.layer >= 2 && sel.layer <= L) {
      const from = pos[sel.layer - 2].get(sel.from);
      const to = pos[sel.layer - 1].get(sel.to);
      if (from && to) {
        const w = model.layers[sel.layer - 2].W.dataSync()[sel.to * sizes[sel.layer - 2] + sel.from];
        this.base.append(
          s('line', { class: 'selected-halo', x1: from.x, y1: from.y, x2: to.x, y2: to.y }),
          s('line', { class: 'selected-weight', x1: from.x, y1: from.y, x2: to.x, y2: to.y, stroke: signColor(w), 'data-kind': 'w', 'data-l': sel.layer, 'data-j': sel.to, 'data-k': sel.from }),
        );
      }
    }

    // Neurons.
    for (let li = 0; li < L; li++) {
      const g = s('g', { class: 'neurons' });
      const act = li === 0 ? 'linear' : model.layers[li - 1].activation.name;
      const scale = li === 0 ? 1 : activationScale(act);
      for (const j of visible[li]) {
        const p = pos[li].get(j)!;
        const a = values?.a[li]?.[j];
        const isEnd = sel && ((li === sel.layer - 1 && j === sel.to) || (li === sel.layer - 2 && j === sel.from));
        g.append(
          s('circle', {
            cx: p.x, cy: p.y, r: p.r,
            fill: a === undefined ? '#f3f3f3' : diverging(a, scale),
            class: isEnd ? 'neuron endpoint' : 'neuron',
            'data-kind': 'n', 'data-l': li + 1, 'data-j': j,
          }),
        );
      }
      // Labels: inputs on the left, outputs on the right.
      if (li === 0 || li === L - 1) {
        for (const j of visible[li]) {
          const p = pos[li].get(j)!;
          if (p.r < 5 && visible[li].length > 16) continue;
          const label = li === 0 ? this.inputLabel(j) : this.outputLabel(j);
          g.append(s('text', { class: 'neuron-label', x: li === 0 ? p.x - p.r - 5 : p.x + p.r + 5, y: p.y + 4, 'text-anchor': li === 0 ? 'end' : 'start' }, label));
        }
      }
      const hidden = sizes[li] - visible[li].length;
      const colX = layout.columnX[li];
      const title = li === 0 ? 'input' : li === L - 1 ? 'output' : 'hidden';
      g.append(s('text', { class: 'layer-title', x: colX, y: 16, 'text-anchor': 'middle' }, `layer ${li + 1}`));
      g.append(s('text', { class: 'layer-subtitle', x: colX, y: 30, 'text-anchor': 'middle' }, `${title} · ${sizes[li]}`));
      if (hidden > 0) {
        const last = pos[li].get(visible[li][visible[li].length - 1])!;
        g.append(s('text', { class: 'collapsed', x: colX, y: last.y + 22, 'text-anchor': 'middle' }, `⋮ ${hidden} more`));
      }
      this.base.append(g);
    }

    // The cost.
    this.base.append(
      s('circle', { class: 'cost-node', cx: cost.x, cy: cost.y, r: cost.r, 'data-kind': 'c' }),
      s('text', { class: 'cost-label', x: cost.x, y: cost.y + 5, 'text-anchor': 'middle' }, 'C'),
      s('text', { class: 'layer-subtitle', x: cost.x, y: cost.y + cost.r + 16, 'text-anchor': 'middle' }, values ? `C = ${num(values.cost, 3)}` : 'cost'),
    );

    if (this.image) this.drawInputImage(layout);
    this.drawPaths(layout);
    this.drawAnnotations(layout);
    this.refreshTooltip();
  }

  private inputLabel(k: number): string {
    if (this.image) return `(${Math.floor(k / this.image.cols)},${k % this.image.cols})`;
    return `x${sub(k + 1)}`;
  }

  private outputLabel(j: number): string {
    const n = this.model?.sizes[this.model.sizes.length - 1] ?? 0;
    if (n === 2) return j === 1 ? 'blue' : 'orange';
    return String(j);
  }

  /** The input image beside the input column, with the drawn pixels marked. */
  private drawInputImage(layout: Layout): void {
    const img = this.image!;
    const size = 76;
    const x0 = 4;
    const y0 = layout.cost.y - size / 2;
    const cell = size / img.cols;
    const g = s('g', { class: 'input-image' });
    g.append(s('rect', { x: x0 - 1, y: y0 - 1, width: size + 2, height: size + 2, fill: '#fff', stroke: '#999' }));
    for (let r = 0; r < img.rows; r++) {
      for (let c = 0; c < img.cols; c++) {
        const v = img.pixels[r * img.cols + c];
        if (v <= 0.02) continue;
        const shade = Math.round(255 * (1 - v));
        g.append(s('rect', { x: x0 + c * cell, y: y0 + r * cell, width: cell + 0.2, height: cell + 0.2, fill: `rgb(${shade},${shade},${shade})` }));
      }
    }
    for (const k of layout.visible[0]) {
      const r = Math.floor(k / img.cols);
      const c = k % img.cols;
      g.append(s('rect', { class: 'pixel-mark', x: x0 + c * cell, y: y0 + r * cell, width: cell, height: cell }));
    }
    g.append(s('text', { class: 'layer-subtitle', x: x0 + size / 2, y: y0 + size + 14, 'text-anchor': 'middle' }, 'input x'));
    this.base.append(g);
  }

  private drawPaths(layout: Layout): void {
    const sel = this.selected;
    if (!sel || this.paths.length === 0) return;
    const maxAbs = Math.max(1e-300, ...this.paths.map((p) => Math.abs(p.contribution)));
    for (const path of this.paths) {
      const pts: NeuronPos[] = [];
      const from = layout.pos[sel.layer - 2].get(sel.from);
      if (from) pts.push(from);
      path.neurons.forEach((j, i) => {
        const p = layout.pos[sel.layer - 1 + i]?.get(j);
        if (p) pts.push(p);
      });
      pts.push(layout.cost);
      const t = Math.abs(path.contribution) / maxAbs;
      this.overlay.append(
        s('polyline', {
          class: 'path-line',
          points: pts.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' '),
          stroke: signColor(path.contribution),
          'stroke-width': (1.5 + 5 * t).toFixed(2),
          'stroke-opacity': (0.35 + 0.6 * t).toFixed(2),
        }),
      );
    }
  }

  private drawAnnotations(layout: Layout): void {
    const L = layout.sizes.length;
    for (const ann of this.annotations) {
      const shown = largest(layout.visible[ann.layer - 1] ?? [], (j) => ann.values[j] ?? 0);
      ann.values.forEach((v, j) => {
        if (v === null || (ann.layer <= L && !shown.has(j))) return;
        const p = ann.layer === L + 1 ? layout.cost : layout.pos[ann.layer - 1]?.get(j);
        if (!p) return;
        this.overlay.append(s('text', { class: 'annotation', x: p.x + p.r + 4, y: p.y - p.r + 1, fill: v >= 0 ? '#05598c' : '#b35c00' }, signed(v, 3)));
      });
    }
  }

  /** Play the ripple of a nudge: the weight, then neuron j, then each later layer, then C. */
  playRipple(ripple: RippleOverlay): void {
    cancelAnimationFrame(this.rippleFrame);
    clear(this.rippleLayer);
    const layout = this.layout;
    if (!layout) return;
    const { weight } = ripple;
    const L = layout.sizes.length;
    const from = layout.pos[weight.layer - 2]?.get(weight.from);
    const to = layout.pos[weight.layer - 1]?.get(weight.to);
    if (!from || !to) return;
    const all = [...ripple.layers.flatMap((l) => l.values.filter((v): v is number => v !== null).map(Math.abs)), Math.abs(ripple.dC)];
    const maxAbs = Math.max(1e-300, ...all);
    const defs = s('defs');
    this.rippleLayer.append(defs);
    interface Stage { clip: SVGRectElement | null; x0: number; x1: number; marks: SVGGElement }
    const stages: Stage[] = [];
    const id = `ripple-${Date.now()}`;
    // Stage 0: the weight itself.
    const wClip = s('rect', { x: from.x - 20, y: 0, width: 0, height: this.height });
    defs.append(s('clipPath', { id: `${id}-0` }, wClip));
    const wMarks = s('g', { opacity: 0 });
    wMarks.append(s('text', { class: 'ripple-label', x: (from.x + to.x) / 2, y: (from.y + to.y) / 2 - 8, 'text-anchor': 'middle' }, `Δw`));
    this.rippleLayer.append(
      s('g', { 'clip-path': `url(#${id}-0)` }, s('line', { class: 'ripple-wave', x1: from.x, y1: from.y, x2: to.x, y2: to.y })),
      wMarks,
    );
    stages.push({ clip: wClip, x0: from.x - 20, x1: to.x, marks: wMarks });
    // Stages 1…: the layers l … L.
    let prev: { layer: number; changed: number[] } = { layer: weight.layer - 1, changed: [weight.from] };
    ripple.layers.forEach((lv, i) => {
      const li = lv.layer - 1;
      const changed = layout.visible[li].filter((j) => (lv.values[j] ?? 0) !== 0);
      const clipRect = s('rect', { x: layout.columnX[prev.layer - 1], y: 0, width: 0, height: this.height });
      defs.append(s('clipPath', { id: `${id}-${i + 1}` }, clipRect));
      const wave = s('g', { 'clip-path': `url(#${id}-${i + 1})` });
      if (i === 0) {
        wave.append(s('line', { class: 'ripple-wave', x1: from.x, y1: from.y, x2: to.x, y2: to.y }));
      } else {
        for (const k of prev.changed) {
          const p = layout.pos[prev.layer - 1].get(k);
          if (!p) continue;
          for (const j of changed) {
            const q = layout.pos[li].get(j)!;
            wave.append(s('line', { class: 'ripple-wave thin', x1: p.x, y1: p.y, x2: q.x, y2: q.y }));
          }
        }
      }
      const marks = s('g', { opacity: 0 });
      const labelled = largest(changed, (j) => lv.values[j] ?? 0);
      for (const j of changed) {
        const v = lv.values[j]!;
        const p = layout.pos[li].get(j)!;
        const t = Math.abs(v) / maxAbs;
        const ring = p.r + 2 + 9 * Math.sqrt(t);
        marks.append(s('circle', { class: 'ripple-ring', cx: p.x, cy: p.y, r: ring.toFixed(1), stroke: signColor(v) }));
        if (!labelled.has(j)) continue;
        // Labels sit just above the ring; in a crowded column, to its right instead.
        const crowded = layout.visible[li].length > 8;
        marks.append(crowded
          ? s('text', { class: 'ripple-label', x: p.x + ring + 3, y: p.y + 4 }, `Δa${sup(lv.layer)}${sub(j)} ${signed(v, 3)}`)
          : s('text', { class: 'ripple-label', x: p.x, y: p.y - ring - 4, 'text-anchor': 'middle' }, `Δa${sup(lv.layer)}${sub(j)} ${signed(v, 3)}`));
      }
      this.rippleLayer.append(wave, marks);
      stages.push({ clip: clipRect, x0: layout.columnX[prev.layer - 1], x1: layout.columnX[li] + 14, marks });
      prev = { layer: lv.layer, changed };
    });
    // Final stage: the cost.
    const costClip = s('rect', { x: layout.columnX[L - 1], y: 0, width: 0, height: this.height });
    defs.append(s('clipPath', { id: `${id}-c` }, costClip));
    const costWave = s('g', { 'clip-path': `url(#${id}-c)` });
    for (const j of prev.changed) {
      const p = layout.pos[L - 1].get(j);
      if (p) costWave.append(s('line', { class: 'ripple-wave thin', x1: p.x, y1: p.y, x2: layout.cost.x, y2: layout.cost.y }));
    }
    const costMarks = s('g', { opacity: 0 });
    costMarks.append(
      s('circle', { class: 'ripple-ring', cx: layout.cost.x, cy: layout.cost.y, r: layout.cost.r + 8, stroke: signColor(ripple.dC) }),
      // Right-aligned to the view's edge, so the longer line is never cut off.
      s('text', { class: 'ripple-label strong', x: this.width - 6, y: layout.cost.y - layout.cost.r - 30, 'text-anchor': 'end' }, `ΔC ${signed(ripple.dC, 4)}`),
      s('text', { class: 'ripple-label', x: this.width - 6, y: layout.cost.y - layout.cost.r - 14, 'text-anchor': 'end' }, `(∂C/∂w)·Δw ${signed(ripple.linear, 4)}`),
    );
    this.rippleLayer.append(costWave, costMarks);
    stages.push({ clip: costClip, x0: layout.columnX[L - 1], x1: layout.cost.x + layout.cost.r + 4, marks: costMarks });

    const start = performance.now();
    const frame = (now: number): void => {
      const t = (now - start) / RIPPLE_STAGE_MS;
      stages.forEach((st, i) => {
        const p = Math.max(0, Math.min(1, t - i));
        if (st.clip) st.clip.setAttribute('width', String(Math.max(0, (st.x1 - st.x0) * p)));
        st.marks.setAttribute('opacity', p >= 1 ? '1' : String(Math.max(0, (p - 0.6) / 0.4)));
      });
      if (t < stages.length) this.rippleFrame = requestAnimationFrame(frame);
      else this.svg.dispatchEvent(new CustomEvent('ripple-end'));
    };
    this.rippleFrame = requestAnimationFrame(frame);
  }

  /** Remove the ripple overlay. */
  clearRipple(): void {
    cancelAnimationFrame(this.rippleFrame);
    clear(this.rippleLayer);
  }

  /** The SVG element (for listeners such as 'ripple-end'). */
  get element(): SVGSVGElement {
    return this.svg;
  }

  private targetOf(e: Event): NetworkView['hover'] {
    const el = e.target as Element | null;
    const kind = el?.getAttribute?.('data-kind');
    if (kind === 'n') return { kind: 'n', layer: Number(el!.getAttribute('data-l')), j: Number(el!.getAttribute('data-j')) };
    if (kind === 'w') return { kind: 'w', layer: Number(el!.getAttribute('data-l')), j: Number(el!.getAttribute('data-j')), k: Number(el!.getAttribute('data-k')) };
    if (kind === 'c') return { kind: 'c' };
    return null;
  }

  private onPointer(e: PointerEvent): void {
    this.setHover(this.targetOf(e));
    this.moveTooltip(e);
  }

  private onClick(e: MouseEvent): void {
    const t = this.targetOf(e);
    if (t?.kind === 'w') this.onSelect({ layer: t.layer, to: t.j, from: t.k });
  }

  private onKey(e: KeyboardEvent): void {
    const model = this.model;
    if (!model || !this.selected) return;
    const sizes = model.sizes;
    let { layer, to, from } = this.selected;
    const L = sizes.length;
    switch (e.key) {
      case 'ArrowLeft': layer = Math.max(2, layer - 1); break;
      case 'ArrowRight': layer = Math.min(L, layer + 1); break;
      case 'ArrowUp': if (e.shiftKey) from -= 1; else to -= 1; break;
      case 'ArrowDown': if (e.shiftKey) from += 1; else to += 1; break;
      default: return;
    }
    e.preventDefault();
    to = Math.max(0, Math.min(sizes[layer - 1] - 1, to));
    from = Math.max(0, Math.min(sizes[layer - 2] - 1, from));
    // Remember it now: the next key may arrive before the page redraws with the new selection.
    this.selected = { layer, to, from };
    this.onSelect({ layer, to, from });
  }

  private setHover(t: NetworkView['hover']): void {
    this.hover = t;
    this.refreshTooltip();
  }

  private moveTooltip(e: PointerEvent): void {
    if (this.tooltip.hidden) return;
    const rect = this.root.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    const flip = x > rect.width - 240;
    this.tooltip.style.left = `${flip ? x - 230 : x + 14}px`;
    this.tooltip.style.top = `${Math.max(0, y + 14)}px`;
  }

  private refreshTooltip(): void {
    const t = this.hover;
    const model = this.model;
    const v = this.values;
    if (!t || !model) {
      this.tooltip.hidden = true;
      return;
    }
    clear(this.tooltip);
    const rows: [string, string, number?][] = [];
    let title = '';
    if (t.kind === 'c') {
      title = `cost C (${model.cost.name})`;
      if (v) rows.push(['C', num(v.cost, 6), v.cost]);
    } else if (t.kind === 'n') {
      const l = t.layer;
      title = l === 1 ? `input ${this.inputLabel(t.j)}, neuron ${t.j} of layer 1` : `neuron ${t.j} of layer ${l}`;
      if (v) {
        if (l >= 2) rows.push([`z${sup(l)}${sub(t.j)}`, num(v.z[l - 2][t.j], 5), v.z[l - 2][t.j]]);
        rows.push([`a${sup(l)}${sub(t.j)}`, num(v.a[l - 1][t.j], 5), v.a[l - 1][t.j]]);
        if (l >= 2) rows.push([`δ${sup(l)}${sub(t.j)} = ∂C/∂z`, num(v.delta[l - 2][t.j], 5), v.delta[l - 2][t.j]]);
      }
      if (l >= 2) rows.push([`b${sup(l)}${sub(t.j)}`, num(model.layers[l - 2].b.dataSync()[t.j], 5), model.layers[l - 2].b.dataSync()[t.j]]);
    } else {
      const { layer: l, j, k } = t;
      const nIn = model.sizes[l - 2];
      title = `weight ${weightName(l, j, k)}: neuron ${k} of layer ${l - 1} → neuron ${j} of layer ${l}`;
      const w = model.layers[l - 2].W.dataSync()[j * nIn + k];
      rows.push(['w', num(w, 5), w]);
      if (v) rows.push(['∂C/∂w', num(v.dW[l - 2][j][k], 5), v.dW[l - 2][j][k]]);
      rows.push(['', 'click to nudge it']);
    }
    this.tooltip.append(h('div', { class: 'tooltip-title' }, title));
    const table = h('table');
    // data-value keeps the full number (for the browser tests); the text shows 5 digits.
    for (const [k, text, value] of rows) table.append(h('tr', {}, h('th', {}, k), h('td', { 'data-value': value === undefined ? null : String(value) }, text)));
    this.tooltip.append(table);
    this.tooltip.hidden = false;
  }
}
