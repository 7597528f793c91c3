/**
 * nn/init — weight and bias initialisers, all drawn from a seeded Rng.
 *
 *   large    W ~ N(0, 1),            b ~ N(0, 1)   Nielsen ch. 1 (network.py)
 *   default  W ~ N(0, 1/n_in),       b ~ N(0, 1)   Nielsen ch. 3 (network2.py)
 *   xavier   W ~ N(0, 2/(n_in+n_out)), b = 0       Glorot & Bengio, AISTATS 2010
 *   he       W ~ N(0, 2/n_in),       b = 0         He et al., ICCV 2015
 */
import type { Rng } from '../util/rng.js';
import { ArgumentError } from '../util/errors.js';
import { randomNormal, zeros } from '../tensor/ops.js';
import type { DType, Tensor } from '../tensor/tensor.js';

/** Names of the initialisers. */
export type InitName = 'large' | 'default' | 'xavier' | 'he';

/** Names accepted wherever an initialiser is asked for. */
export const initNames: InitName[] = ['large', 'default', 'xavier', 'he'];

/** Draw W [nOut, nIn] and b [nOut] for one dense layer. */
export function initLayer(init: InitName, nIn: number, nOut: number, rng: Rng, dtype: DType = 'float32'): { W: Tensor; b: Tensor } {
  switch (init) {
    case 'large':
      return { W: randomNormal([nOut, nIn], rng, 1, 0, dtype), b: randomNormal([nOut], rng, 1, 0, dtype) };
    case 'default':
      return { W: randomNormal([nOut, nIn], rng, 1 / Math.sqrt(nIn), 0, dtype), b: randomNormal([nOut], rng, 1, 0, dtype) };
    case 'xavier':
      return { W: randomNormal([nOut, nIn], rng, Math.sqrt(2 / (nIn + nOut)), 0, dtype), b: zeros([nOut], dtype) };
    case 'he':
      return { W: randomNormal([nOut, nIn], rng, Math.sqrt(2 / nIn), 0, dtype), b: zeros([nOut], dtype) };
    default:
      throw new ArgumentError(`unknown init '${String(init)}', expected one of: ${initNames.join(', ')}`);
  }
}
