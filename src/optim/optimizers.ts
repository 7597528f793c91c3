/**
 * optim/optimizers — gradient-descent update rules with explicit, serialisable state.
 *
 * Gradients arrive as ∂C/∂θ of the batch-mean cost. Regularisation follows Nielsen ch. 3, scaled by
 * the training-set size n:   L2  C = C₀ + (λ/2n) Σ w²   →  g ← g + (λ/n) w
 *                            L1  C = C₀ + (λ₁/n) Σ |w|  →  g ← g + (λ₁/n) sgn(w)
 * applied to weights only (Parameter.decay). With plain SGD this is exactly Nielsen's
 * w ← (1 − ηλ/n) w − (η/m) Σ_x ∇C_x.
 *   sgd       θ ← θ − η g                      (momentum μ > 0: v ← μv − η g, θ ← θ + v)
 *   adam      Kingma & Ba, ICLR 2015, bias-corrected.
 */
import { ArgumentError } from '../util/errors.js';
import * as T from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';

/** What an optimiser needs to know about a parameter. */
export interface OptimParameter {
  readonly name: string;
  readonly value: Tensor;
  readonly decay: boolean;
}

/** An optimiser's state: a step counter and named buffers (momentum, moments). Serialisable. */
export interface OptimizerState {
  step: number;
  /** One list of buffers per parameter (empty for plain SGD). */
  buffers: Tensor[][];
}

/** A gradient-descent update rule. */
export interface Optimizer {
  readonly name: string;
  /** Hyper-parameters, for reports and files. */
  readonly config: Record<string, number | string>;
  /** Fresh state for these parameters. */
  init(params: readonly OptimParameter[]): OptimizerState;
  /** Update every parameter in place from its gradient. */
  step(params: readonly OptimParameter[], grads: readonly Tensor[], state: OptimizerState): void;
}

/** Options shared by the optimisers. */
export interface RegularisationOptions {
  /** L2 strength λ (Nielsen's lmbda). Default 0. */
  lambda?: number;
  /** L1 strength λ₁. Default 0. */
  l1?: number;
  /** Training-set size n for the λ/n scaling. Required when λ or λ₁ is set. */
  trainingSize?: number;
}

function checkPositive(what: string, v: number): void {
  if (!Number.isFinite(v) || v <= 0) throw new ArgumentError(`${what} must be a positive number, got ${v}`);
}
function checkNonNegative(what: string, v: number): void {
  if (!Number.isFinite(v) || v < 0) throw new ArgumentError(`${what} must be a number ≥ 0, got ${v}`);
}

/** g + (λ/n) w + (λ₁/n) sgn(w) for weights; g for biases. */
function regularised(p: OptimParameter, g: Tensor, reg: Required<RegularisationOptions>): Tensor {
  if (!p.decay || (reg.lambda === 0 && reg.l1 === 0)) return g;
  const out = T.clone(g);
  if (reg.lambda !== 0) T.axpyInPlace(out, reg.lambda / reg.trainingSize, p.value);
  if (reg.l1 !== 0) T.axpyInPlace(out, reg.l1 / reg.trainingSize, T.unary('sign', p.value));
  return out;
}

function regularisation(name: string, o: RegularisationOptions): Required<RegularisationOptions> {
  const lambda = o.lambda ?? 0;
  const l1 = o.l1 ?? 0;
  checkNonNegative(`${name}: lambda`, lambda);
  checkNonNegative(`${name}: l1`, l1);
  const trainingSize = o.trainingSize ?? 0;
  if ((lambda > 0 || l1 > 0) && !(trainingSize > 0)) {
    throw new ArgumentError(`${name}: regularisation needs trainingSize (n in λ/n), got ${o.trainingSize}`);
  }
  return { lambda, l1, trainingSize };
}

function checkGrads(params: readonly OptimParameter[], grads: readonly Tensor[]): void {
  if (grads.length !== params.length) throw new ArgumentError(`optimizer: ${params.length} parameters but ${grads.length} gradients`);
}

/** Options of `sgd`. */
export interface SgdOptions extends RegularisationOptions {
  /** Learning rate η. */
  eta: number;
  /** Momentum coefficient μ in [0, 1). Default 0 (plain SGD). */
  momentum?: number;
}

/** Mini-batch stochastic gradient descent, optionally with momentum and L1/L2. */
export function sgd(options: SgdOptions): Optimizer {
  checkPositive('sgd: eta', options.eta);
  const momentum = options.momentum ?? 0;
  if (!(momentum >= 0 && momentum < 1)) throw new ArgumentError(`sgd: momentum must be in [0, 1), got ${momentum}`);
  const reg = regularisation('sgd', options);
  const eta = options.eta;
  return {
    name: momentum > 0 ? 'momentum' : 'sgd',
    config: { eta, momentum, lambda: reg.lambda, l1: reg.l1, trainingSize: reg.trainingSize },
    init: (params) => ({ step: 0, buffers: params.map((p) => (momentum > 0 ? [T.zeros(p.value.shape, p.value.dtype)] : [])) }),
    step(params, grads, state) {
      checkGrads(params, grads);
      params.forEach((p, i) => {
        const g = regularised(p, grads[i], reg);
        if (momentum > 0) {
          const v = state.buffers[i][0];
          T.scaleInPlace(v, momentum); // v ← μv − ηg
          T.axpyInPlace(v, -eta, g);
          T.axpyInPlace(p.value, 1, v); // θ ← θ + v
        } else {
          T.axpyInPlace(p.value, -eta, g); // θ ← θ − ηg
        }
      });
      state.step++;
    },
  };
}

/** Options of `adam`. */
export interface AdamOptions extends RegularisationOptions {
  /** Step size (default 0.001). */
  eta?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Adam (Kingma & Ba 2015). */
export function adam(options: AdamOptions = {}): Optimizer {
  const eta = options.eta ?? 1e-3;
  const beta1 = options.beta1 ?? 0.9;
  const beta2 = options.beta2 ?? 0.999;
  const epsilon = options.epsilon ?? 1e-8;
  checkPositive('adam: eta', eta);
  if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentError(`adam: beta1 must be in [0, 1), got ${beta1}`);
  if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentError(`adam: beta2 must be in [0, 1), got ${beta2}`);
  checkPositive('adam: epsilon', epsilon);
  const reg = regularisation('adam', options);
  return {
    name: 'adam',
    config: { eta, beta1, beta2, epsilon, lambda: reg.lambda, l1: reg.l1, trainingSize: reg.trainingSize },
    init: (params) => ({ step: 0, buffers: params.map((p) => [T.zeros(p.value.shape, p.value.dtype), T.zeros(p.value.shape, p.value.dtype)]) }),
    step(params, grads, state) {
      checkGrads(params, grads);
      state.step++;
      const t = state.step;
      const stepSize = (eta * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
      // m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g², θ ← θ − stepSize·m/(√v + ε): one kernel pass.
      params.forEach((p, i) => {
        const [m, v] = state.buffers[i];
        T.adamStepInPlace(p.value, m, v, regularised(p, grads[i], reg), beta1, beta2, stepSize, epsilon);
      });
    },
  };
}
