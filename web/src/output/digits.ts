/**
 * web/output/digits — MNIST's output view: the input digit (a test digit, or one drawn with the
 * mouse on the pad), the network's prediction as bars of a^L, and the saliency maps ∂C/∂x and
 * ∂a^L_j/∂x from the library's `saliency` (which pixels, nudged, would move the cost or the
 * predicted output the most). A drawing is centred the way MNIST digits are: fitted into 20×20
 * and shifted so its centre of mass sits at the middle of the 28×28 frame.
 */
import { saliency, type SaliencyReport } from 'glassbox';
import type { Snapshot } from '../context.js';
import { clear, h, num } from '../dom.js';
import { paintGray, paintSigned } from '../images.js';

/** The pad's drawing resolution (pixels per side) and brush width. */
const PAD = 280;
const BRUSH = 22;

/** The MNIST output view with a drawing pad. */
export class DigitsOutput {
  /** Called with a new drawing (28×28 in [0, 1]) or null when cleared. */
  onDraw: (pixels: Float32Array | null) => void = () => undefined;
  /** Called when the user sets the drawing's target class (null: use the prediction). */
  onLabel: (label: number | null) => void = () => undefined;
  private readonly input: HTMLCanvasElement;
  private readonly pad: HTMLCanvasElement;
  private readonly bars: HTMLElement;
  private readonly predicted: HTMLElement;
  private readonly salC: HTMLCanvasElement;
  private readonly salOut: HTMLCanvasElement;
  private readonly salCaption: HTMLElement;
  private readonly label: HTMLSelectElement;
  private drawing = false;
  private inked = false;
  private last: [number, number] | null = null;
  private key = '';
  /** The latest saliency report (for tests and the hook). */
  report: SaliencyReport | null = null;

  constructor(root: HTMLElement) {
    this.input = h('canvas', { class: 'pixelated', id: 'digit-input', 'aria-label': 'The input x the network sees (28×28)' });
    this.pad = h('canvas', { class: 'pad', id: 'pad', width: PAD, height: PAD, 'aria-label': 'Drawing pad: draw a digit with the mouse or a finger' });
    this.bars = h('div', { class: 'prediction', id: 'prediction-bars', 'aria-label': 'The output layer a^L' });
    this.predicted = h('p', { class: 'predicted', id: 'prediction', 'aria-live': 'polite' });
    this.salC = h('canvas', { class: 'pixelated', id: 'saliency-cost', 'aria-label': 'Saliency: ∂C/∂x' });
    this.salOut = h('canvas', { class: 'pixelated', id: 'saliency-output', 'aria-label': 'Saliency: ∂a/∂x of the predicted class' });
    this.salCaption = h('figcaption');
    this.label = h('select', { id: 'draw-label', 'aria-label': 'The class the drawing shows (the target y)' },
      h('option', { value: '' }, 'the prediction'), ...Array.from({ length: 10 }, (_, d) => h('option', { value: d }, String(d))));
    this.label.addEventListener('change', () => this.onLabel(this.label.value === '' ? null : Number(this.label.value)));
    const clearButton = h('button', { type: 'button', id: 'pad-clear' }, 'Clear');
    clearButton.addEventListener('click', () => this.clearPad());
    root.append(
      h('h2', {}, 'Output: read a digit'),
      h('div', { class: 'digit-grid' },
        h('figure', {}, this.input, h('figcaption', {}, 'input x (28×28)')),
        h('figure', {}, this.pad, h('figcaption', { class: 'row' }, 'draw here ', clearButton)),
      ),
      this.predicted,
      this.bars,
      h('label', { class: 'hint' }, 'the drawing shows: ', this.label),
      h('div', { class: 'digit-grid' },
        h('figure', {}, this.salC, h('figcaption', {}, '∂C/∂x: pixels that would raise (blue) or lower (orange) the cost')),
        h('figure', {}, this.salOut, this.salCaption),
      ),
    );
    this.pad.addEventListener('pointerdown', (e) => this.down(e));
    this.pad.addEventListener('pointermove', (e) => this.move(e));
    window.addEventListener('pointerup', () => this.up());
    this.clearPad(false);
  }

  private point(e: PointerEvent): [number, number] {
    const r = this.pad.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * PAD, ((e.clientY - r.top) / r.height) * PAD];
  }

  private down(e: PointerEvent): void {
    this.drawing = true;
    this.pad.setPointerCapture?.(e.pointerId);
    this.last = this.point(e);
    this.stroke(this.last, this.last);
  }

  private move(e: PointerEvent): void {
    if (!this.drawing) return;
    const p = this.point(e);
    this.stroke(this.last ?? p, p);
    this.last = p;
  }

  private up(): void {
    this.drawing = false;
    this.last = null;
  }

  private stroke(from: [number, number], to: [number, number]): void {
    const ctx = this.pad.getContext('2d');
    if (!ctx) return;
    ctx.strokeStyle = '#000';
    ctx.lineWidth = BRUSH;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(from[0], from[1]);
    ctx.lineTo(to[0] + 0.01, to[1]);
    ctx.stroke();
    this.inked = true;
    this.onDraw(this.digitize());
  }

  /** Clear the pad (and go back to the test digit). */
  clearPad(notify = true): void {
    const ctx = this.pad.getContext('2d');
    ctx?.clearRect(0, 0, PAD, PAD);
    this.inked = false;
    this.label.value = '';
    if (notify) this.onDraw(null);
  }

  /** The pad as MNIST would have it: ink fitted into 20×20, centre of mass at the middle of 28×28. */
  private digitize(): Float32Array | null {
    const ctx = this.pad.getContext('2d');
    if (!ctx || !this.inked) return null;
    const ink = ctx.getImageData(0, 0, PAD, PAD).data;
    let [x0, y0, x1, y1] = [PAD, PAD, -1, -1];
    for (let y = 0; y < PAD; y++) {
      for (let x = 0; x < PAD; x++) {
        if (ink[4 * (y * PAD + x) + 3] > 20) {
          x0 = Math.min(x0, x);
          x1 = Math.max(x1, x);
          y0 = Math.min(y0, y);
          y1 = Math.max(y1, y);
        }
      }
    }
    if (x1 < 0) return null;
    const w = x1 - x0 + 1;
    const hgt = y1 - y0 + 1;
    const scale = 20 / Math.max(w, hgt);
    const small = document.createElement('canvas');
    small.width = small.height = 28;
    const sctx = small.getContext('2d')!;
    sctx.imageSmoothingEnabled = true;
    sctx.imageSmoothingQuality = 'high';
    const dw = w * scale;
    const dh = hgt * scale;
    sctx.drawImage(this.pad, x0, y0, w, hgt, (28 - dw) / 2, (28 - dh) / 2, dw, dh);
    const fitted = sctx.getImageData(0, 0, 28, 28).data;
    // Centre of mass of the fitted ink, then shift it to (14, 14) (whole pixels, as MNIST did).
    let mass = 0;
    let mx = 0;
    let my = 0;
    for (let i = 0; i < 784; i++) {
      const v = fitted[4 * i + 3] / 255;
      mass += v;
      mx += v * ((i % 28) + 0.5);
      my += v * (Math.floor(i / 28) + 0.5);
    }
    const sx = Math.round(14 - mx / mass);
    const sy = Math.round(14 - my / mass);
    const out = new Float32Array(784);
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const fx = x - sx;
        const fy = y - sy;
        if (fx >= 0 && fx < 28 && fy >= 0 && fy < 28) out[y * 28 + x] = fitted[4 * (fy * 28 + fx) + 3] / 255;
      }
    }
    return out;
  }

  /** Redraw for a snapshot. */
  render(snap: Snapshot): void {
    const { example, model } = snap;
    const key = `${snap.version}|${example.source}|${example.index}|${example.label}|${example.source === 'drawing' ? Array.from(example.x.subarray(0, 784)).join() : ''}`;
    if (key === this.key) return;
    this.key = key;
    const [rows, cols] = snap.imageShape ?? [28, 28];
    paintGray(this.input, example.x, rows, cols);
    const out = snap.trace.layers[snap.trace.layers.length - 1].a; // a^L
    let best = 0;
    for (let j = 1; j < out.length; j++) if (out[j] > out[best]) best = j;
    const top = Math.max(1e-12, ...out.map(Math.abs));
    clear(this.bars);
    out.forEach((v, j) => {
      const bar = h('div', { class: 'bar' });
      bar.style.width = `${Math.max(0, (100 * v) / top).toFixed(1)}%`;
      this.bars.append(
        h('span', { class: j === best ? 'top' : '' }, String(j)),
        h('div', { class: j === best ? 'top' : '' }, bar),
        h('span', { class: `num ${j === best ? 'top' : ''}` }, num(v, 3)),
      );
    });
    const what = example.source === 'drawing' ? 'your drawing' : `test digit ${example.index} (a ${example.label})`;
    clear(this.predicted);
    this.predicted.append(`The network reads ${what} as `, h('b', { 'data-value': String(best) }, String(best)), ` (a${best} = ${num(out[best], 3)}).`);
    const r = (this.report = saliency(model, example.x, example.label, { imageShape: [rows, cols] }));
    paintSigned(this.salC, r.dCdx, rows, cols);
    paintSigned(this.salOut, r.dOutputdx, rows, cols);
    this.salCaption.textContent = `∂a${r.output}/∂x: pixels that would raise (blue) or lower (orange) the output for ${r.output}`;
  }
}
