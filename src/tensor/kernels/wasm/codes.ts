/**
 * tensor/kernels/wasm/codes — the integer codes the wasm exports take for ops and activations.
 * Must match the `switch` cases in wasm/assembly/elementwise.ts and dense.ts.
 */
import type { ActivationKind, BinaryOp, UnaryOp } from '../types.js';

/** UnaryOp → code. */
export const UNARY_CODE: Readonly<Record<UnaryOp, number>> = {
  neg: 0,
  exp: 1,
  log: 2,
  sigmoid: 3,
  tanh: 4,
  relu: 5,
  square: 6,
  sqrt: 7,
  abs: 8,
  sign: 9,
  step: 10,
  reciprocal: 11,
  softplus: 12,
  sigmoidPrime: 13,
  tanhPrime: 14,
};

/** BinaryOp → code. */
export const BINARY_CODE: Readonly<Record<BinaryOp, number>> = { add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5 };

/** ActivationKind → code. */
export const ACTIVATION_CODE: Readonly<Record<ActivationKind, number>> = { linear: 0, sigmoid: 1, tanh: 2, relu: 3 };
