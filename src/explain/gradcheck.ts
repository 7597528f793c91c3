/**
 * explain/gradcheck — backprop's gradient of a whole model held against central finite differences
 * in float64, parameter by parameter (every one of a small model, a seeded sample of a large one),
 * with a table of the worst relative error per parameter tensor (W^l, b^l for each layer l).
 *
 *   numeric  = (C(θ + ε) − C(θ − ε)) / 2ε        analytic = the gradient under test (backprop)
 *   relative error = |analytic − numeric| / max(|analytic| + |numeric|, floor)
 *
 * The floor keeps gradients that are zero up to round-off from reading as huge relative errors: in
 * float64 the numeric derivative carries an error of about ε_machine·|C|·(terms summed)/ε +
 * ε²·|C'''|/6 — up to about 3e-10 with the default ε = 1e-5 on MNIST-sized networks — so gradients
 * smaller than the floor (1e-3) are judged on their absolute difference, which must stay below
 * tolerance·floor = 1e-8. A wrong derivative rule gives relative errors of order one, far above it.
 */
import * as ad from '../autodiff/index.js';
import type { Sequential } from '../nn/model.js';
import * as T from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { asFloat64, inputRows, targetRows } from './common.js';

/** Options of `gradcheckModel`. */
export interface ModelGradcheckOptions {
  /**
   * Elements checked per parameter tensor, drawn with `rng`. Default: every element when the model
   * has at most 2,000 parameters, else 20 per tensor.
   */
  samples?: number;
  /** Seed or generator for the sample (default 0). */
  rng?: Rng | number;
  /** Relative error above which an element fails (default 1e-5). */
  tolerance?: number;
  /** Finite-difference step (default 1e-5). */
  epsilon?: number;
  /** Denominator floor of the relative error (default 1e-3; see the file comment). */
  floor?: number;
  /** Use only the first `examples` rows of the data (default 10). */
  examples?: number;
  /**
   * The analytic gradient to check, in `model.parameters()` order (default: backprop, i.e.
   * reverse-mode autodiff of the model's cost). Receives the float64 model and data.
   */
  gradient?: (model: Sequential, x: Tensor, y: Tensor) => Tensor[];
}

/** One parameter tensor's line of the table. */
export interface GradcheckRow {
  /** `W3`, `b3`, … (Nielsen's layer number). */
  parameter: string;
  /** Nielsen's layer l. */
  layer: number;
  kind: 'weight' | 'bias';
  /** Elements in the tensor. */
  size: number;
  /** Elements compared. */
  checked: number;
  /** Largest relative error. */
  maxRelativeError: number;
  /** Where it was: w^l_jk (`to` j, `from` k) or b^l_j. */
  worst: { to: number; from?: number };
  /** The two gradients there. */
  analytic: number;
  numeric: number;
  /** Elements above the tolerance. */
  failures: number;
}

/** What `gradcheckModel` returns. */
export interface ModelGradcheckReport {
  tool: 'gradcheck';
  sizes: number[];
  examples: number;
  epsilon: number;
  tolerance: number;
  floor: number;
  /** Elements compared in all. */
  checked: number;
  /** Scalar parameters of the model. */
  parameters: number;
  rows: GradcheckRow[];
  /** True when no element exceeded the tolerance. */
  ok: boolean;
}

function positive(name: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ArgumentError(`gradcheck: ${name} must be a positive number, got ${String(v)}`);
  return v;
}

/**
 * Compare a model's gradient (backprop by default) with central differences, per parameter tensor.
 * @param data rows of inputs and targets (a Dataset works); the first `examples` are used.
 */
export function gradcheckModel(model: Sequential, data: { x: Tensor; y: Tensor }, options: ModelGradcheckOptions = {}): ModelGradcheckReport {
  const m = asFloat64(model);
  const epsilon = positive('epsilon', options.epsilon ?? 1e-5);
  const tolerance = positive('tolerance', options.tolerance ?? 1e-5);
  const floor = positive('floor', options.floor ?? 1e-3);
  const examples = options.examples ?? 10;
  if (!Number.isInteger(examples) || examples < 1) throw new ArgumentError(`gradcheck: examples must be an integer ≥ 1, got ${examples}`);
  const rows = Math.min(examples, data.x.shape[0]);
  if (rows < 1) throw new ArgumentError('gradcheck: the data has no examples');
  const X = inputRows('gradcheck', m, T.sliceRows(data.x, 0, rows));
  const Y = targetRows('gradcheck', m, T.sliceRows(data.y, 0, rows), rows);
  const samples = options.samples ?? (m.parameterCount() <= 2000 ? Infinity : 20);
  if (samples !== Infinity && (!Number.isInteger(samples) || samples < 1)) throw new ArgumentError(`gradcheck: samples must be an integer ≥ 1, got ${samples}`);
  const rng = options.rng instanceof Rng ? options.rng : new Rng(options.rng ?? 0);

  const params = m.paramTensors();
  const analyticAll = options.gradient
    ? options.gradient(m, X, Y)
    : ad.grad((...p) => m.lossWith(p, X, Y))(...params);
  if (analyticAll.length !== params.length) throw new ShapeError(`gradcheck: the gradient has ${analyticAll.length} tensors, the model ${params.length} parameters`);
  const costAt = (ps: Tensor[]): number => ad.valueOf(m.lossWith(ps, X, Y)).item();

  const table = m.parameters().map((param, t): GradcheckRow => {
    const analytic = analyticAll[t];
    if (analytic.shape.join() !== param.value.shape.join()) {
      throw new ShapeError(`gradcheck: the gradient of ${param.name} has shape [${analytic.shape.join(', ')}], the parameter [${param.value.shape.join(', ')}]`);
    }
    const g = T.cast(analytic, 'float64').dataSync();
    const perturbed = params.slice();
    perturbed[t] = T.clone(params[t]);
    const values = perturbed[t].dataSync();
    const size = values.length;
    const indices = samples >= size ? Array.from({ length: size }, (_, e) => e) : Array.from(rng.permutation(size).subarray(0, samples));
    const nIn = param.value.rank === 2 ? param.value.shape[1] : 1;
    const kind = param.decay ? 'weight' : 'bias';
    const rowOut: GradcheckRow = {
      parameter: param.name, layer: (t >> 1) + 2, kind, size, checked: indices.length,
      maxRelativeError: 0, worst: { to: 0 }, analytic: 0, numeric: 0, failures: 0,
    };
    for (const e of indices) {
      const numeric = ad.centralDifference(values, e, epsilon, () => costAt(perturbed));
      const err = Math.abs(g[e] - numeric) / Math.max(Math.abs(g[e]) + Math.abs(numeric), floor);
      if (!(err <= tolerance)) rowOut.failures++; // NaN counts as a failure
      if (err >= rowOut.maxRelativeError || Number.isNaN(err)) {
        rowOut.maxRelativeError = Number.isNaN(err) ? Infinity : err;
        // W is [nOut, nIn]: element e is w^l_jk with j = ⌊e / nIn⌋, k = e mod nIn
        rowOut.worst = kind === 'weight' ? { to: Math.floor(e / nIn), from: e % nIn } : { to: e };
        rowOut.analytic = g[e];
        rowOut.numeric = numeric;
      }
    }
    return rowOut;
  });
  return {
    tool: 'gradcheck',
    sizes: m.sizes,
    examples: rows,
    epsilon,
    tolerance,
    floor,
    checked: table.reduce((s, r) => s + r.checked, 0),
    parameters: m.parameterCount(),
    rows: table,
    ok: table.every((r) => r.failures === 0),
  };
}
