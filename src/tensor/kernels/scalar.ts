/**
 * tensor/kernels/scalar — the scalar meaning of each unary, binary and activation op, shared by
 * every CPU backend so that "sigmoid" means one thing everywhere.
 */
import type { ActivationKind, BinaryOp, UnaryOp } from './types.js';

/** σ(z) = 1 / (1 + e^(−z)), written so neither branch overflows. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** log(1 + e^z) without overflow. */
export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** The function behind each UnaryOp. */
export function unaryFn(op: UnaryOp): (x: number) => number {
  switch (op) {
    case 'neg': return (x) => -x;
    case 'exp': return Math.exp;
    case 'log': return Math.log;
    case 'sigmoid': return sigmoid;
    case 'tanh': return Math.tanh;
    case 'relu': return (x) => (x > 0 ? x : 0);
    case 'square': return (x) => x * x;
    case 'sqrt': return Math.sqrt;
    case 'abs': return Math.abs;
    case 'sign': return (x) => (x > 0 ? 1 : x < 0 ? -1 : 0);
    case 'step': return (x) => (x > 0 ? 1 : 0);
    case 'reciprocal': return (x) => 1 / x;
    case 'softplus': return softplus;
    case 'sigmoidPrime': return (x) => { const s = sigmoid(x); return s * (1 - s); };
    case 'tanhPrime': return (x) => { const t = Math.tanh(x); return 1 - t * t; };
  }
}

/** The function behind each BinaryOp. */
export function binaryFn(op: BinaryOp): (a: number, b: number) => number {
  switch (op) {
    case 'add': return (a, b) => a + b;
    case 'sub': return (a, b) => a - b;
    case 'mul': return (a, b) => a * b;
    case 'div': return (a, b) => a / b;
    case 'max': return (a, b) => (a >= b ? a : b);
    case 'min': return (a, b) => (a <= b ? a : b);
  }
}

/** act(z) for a fused dense layer. */
export function activate(act: ActivationKind, z: number): number {
  switch (act) {
    case 'linear': return z;
    case 'sigmoid': return sigmoid(z);
    case 'tanh': return Math.tanh(z);
    case 'relu': return z > 0 ? z : 0;
  }
}

/** act'(z), computed from the already-known a = act(z) where that is cheaper. */
export function activatePrime(act: ActivationKind, z: number, a: number): number {
  switch (act) {
    case 'linear': return 1;
    case 'sigmoid': return a * (1 - a);
    case 'tanh': return 1 - a * a;
    case 'relu': return z > 0 ? 1 : 0;
  }
}
