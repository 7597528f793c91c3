/**
 * explain/saliency — what the network looks at, and what its first hidden layer has learned:
 *   saliency  ∂C/∂x and ∂a^L_j/∂x for one input (which pixels, nudged, would change the cost or
 *             output j the most), by reverse mode with the input as the differentiated argument;
 *   units     each first-layer neuron's weights w^2_j· as an image (the seed's point 8: the
 *             parameters come to model a representation of the data).
 * Reports are plain numbers; images.ts turns them into pixels.
 */
import * as ad from '../autodiff/index.js';
import type { Sequential } from '../nn/model.js';
import * as T from '../tensor/ops.js';
import { ArgumentError } from '../util/errors.js';
import { asFloat64, oneExample, ParameterRangeError, row, type ExplainInput, type ExplainTarget } from './common.js';

/** [rows, columns] of an input image. */
export type ImageShape = [number, number];

/** Options of `saliency`. */
export interface SaliencyOptions {
  /** The output neuron j for ∂a^L_j/∂x (default: the predicted class). */
  output?: number;
  /** How to lay the input out as an image (default: a square when nIn is a perfect square). */
  imageShape?: ImageShape;
}

/** What `saliency` returns. */
export interface SaliencyReport {
  tool: 'saliency';
  /** [rows, columns] of the maps, or null when the input is not an image. */
  imageShape: ImageShape | null;
  /** C for this example. */
  cost: number;
  /** a^L  // [n_L] */
  outputs: number[];
  /** argmax a^L. */
  predicted: number;
  /** argmax y (the true class for a one-hot target). */
  label: number;
  /** j of ∂a^L_j/∂x. */
  output: number;
  /** ∂C/∂x  // [nIn] */
  dCdx: number[];
  /** ∂a^L_j/∂x  // [nIn] */
  dOutputdx: number[];
}

/** Options of `units`. */
export interface UnitsOptions {
  /** How to lay each neuron's weights out as an image (default: a square when nIn is one). */
  imageShape?: ImageShape;
}

/** What `units` returns. */
export interface UnitsReport {
  tool: 'units';
  /** Always 2: the first hidden layer, whose weights live in input space. */
  layer: 2;
  imageShape: ImageShape | null;
  /** One entry per neuron j of layer 2. */
  units: { neuron: number; weights: number[]; bias: number; norm: number }[];
}

/** The image shape to use for inputs of width n: the one asked for (checked), or a square, or null. */
export function imageShapeFor(tool: string, n: number, asked?: ImageShape): ImageShape | null {
  if (asked) {
    const [r, c] = asked;
    if (!Number.isInteger(r) || !Number.isInteger(c) || r < 1 || c < 1 || r * c !== n) {
      throw new ArgumentError(`${tool}: image shape [${r}, ${c}] does not hold the model's ${n} inputs (rows × columns must be ${n})`);
    }
    return [r, c];
  }
  const s = Math.round(Math.sqrt(n));
  return s * s === n ? [s, s] : null;
}

function argmax(v: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

/** ∂C/∂x and ∂a^L_j/∂x for one example. */
export function saliency(model: Sequential, x: ExplainInput, y: ExplainTarget, options: SaliencyOptions = {}): SaliencyReport {
  const m = asFloat64(model);
  const ex = oneExample('saliency', m, x, y);
  const imageShape = imageShapeFor('saliency', m.inputSize, options.imageShape);
  const params = m.paramTensors();
  const { value, grads } = ad.valueAndGrad((xv) => m.lossWith(params, xv, ex.y))(ex.x);
  const outs = ad.vjp((xv) => m.outputWith(xv, params), ex.x);
  const outputs = row(outs.out, 0);
  const predicted = argmax(outputs);
  const nOut = outputs.length;
  const j = options.output ?? predicted;
  if (!Number.isInteger(j) || j < 0 || j >= nOut) throw new ParameterRangeError('saliency', 'output', j, `the output layer has neurons 0…${nOut - 1}`);
  const cotangent = T.oneHot([j], nOut, 'float64'); // picks a^L_j  // [1, n_L]
  return {
    tool: 'saliency',
    imageShape,
    cost: value.item(),
    outputs,
    predicted,
    label: argmax(row(ex.y, 0)),
    output: j,
    dCdx: row(grads[0], 0),
    dOutputdx: row(outs.vjp(cotangent)[0], 0),
  };
}

/** Each first-layer neuron's incoming weights w^2_j· (j = 0 … n_2 − 1), to be shown as images. */
export function units(model: Sequential, options: UnitsOptions = {}): UnitsReport {
  const m = asFloat64(model);
  const { W, b } = m.layers[0]; // Nielsen's layer 2: W^2 [n_2, n_1]
  const [nOut, nIn] = W.shape;
  const w = W.dataSync();
  return {
    tool: 'units',
    layer: 2,
    imageShape: imageShapeFor('units', nIn, options.imageShape),
    units: Array.from({ length: nOut }, (_, j) => {
      const weights = Array.from(w.subarray(j * nIn, (j + 1) * nIn));
      return { neuron: j, weights, bias: b.dataSync()[j], norm: Math.sqrt(weights.reduce((s, v) => s + v * v, 0)) };
    }),
  };
}
