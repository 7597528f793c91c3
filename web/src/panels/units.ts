/**
 * web/panels/units — what the hidden units have learned. MNIST: each first-layer neuron's
 * incoming weights w²ⱼ as a 28×28 image (the library's `units` report). Toy sets: every neuron's
 * activation over the input plane, as TensorFlow Playground draws them (the model's own forward
 * pass over a grid of points).
 */
import { units } from 'glassbox';
import type { Snapshot } from '../context.js';
import { clear, h, num, sub, sup } from '../dom.js';
import { paintSigned } from '../images.js';
import { planeGrid } from '../plane.js';

/** Grid resolution of the per-neuron maps of the toy sets. */
const RES = 40;
/** Most units drawn. */
const MAX_UNITS = 128;

/** The "Hidden units" panel. */
export class UnitsPanel {
  private key = '';

  constructor(private readonly root: HTMLElement) {}

  /** Redraw when the model changed. */
  render(snap: Snapshot): void {
    const key = `${snap.version}`;
    if (key === this.key) return;
    this.key = key;
    clear(this.root);
    if (snap.imageShape) this.drawImages(snap, snap.imageShape);
    else this.drawPlane(snap);
  }

  private drawImages(snap: Snapshot, shape: [number, number]): void {
    const report = units(snap.model, { imageShape: shape });
    const grid = h('div', { class: 'units-grid', id: 'units-grid' });
    for (const u of report.units.slice(0, MAX_UNITS)) {
      const canvas = h('canvas', { 'aria-label': `weights of hidden neuron ${u.neuron}` });
      paintSigned(canvas, u.weights, shape[0], shape[1]);
      grid.append(h('figure', { title: `neuron ${u.neuron}: ‖w‖ = ${num(u.norm, 3)}, b = ${num(u.bias, 3)}` }, canvas, h('figcaption', {}, `a${sup(2)}${sub(u.neuron)}`)));
    }
    this.root.append(
      h('p', { class: 'big-eq' }, `What layer 2 looks for: each hidden neuron j's weights w${sup(2)}${sub('j·')} laid out as a ${shape[0]}×${shape[1]} image. Blue pixels push z${sup(2)}${sub('j')} up, orange ones down.`),
      grid,
      h('p', { class: 'hint' }, report.units.length > MAX_UNITS ? `The first ${MAX_UNITS} of ${report.units.length} neurons.` : 'Each image uses its own colour scale (white = 0).'),
    );
  }

  private drawPlane(snap: Snapshot): void {
    const model = snap.model;
    const { activations } = model.forwardTrace(planeGrid(RES));
    this.root.append(h('p', { class: 'big-eq' }, 'What each neuron computes: its activation a over the input plane (x₁ across, x₂ up), blue for positive, orange for negative. Deeper layers combine the shapes of the layers before them.'));
    for (let li = 1; li < activations.length; li++) {
      const a = activations[li].dataSync(); // [RES², n]
      const n = activations[li].shape[1];
      const grid = h('div', { class: 'units-grid' });
      for (let j = 0; j < n && j < MAX_UNITS; j++) {
        const values = new Float32Array(RES * RES);
        for (let i = 0; i < RES * RES; i++) values[i] = a[i * n + j];
        const canvas = h('canvas', { 'aria-label': `activation of neuron ${j} of layer ${li + 1} over the plane` });
        const act = model.layers[li - 1].activation.name;
        // Sigmoid and softmax outputs live in [0, 1]: centre them on 0.5 so the sign reads.
        const centred = act === 'sigmoid' || act === 'softmax' ? values.map((v) => 2 * v - 1) : values;
        paintSigned(canvas, centred, RES, RES, act === 'relu' || act === 'linear' ? undefined : 1);
        grid.append(h('figure', {}, canvas, h('figcaption', {}, `a${sup(li + 1)}${sub(j)}`)));
      }
      this.root.append(h('h3', { class: 'eq' }, li === activations.length - 1 ? `Layer ${li + 1} (output)` : `Layer ${li + 1}`), grid);
    }
  }
}
