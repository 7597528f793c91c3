/**
 * autodiff/gradcheck — backprop's gradient against central finite differences.
 *
 * For each checked element θ of each argument: numeric = (f(θ + ε) − f(θ − ε)) / 2ε, analytic =
 * the reverse-mode gradient, and relative error |analytic − numeric| / max(|analytic| + |numeric|,
 * 1e-12 scale). Run on float64 arguments: float32 rounding swamps the comparison.
 */
import type { Rng } from '../util/rng.js';
import { ArgumentError } from '../util/errors.js';
import * as T from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import { valueAndGrad, type DiffFunction } from './grad.js';
import { valueOf } from './primitive.js';

/** Options of `gradcheck`. */
export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  epsilon?: number;
  /** Check at most this many elements per argument, sampled with `rng` (default: all). */
  samplesPerArgument?: number;
  /** Needed when sampling. */
  rng?: Rng;
  /** Relative error above which an element fails (default 1e-6). */
  tolerance?: number;
}

/** One argument's result. */
export interface GradcheckEntry {
  /** Index of the argument. */
  argument: number;
  /** Elements compared. */
  checked: number;
  /** Largest relative error, and where. */
  maxRelativeError: number;
  worstIndex: number;
  analytic: number;
  numeric: number;
  /** Elements whose relative error exceeded the tolerance. */
  failures: number;
}

/** The whole report. */
export interface GradcheckReport {
  epsilon: number;
  tolerance: number;
  entries: GradcheckEntry[];
  /** True when no element exceeded the tolerance. */
  ok: boolean;
}

/**
 * (f(θ + ε) − f(θ − ε)) / 2ε for one entry θ = values[i] of the arrays `f` reads, put back exactly
 * afterwards: the central difference every gradient check uses (error O(ε²)).
 */
export function centralDifference(values: { [i: number]: number }, i: number, epsilon: number, f: () => number): number {
  const original = values[i];
  values[i] = original + epsilon;
  const plus = f();
  values[i] = original - epsilon;
  const minus = f();
  values[i] = original;
  return (plus - minus) / (2 * epsilon);
}

/** Relative error with a floor so that two tiny numbers compare as equal. */
export function relativeError(a: number, b: number): number {
  const diff = Math.abs(a - b);
  return diff === 0 ? 0 : diff / Math.max(Math.abs(a) + Math.abs(b), 1e-8);
}

/** Compare reverse-mode gradients of scalar `f` at `args` with central finite differences. */
export function gradcheck(f: DiffFunction, args: Tensor[], options: GradcheckOptions = {}): GradcheckReport {
  const epsilon = options.epsilon ?? 1e-6;
  const tolerance = options.tolerance ?? 1e-6;
  if (options.samplesPerArgument !== undefined && !options.rng) throw new ArgumentError('gradcheck: sampling needs an rng');
  const { grads } = valueAndGrad(f)(...args);
  const evaluate = (xs: Tensor[]): number => valueOf(f(...xs)).item();
  const entries = args.map((arg, argument) => {
    const perturbed = args.map((a, i) => (i === argument ? T.clone(a) : a));
    const values = perturbed[argument].dataSync();
    const analyticAll = grads[argument].dataSync();
    let indices: number[] = Array.from({ length: arg.size }, (_, i) => i);
    if (options.samplesPerArgument !== undefined && options.samplesPerArgument < arg.size) {
      indices = Array.from(options.rng!.permutation(arg.size).subarray(0, options.samplesPerArgument));
    }
    const entry: GradcheckEntry = { argument, checked: indices.length, maxRelativeError: 0, worstIndex: -1, analytic: 0, numeric: 0, failures: 0 };
    for (const i of indices) {
      const numeric = centralDifference(values, i, epsilon, () => evaluate(perturbed));
      const analytic = analyticAll[i];
      const err = relativeError(analytic, numeric);
      if (err > tolerance) entry.failures++;
      if (err >= entry.maxRelativeError) Object.assign(entry, { maxRelativeError: err, worstIndex: i, analytic, numeric });
    }
    return entry;
  });
  return { epsilon, tolerance, entries, ok: entries.every((e) => e.failures === 0) };
}
