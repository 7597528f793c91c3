/**
 * rules/common — pieces the alternative rules share: a forward pass that keeps every layer's input,
 * z and a; the output error δ^L from the model's own cost; per-example costs; random directions in
 * parameter space; and a few shape-checked helpers.
 *
 * Indices: `layers[i]` is Nielsen's layer l = i + 2, so `LayerValues[i]` holds a^(l−1) (the layer's
 * input), z^l and a^l for l = i + 2.
 */
import * as ad from '../autodiff/index.js';
import type { Sequential } from '../nn/model.js';
import * as T from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError } from '../util/errors.js';
import type { Rng } from '../util/rng.js';

/** One weight layer's values in a forward pass (Nielsen's l = i + 2 for `layers[i]`). */
export interface LayerValues {
  /** The layer's input a^(l−1) [batch, nIn] (the data x for the first layer). */
  input: Tensor;
  /** Weighted input z^l = a^(l−1)·(W^l)ᵀ + b^l [batch, nOut]. */
  z: Tensor;
  /** Activation a^l = σ(z^l) [batch, nOut]. */
  a: Tensor;
}

/**
 * The clean forward pass, keeping what the hand-written backward passes need. Hidden layers use the
 * fused dense kernel; the output layer's activation (possibly softmax) is applied to z^L.
 */
export function forwardLayers(model: Sequential, x: Tensor): LayerValues[] {
  const last = model.layers.length - 1;
  const values: LayerValues[] = [];
  let input = x;
  model.layers.forEach((layer, i) => {
    if (i < last) {
      const { z, a } = T.denseForward(input, layer.W, layer.b, layer.activation.kernel!); // [batch, nOut]
      values.push({ input, z, a });
      input = a;
    } else {
      const { z } = T.denseForward(input, layer.W, layer.b, 'linear'); // z^L [batch, nOut]
      values.push({ input, z, a: ad.valueOf(layer.activation.apply(z)) });
    }
  });
  return values;
}

/**
 * The batch-mean cost and the output error δ^L = ∂C/∂z^L [batch, nOut] (Nielsen's BP1, including
 * the 1/batch of the mean), by reverse mode through the model's cost alone — no layer is involved.
 */
export function outputError(model: Sequential, zL: Tensor, y: Tensor): { cost: number; delta: Tensor } {
  const output = model.layers[model.layers.length - 1].activation;
  const { out, vjp } = ad.vjp((z) => model.cost.fromWeightedInput(z, y, output), zL);
  const [delta] = vjp(T.ones(out.shape, out.dtype));
  return { cost: out.item(), delta };
}

/** Each example's own cost C_x from the output layer's z^L [batch, nOut] (the batch cost is their mean). */
export function perExampleCosts(model: Sequential, zL: Tensor, y: Tensor): Float64Array {
  const output = model.layers[model.layers.length - 1].activation;
  const batch = zL.shape[0];
  const costs = new Float64Array(batch);
  for (let r = 0; r < batch; r++) {
    costs[r] = ad.valueOf(model.cost.fromWeightedInput(T.sliceRows(zL, r, r + 1), T.sliceRows(y, r, r + 1), output)).item();
  }
  return costs;
}

/**
 * One standard-normal number per parameter, drawn in `parameters()` order, element by element. The
 * forward gradient and weight perturbation both draw their directions with this function, so with
 * the same generator state they use the very same directions (common random numbers).
 */
export function normalDirection(params: readonly Tensor[], rng: Rng): Tensor[] {
  return params.map((p) => T.randomNormal(p.shape, rng, 1, 0, p.dtype));
}

/** Row r of `t` [batch, n] multiplied by coefs[r]: [batch, n]. */
export function scaleRows(t: Tensor, coefs: ArrayLike<number>): Tensor {
  return T.mul(t, T.tensor(Array.from(coefs), [coefs.length, 1], t.dtype));
}

/** ∂C/∂W^l = δᵀ·a^(l−1) [nOut, nIn] and ∂C/∂b^l = Σ_rows δ [nOut] from a layer's δ [batch, nOut] (BP3, BP4). */
export function weightGradients(delta: Tensor, input: Tensor): { dW: Tensor; db: Tensor } {
  return { dW: T.matmul(delta, input, true, false), db: T.sum(delta, 0) };
}

/** Class of each row of one-hot targets y [batch, classes]. */
export function labelsOf(y: Tensor): Int32Array {
  return T.argmax(y);
}

/** Throw a clear ArgumentError unless `value` is a number in the given open/closed range. */
export function checkOption(rule: string, name: string, value: number, valid: (v: number) => boolean, range: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || !valid(value)) {
    throw new ArgumentError(`${rule}: ${name} must be ${range}, got ${String(value)}`);
  }
}
