/**
 * explain/dynamics — Nielsen's per-layer "speed of learning" (chapter 5, the unstable-gradient
 * problem): for each layer l, the length of ∂C/∂b^l (and of ∂C/∂W^l), where C is the mean cost over
 * a set of training images — as Nielsen computed it, the gradient averaged over 1,000 of them.
 * In a deep sigmoid network the early layers learn far more slowly than the late ones.
 *
 * `fit` records the same numbers during training (`monitor: { dynamics: true }`, per epoch); this
 * tool measures them once, e.g. at initialisation.
 */
import * as ad from '../autodiff/index.js';
import type { Sequential } from '../nn/model.js';
import * as T from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError } from '../util/errors.js';
import { asFloat64, inputRows, targetRows } from './common.js';

/** Options of `dynamics`. */
export interface DynamicsOptions {
  /** Average over the first this many rows of the data (default 1,000, as Nielsen). */
  examples?: number;
}

/** One layer's learning speed. */
export interface LayerSpeedReport {
  /** Nielsen's layer l (2 … L). */
  layer: number;
  /** ‖∂C/∂b^l‖: Nielsen's speed of learning of layer l. */
  gradB: number;
  /** ‖∂C/∂W^l‖ (Frobenius norm). */
  gradW: number;
}

/** What `dynamics` returns. */
export interface DynamicsReport {
  tool: 'dynamics';
  sizes: number[];
  /** Examples the gradient was averaged over. */
  examples: number;
  /** The mean cost over them. */
  cost: number;
  /** Layers 2 … L. */
  layers: LayerSpeedReport[];
  /** ‖∂C/∂b‖ of the first hidden layer (l = 2) over that of the last hidden layer (l = L − 1); null with fewer than two hidden layers. */
  firstOverLastHidden: number | null;
}

/**
 * Per-layer learning speed ‖∂C/∂b^l‖ and ‖∂C/∂W^l‖ of `model` on the first `examples` rows of
 * `data` (a Dataset works), from one backward sweep of the mean cost in float64.
 */
export function dynamics(model: Sequential, data: { x: Tensor; y: Tensor }, options: DynamicsOptions = {}): DynamicsReport {
  const m = asFloat64(model);
  const examples = options.examples ?? 1000;
  if (!Number.isInteger(examples) || examples < 1) throw new ArgumentError(`dynamics: examples must be an integer ≥ 1, got ${examples}`);
  const n = Math.min(examples, data.x.shape[0]);
  if (n < 1) throw new ArgumentError('dynamics: the data has no examples');
  const X = inputRows('dynamics', m, T.sliceRows(data.x, 0, n));
  const Y = targetRows('dynamics', m, T.sliceRows(data.y, 0, n), n);
  // The mean cost's gradient is the mean of the per-example gradients (Nielsen's average).
  const { value, grads } = ad.valueAndGrad((...p) => m.lossWith(p, X, Y))(...m.paramTensors());
  const layers = m.layers.map((_, i) => ({ layer: i + 2, gradB: T.norm(grads[2 * i + 1]), gradW: T.norm(grads[2 * i]) }));
  const hidden = layers.length - 1; // layers[0 … hidden−1] are hidden (l = 2 … L−1)
  return {
    tool: 'dynamics',
    sizes: m.sizes,
    examples: n,
    cost: value.item(),
    layers,
    firstOverLastHidden: hidden >= 2 ? layers[0].gradB / layers[hidden - 1].gradB : null,
  };
}
