/**
 * web/output/toy — the toy sets' output view, as TensorFlow Playground draws it: the network's
 * decision over the input plane as a heat map (blue where it says "blue", orange where it says
 * "orange"), the training points (white rims) and test points (dark rims), and the example being
 * explained. Clicking picks the nearest test point as the example.
 */
import type { Dataset, Sequential } from 'glassbox';
import { BLUE, ORANGE } from '../colors.js';
import type { Snapshot } from '../context.js';
import { h, num } from '../dom.js';
import { paintSigned } from '../images.js';
import { EXTENT, planeGrid, toCanvas } from '../plane.js';

/** Heat map resolution (points per side). */
const RES = 72;

/** The decision heat map of a toy set. */
export class ToyOutput {
  /** Called with the index of the test point clicked. */
  onPick: (index: number) => void = () => undefined;
  private readonly canvas: HTMLCanvasElement;
  private readonly map = document.createElement('canvas');
  private readonly grid = planeGrid(RES);
  private readonly caption: HTMLElement;
  private key = '';
  private train: Dataset | null = null;
  private test: Dataset | null = null;

  constructor(root: HTMLElement) {
    this.canvas = h('canvas', { id: 'heatmap', width: 640, height: 640, role: 'img', 'aria-label': 'Decision heat map over the input plane, with the data points' });
    this.caption = h('p', { class: 'hint' });
    root.append(
      h('h2', {}, 'Output: the decision over the plane'),
      h('div', { class: 'heatmap-wrap' }, this.canvas),
      this.caption,
    );
    this.canvas.addEventListener('click', (e) => this.pick(e));
  }

  /** The points to draw. */
  setData(train: Dataset, test: Dataset): void {
    this.train = train;
    this.test = test;
    this.key = '';
  }

  private pick(e: MouseEvent): void {
    const test = this.test;
    if (!test) return;
    const rect = this.canvas.getBoundingClientRect();
    const x1 = ((e.clientX - rect.left) / rect.width) * 2 * EXTENT - EXTENT;
    const x2 = EXTENT - ((e.clientY - rect.top) / rect.height) * 2 * EXTENT;
    const x = test.x.dataSync();
    let best = 0;
    let bestD = Infinity;
    for (let i = 0; i < test.labels.length; i++) {
      const d = (x[2 * i] - x1) ** 2 + (x[2 * i + 1] - x2) ** 2;
      if (d < bestD) [best, bestD] = [i, d];
    }
    this.onPick(best);
  }

  /** Redraw for a snapshot (the heat map only when the model changed). */
  render(snap: Snapshot): void {
    const key = `${snap.version}|${snap.example.index}|${snap.example.source}`;
    if (key === this.key) return;
    this.key = key;
    const size = this.canvas.width;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    this.paintMap(snap.model);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(this.map, 0, 0, size, size);
    const dot = (ds: Dataset, rim: string, radius: number): void => {
      const x = ds.x.dataSync();
      for (let i = 0; i < ds.labels.length; i++) {
        const [cx, cy] = toCanvas(x[2 * i], x[2 * i + 1], size);
        ctx.beginPath();
        ctx.arc(cx, cy, radius, 0, 2 * Math.PI);
        ctx.fillStyle = `rgb(${(ds.labels[i] === 1 ? BLUE : ORANGE).join(',')})`;
        ctx.fill();
        ctx.lineWidth = 1.6;
        ctx.strokeStyle = rim;
        ctx.stroke();
      }
    };
    if (this.train) dot(this.train, '#ffffff', 6);
    if (this.test) dot(this.test, '#222222', 6);
    if (this.test && snap.example.source === 'test') {
      const x = this.test.x.dataSync();
      const i = snap.example.index;
      const [cx, cy] = toCanvas(x[2 * i], x[2 * i + 1], size);
      ctx.beginPath();
      ctx.arc(cx, cy, 15, 0, 2 * Math.PI);
      ctx.lineWidth = 4;
      ctx.strokeStyle = '#d6336c';
      ctx.stroke();
    }
    const t = snap.trace;
    const out = t.layers[t.layers.length - 1].a;
    this.caption.textContent =
      `Heat map: a₁ − a₀ of the output layer (blue: the network says “blue”). White rims: training points; dark rims: test points. ` +
      `Ringed: test example ${snap.example.index} (class ${snap.example.label === 1 ? 'blue' : 'orange'}, output [${out.map((v) => num(v, 3)).join(', ')}]). Click a point to explain it.`;
  }

  private paintMap(model: Sequential): void {
    const out = model.predict(this.grid).dataSync(); // a^L [RES², 2]
    const score = new Float32Array(RES * RES);
    for (let i = 0; i < RES * RES; i++) score[i] = out[2 * i + 1] - out[2 * i];
    paintSigned(this.map, score, RES, RES, 1.5); // full certainty at 2/3 colour, so the points stay readable
  }
}
