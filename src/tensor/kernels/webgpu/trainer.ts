/**
 * tensor/kernels/webgpu/trainer — mini-batch SGD (plain, momentum or Adam) of a dense network
 * entirely on the GPU.
 *
 * `createWebGpuTrainer(model, train, options)` uploads the parameters and the whole training set
 * once. An epoch then uploads only the permutation (n ints) and records, per mini-batch, 3L
 * dispatches for L weight layers — no per-step uploads, no per-step shader compilation:
 *   forward    l = 1 … L   a = act(x · Wᵀ + b)        (layer 1 reads its rows through the
 *                                                     permutation: the batch gather is on the GPU)
 *   output                 cost, δ^L, correct count   (one workgroup; metrics land in a GPU array)
 *   backward   l = L … 1   δ^(l−1) = (δ^l · W^l) ⊙ σ'  (before W^l changes; with `feedback` through a
 *                          fixed B^l, or from δ^L directly), then
 *                          W^l, b^l stepped in place from δ^lᵀ · a^(l−1) (db as a column of ones)
 * Each batch's { start, rows, batch, stepSize } sits in a uniform table written once (Adam's
 * stepSize: before each call); a dispatch picks its entry by dynamic offset, so one bind group per
 * dispatch site serves the whole run. Only the metrics (cost and correct count per batch) are read
 * back, once per call of runEpoch — with `monitorEvery`, also each monitored batch's per-workgroup
 * sums of squared gradient entries, which the update dispatches write as they step; with
 * `alignEvery` (feedback rules), the sums that give each update's angle to backprop's gradient,
 * from L − 1 + L more dispatches on the monitored batches only; parameters only when asked
 * (`readParameters`, `copyToModel`).
 *
 * The math is that of `fit` with `backprop` (or feedback alignment, or direct feedback alignment,
 * given their matrices) and `sgd` or `adam` (nn/costs, optim/optimizers): the
 * cost of a batch is the mean of C_x over its rows; g = ∂C/∂θ (+ (λ/n) w + (λ₁/n) sgn(w) for
 * weights); θ −= η g, or with momentum v = μ v − η g, θ += v, or Adam's step with the bias-corrected
 * step size of each batch in its step-table entry (rewritten per call). Only the order of float32
 * additions differs.
 *
 * Kernels may not import nn/, so the model and data are described structurally: a `Sequential`
 * and a `Dataset` fit `DenseNetworkLike` and `LabelledDataLike` as they are. Indices: code layer
 * i (0-based) is Nielsen's layer l = i + 2 (W^l is layers[l − 2].W, as everywhere in glassbox).
 */
import { ArgumentError, DivergenceError, ShapeError } from '../../../util/errors.js';
import type { ActivationKind, FloatArray } from '../types.js';
import { WebGpuContext, type GpuArray, type Pipeline, type Resource, type UniformRange } from './context.js';
import type { WebGpuDeviceOptions } from './device.js';
import { gemmGrid, gemmVectorLoads, pickTile, type TileChoice } from './kernels.js';
import { TILES, alignmentSumsShader, gemmShader, outputShader, type AdamConstants, type CostKind, type OutputActivation, type RowMap } from './shaders.js';
import type { GpuBindGroupLike } from './gpu-types.js';

/** A tensor as the trainer sees it (a glassbox `Tensor` fits). */
export interface TensorLike {
  readonly shape: readonly number[];
  dataSync(): FloatArray;
}

/** A dense layer (`Sequential.layers[i]` fits): W [nOut, nIn], b [nOut], activation by name. */
export interface DenseLayerLike {
  readonly W: TensorLike;
  readonly b: TensorLike;
  readonly activation: { readonly name: string };
}

/** A feed-forward dense network (`Sequential` fits). */
export interface DenseNetworkLike {
  readonly layers: readonly DenseLayerLike[];
  readonly cost: { readonly name: string };
}

/** Labelled examples (`Dataset` fits): x [n, nIn], one-hot (or any) targets y [n, classes], labels. */
export interface LabelledDataLike {
  readonly x: TensorLike;
  readonly y: TensorLike;
  /** Class of each row (for accuracy); when absent, the argmax of each row of y. */
  readonly labels?: Int32Array;
}

/** Options of `createWebGpuTrainer`. */
export interface WebGpuTrainerOptions {
  /** Mini-batch size m. */
  batchSize: number;
  /** Learning rate η. */
  eta: number;
  /** Momentum μ in [0, 1) (default 0: plain SGD). */
  momentum?: number;
  /** L2 strength λ (default 0); weights step by (λ/n) w as in Nielsen ch. 3. */
  lambda?: number;
  /** L1 strength λ₁ (default 0); weights step by (λ₁/n) sgn(w) as in Nielsen ch. 3. */
  l1?: number;
  /**
   * Adam instead of SGD (Kingma & Ba 2015, as optim's `adam`), with η as its step size; β1, β2, ε
   * default to 0.9, 0.999, 1e-8. Not with momentum.
   */
  adam?: { beta1?: number; beta2?: number; epsilon?: number };
  /** n in λ/n (default: the number of training examples). */
  trainingSize?: number;
  /** Run on this context (shared with other work; not destroyed by `destroy()`). */
  context?: WebGpuContext;
  /** Or make a context with these device options. */
  device?: WebGpuDeviceOptions;
  /** Submit the recorded commands every this many batches (default 256), so the GPU starts early. */
  batchesPerSubmit?: number;
  /**
   * The matrix multiplies' tiles (default 'auto': chooseTile per product). `{ huge4uw: 'huge' }`
   * runs the scalar 128 × 128 kernel where the vec4 one would run (bench/webgpu.ts compares them).
   */
  tiles?: TileChoice;
  /**
   * Measure ‖∂C/∂W^l‖ and ‖∂C/∂b^l‖ (each layer's gradient of the batch cost, before L2 and L1)
   * on the batches whose index in the epoch is a multiple of this (as fit's `monitor: { dynamics,
   * every }`): the update dispatches sum the squares as they step, and runEpoch returns them as
   * `gradientNorms`. Default: off.
   */
  monitorEvery?: number;
  /**
   * Send the error down through fixed matrices instead of the forward weights — the learning rules
   * of rules/feedback-alignment and rules/direct-feedback-alignment (their `init` draws them):
   *   'feedback-alignment'         δ^(l−1) = (δ^l · B^l) ⊙ σ'(z^(l−1)), B^l [nOut, nIn] like W^l:
   *                                matrices[i] for layers[i], i ≥ 1 (matrices[0] unused, null);
   *   'direct-feedback-alignment'  δ^l = (δ^L · B^l) ⊙ σ'(z^l) for every hidden layer, B^l
   *                                [classes, n_l]: matrices[i] for hidden layers[i] (the last null).
   * The output layer's δ^L and every update are backprop's. Default: backprop (δ through Wᵀ).
   */
  feedback?: { rule: FeedbackRule; matrices: readonly (TensorLike | null)[] };
  /**
   * With `feedback`: measure how each layer's update stands to backprop's ∂C/∂W^l on the batches
   * whose index in the epoch is a multiple of this (as fit's `monitor: { alignment, every }`). On
   * those batches backprop's δ is sent down through the forward weights too (before they change),
   * and a monitor kernel sums u·g, u², g² over both products; runEpoch returns the angles as
   * `alignment`. Default: off.
   */
  alignEvery?: number;
}

/** The rules with fixed feedback matrices that the trainer runs (besides backprop). */
export type FeedbackRule = 'feedback-alignment' | 'direct-feedback-alignment';

/** The gradient's length per layer on one monitored batch (`monitorEvery`). */
export interface GpuGradientNorms {
  /** The batch's index in its epoch (0-based). */
  batch: number;
  /** ‖∂C/∂W^l‖ (Frobenius) of each weight layer, l = 2 … L. */
  gradW: number[];
  /** ‖∂C/∂b^l‖ of each weight layer. */
  gradB: number[];
}

/** How the rule's update of each layer stood to backprop's gradient on one monitored batch (`alignEvery`). */
export interface GpuAlignment {
  /** The batch's index in its epoch (0-based). */
  batch: number;
  /** Angle in degrees between the update and ∂C/∂W^l, l = 2 … L (NaN where either is zero). */
  angle: number[];
  /** ‖update‖ / ‖∂C/∂W^l‖ (NaN where the gradient is zero). */
  normRatio: number[];
}

/** What one (part of an) epoch produced. */
export interface GpuEpochResult {
  /** First batch run (0-based) and number of batches. */
  firstBatch: number;
  batches: number;
  /** Mean cost of each batch, before its update (as `fit`'s batch events). */
  batchCosts: Float32Array;
  /** Mean of the batch costs (as `fit`'s trainCost). */
  cost: number;
  /** Examples whose output argmax was their label, before the update of their batch. */
  correct: number;
  total: number;
  accuracy: number;
  /** Wall-clock seconds, including waiting for the GPU and reading the metrics back. */
  seconds: number;
  /** With `monitorEvery`: the gradient's lengths on the monitored batches of this call, in order. */
  gradientNorms?: GpuGradientNorms[];
  /** With `alignEvery`: the update's angle to the gradient on the monitored batches of this call, in order. */
  alignment?: GpuAlignment[];
}

/** Accuracy and mean cost over a data set (as train/evaluate). */
export interface GpuEvaluation {
  accuracy: number;
  correct: number;
  total: number;
  cost: number;
}

/** Runs epochs of a dense network on the GPU. */
export interface WebGpuTrainer {
  readonly context: WebGpuContext;
  /** Batches in one epoch: ⌈n / batchSize⌉. */
  readonly batchesPerEpoch: number;
  /** Batches run so far. */
  readonly step: number;
  /** Dispatches recorded per mini-batch (3 per weight layer). */
  readonly dispatchesPerBatch: number;
  /**
   * Train on the batches of `order` (a permutation of 0 … n−1, e.g. `rng.permutation(n)`), from
   * `firstBatch` (default 0) for `batches` batches (default: to the end of the epoch).
   * @throws DivergenceError when a batch cost is not finite (naming the step)
   */
  runEpoch(order: Int32Array, options?: { firstBatch?: number; batches?: number }): Promise<GpuEpochResult>;
  /** Accuracy and mean cost with the current parameters, on `data` (default: the training set). */
  evaluate(data?: LabelledDataLike): Promise<GpuEvaluation>;
  /** Change η (e.g. for a schedule) from the next batch on. */
  setLearningRate(eta: number): void;
  /** The parameters, in `Sequential.parameters()` order: W2, b2, W3, b3, … */
  readParameters(): Promise<Float32Array[]>;
  /** The momentum buffers in the same order (empty without momentum). */
  readVelocities(): Promise<Float32Array[]>;
  /**
   * The optimiser's state as optim keeps it: the number of steps taken, and per parameter (W2, b2,
   * …) its buffers — none for SGD, [v] with momentum, [m, v] for Adam.
   */
  readOptimizerState(): Promise<{ step: number; buffers: Float32Array[][] }>;
  /** Replace it (the same layout; the step sets Adam's bias correction of the next batch). */
  writeOptimizerState(state: { step: number; buffers: readonly (readonly ArrayLike<number>[])[] }): void;
  /** Replace the parameters (same order and sizes as `readParameters`). */
  writeParameters(values: readonly ArrayLike<number>[]): void;
  /** Replace the momentum buffers (same order and sizes). */
  writeVelocities(values: readonly ArrayLike<number>[]): void;
  /** Read the parameters back into the model's own tensors (its W and b arrays, in place). */
  copyToModel(model?: DenseNetworkLike): Promise<void>;
  /** Free the GPU buffers (and the context, if the trainer made it). */
  destroy(): void;
}

const HIDDEN: readonly string[] = ['sigmoid', 'tanh', 'relu', 'linear'];
const COSTS: readonly string[] = ['quadratic', 'cross-entropy', 'log-likelihood'];

interface LayerShape {
  nIn: number;
  nOut: number;
  act: ActivationKind;
}

/** Check the model and options; return the layer shapes, output activation and cost. */
function checkModel(model: DenseNetworkLike): { layers: LayerShape[]; output: OutputActivation; cost: CostKind } {
  if (!model.layers || model.layers.length === 0) throw new ArgumentError('webgpu trainer: the model has no layers');
  const layers: LayerShape[] = [];
  let output = 'linear' as OutputActivation;
  model.layers.forEach((layer, i) => {
    const l = i + 2; // Nielsen's layer number
    const [nOut, nIn] = layer.W.shape;
    if (layer.W.shape.length !== 2) throw new ShapeError(`webgpu trainer: W${l} must be a matrix [nOut, nIn], got [${layer.W.shape.join(', ')}]`);
    if (layer.b.shape.length !== 1 || layer.b.shape[0] !== nOut) throw new ShapeError(`webgpu trainer: b${l} must be [${nOut}], got [${layer.b.shape.join(', ')}]`);
    if (i > 0 && nIn !== layers[i - 1].nOut) throw new ShapeError(`webgpu trainer: layer ${l} takes ${nIn} inputs but layer ${l - 1} has ${layers[i - 1].nOut} neurons`);
    const name = layer.activation.name;
    const last = i === model.layers.length - 1;
    if (last) {
      if (!HIDDEN.includes(name) && name !== 'softmax') throw new ArgumentError(`webgpu trainer: unsupported output activation '${name}' (layer ${l}); supported: ${[...HIDDEN, 'softmax'].join(', ')}`);
      output = name as OutputActivation;
    } else if (!HIDDEN.includes(name)) {
      throw new ArgumentError(`webgpu trainer: unsupported activation '${name}' on hidden layer ${l}; supported: ${HIDDEN.join(', ')}`);
    }
    layers.push({ nIn, nOut, act: (name === 'softmax' ? 'linear' : name) as ActivationKind });
  });
  const cost = model.cost.name;
  if (!COSTS.includes(cost)) throw new ArgumentError(`webgpu trainer: unsupported cost '${cost}'; supported: ${COSTS.join(', ')}`);
  if (cost === 'cross-entropy' && output !== 'sigmoid') throw new ArgumentError(`webgpu trainer: the cross-entropy cost needs a sigmoid output layer, got ${output}`);
  if (cost === 'log-likelihood' && output !== 'softmax') throw new ArgumentError(`webgpu trainer: the log-likelihood cost needs a softmax output layer, got ${output}`);
  return { layers, output, cost: cost as CostKind };
}

/** Check a data set against the model; return n and the labels (derived from y when absent). */
function checkData(data: LabelledDataLike, nIn: number, classes: number, what: string): { n: number; labels: Int32Array } {
  const [n, features] = data.x.shape;
  if (data.x.shape.length !== 2 || features !== nIn) {
    throw new ShapeError(`webgpu trainer: ${what} inputs must be [n, ${nIn}] (the model's input layer), got [${data.x.shape.join(', ')}]`);
  }
  if (data.y.shape.length !== 2 || data.y.shape[0] !== n || data.y.shape[1] !== classes) {
    throw new ShapeError(`webgpu trainer: ${what} targets must be [${n}, ${classes}] (the model's output layer), got [${data.y.shape.join(', ')}]`);
  }
  let labels = data.labels;
  if (labels) {
    if (labels.length !== n) throw new ShapeError(`webgpu trainer: ${what} has ${n} rows but ${labels.length} labels`);
    for (let i = 0; i < n; i++) {
      if (!(labels[i] >= 0 && labels[i] < classes)) throw new ArgumentError(`webgpu trainer: ${what} label ${labels[i]} of row ${i} is outside 0…${classes - 1}`);
    }
  } else {
    const y = data.y.dataSync();
    labels = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (y[r * classes + c] > y[r * classes + best]) best = c;
      labels[r] = best;
    }
  }
  return { n, labels };
}

function checkOptions(o: WebGpuTrainerOptions, n: number): { momentum: number; decay: number; l1Decay: number; adam: AdamConstants | null } {
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw new ArgumentError(`webgpu trainer: batchSize must be an integer ≥ 1, got ${o.batchSize}`);
  if (!(Number.isFinite(o.eta) && o.eta > 0)) throw new ArgumentError(`webgpu trainer: eta must be a positive number, got ${o.eta}`);
  const momentum = o.momentum ?? 0;
  if (!(momentum >= 0 && momentum < 1)) throw new ArgumentError(`webgpu trainer: momentum must be in [0, 1), got ${momentum}`);
  const lambda = o.lambda ?? 0;
  if (!(Number.isFinite(lambda) && lambda >= 0)) throw new ArgumentError(`webgpu trainer: lambda must be a number ≥ 0, got ${lambda}`);
  const l1 = o.l1 ?? 0;
  if (!(Number.isFinite(l1) && l1 >= 0)) throw new ArgumentError(`webgpu trainer: l1 must be a number ≥ 0, got ${l1}`);
  let adam: AdamConstants | null = null;
  if (o.adam !== undefined) {
    adam = { beta1: o.adam.beta1 ?? 0.9, beta2: o.adam.beta2 ?? 0.999, epsilon: o.adam.epsilon ?? 1e-8 };
    if (!(adam.beta1 >= 0 && adam.beta1 < 1)) throw new ArgumentError(`webgpu trainer: adam.beta1 must be in [0, 1), got ${adam.beta1}`);
    if (!(adam.beta2 >= 0 && adam.beta2 < 1)) throw new ArgumentError(`webgpu trainer: adam.beta2 must be in [0, 1), got ${adam.beta2}`);
    if (!(Number.isFinite(adam.epsilon) && adam.epsilon > 0)) throw new ArgumentError(`webgpu trainer: adam.epsilon must be a positive number, got ${adam.epsilon}`);
    if (momentum > 0) throw new ArgumentError(`webgpu trainer: momentum (${momentum}) and adam cannot be combined`);
  }
  const trainingSize = o.trainingSize ?? n;
  if (!(Number.isFinite(trainingSize) && trainingSize > 0)) throw new ArgumentError(`webgpu trainer: trainingSize must be a positive number, got ${trainingSize}`);
  const every = o.batchesPerSubmit ?? 256;
  if (!Number.isInteger(every) || every < 1) throw new ArgumentError(`webgpu trainer: batchesPerSubmit must be an integer ≥ 1, got ${every}`);
  if (o.monitorEvery !== undefined && !(Number.isInteger(o.monitorEvery) && o.monitorEvery >= 1)) {
    throw new ArgumentError(`webgpu trainer: monitorEvery must be an integer ≥ 1, got ${o.monitorEvery}`);
  }
  if (o.alignEvery !== undefined) {
    if (!(Number.isInteger(o.alignEvery) && o.alignEvery >= 1)) throw new ArgumentError(`webgpu trainer: alignEvery must be an integer ≥ 1, got ${o.alignEvery}`);
    if (o.feedback === undefined) {
      throw new ArgumentError("webgpu trainer: alignEvery compares a rule's updates with backprop's gradient; without feedback the trainer runs backprop itself (nothing to compare)");
    }
  }
  if (typeof o.tiles !== 'function') pickTile(o.tiles, 1, 1, 1); // throws on an unknown tile name
  if (o.tiles !== undefined && typeof o.tiles === 'object') {
    for (const [from, to] of Object.entries(o.tiles)) {
      if (!(from in TILES) || !(to in TILES)) throw new ArgumentError(`webgpu trainer: tiles maps '${from}' to '${to}'; both must be tiles: ${Object.keys(TILES).join(', ')}`);
    }
  }
  return { momentum, decay: lambda / trainingSize, l1Decay: l1 / trainingSize, adam };
}

/** Check `feedback` against the layers; return each layer's matrix values (null where unused). */
function checkFeedback(feedback: WebGpuTrainerOptions['feedback'], layers: LayerShape[]): (FloatArray | null)[] | null {
  if (feedback === undefined) return null;
  const L = layers.length;
  const classes = layers[L - 1].nOut;
  if (feedback.rule !== 'feedback-alignment' && feedback.rule !== 'direct-feedback-alignment') {
    throw new ArgumentError(`webgpu trainer: feedback.rule must be 'feedback-alignment' or 'direct-feedback-alignment', got '${String(feedback.rule)}'`);
  }
  if (!Array.isArray(feedback.matrices) || feedback.matrices.length !== L) {
    throw new ArgumentError(`webgpu trainer: feedback.matrices must have one entry per weight layer (${L}), got ${Array.isArray(feedback.matrices) ? feedback.matrices.length : typeof feedback.matrices}`);
  }
  const direct = feedback.rule === 'direct-feedback-alignment';
  return feedback.matrices.map((B, i) => {
    const l = i + 2;
    const used = direct ? i < L - 1 : i > 0;
    if (!used) return null;
    const want = direct ? [classes, layers[i].nOut] : [layers[i].nOut, layers[i].nIn];
    if (!B || B.shape.length !== 2 || B.shape[0] !== want[0] || B.shape[1] !== want[1]) {
      throw new ShapeError(`webgpu trainer: ${feedback.rule} needs B${l} of shape [${want.join(', ')}], got ${B ? `[${B.shape.join(', ')}]` : String(B)}`);
    }
    return B.dataSync();
  });
}

/** A dispatch recorded once per batch: its pipeline, bind group and grid. */
interface Site {
  pipeline: Pipeline;
  group: GpuBindGroupLike;
  grid: [number, number];
}

/** A data set on the GPU with what evaluating it needs. */
interface GpuData {
  n: number;
  x: GpuArray;
  y: GpuArray;
  labels: GpuArray;
  evalSites?: Site[];
  evalSteps?: UniformRange;
  evalMetrics?: GpuArray;
}

class Trainer implements WebGpuTrainer {
  readonly context: WebGpuContext;
  readonly batchesPerEpoch: number;
  readonly dispatchesPerBatch: number;
  step = 0;
  private readonly ownsContext: boolean;
  private readonly shapes: LayerShape[];
  private readonly output: OutputActivation;
  private readonly cost: CostKind;
  private readonly batch: number;
  private readonly momentum: number;
  private readonly decay: number;
  private readonly l1Decay: number;
  private readonly adam: AdamConstants | null;
  /** Optimiser steps taken (Adam's t), set by writeOptimizerState. */
  private optimizerStep = 0;
  private eta: number;
  private readonly every: number;
  private readonly tiles: TileChoice | undefined;
  private readonly stride: number;
  private readonly train: GpuData;
  private readonly order: GpuArray;
  private readonly W: GpuArray[] = [];
  private readonly b: GpuArray[] = [];
  private readonly vW: GpuArray[] = [];
  private readonly vb: GpuArray[] = [];
  /** Fixed feedback matrices by layer (feedback alignment, direct feedback alignment), else empty. */
  private readonly feedbackRule: FeedbackRule | null;
  private readonly feedbackB: (GpuArray | null)[] = [];
  /** Adam's m then v, of each W and b. */
  private readonly mvW: GpuArray[] = [];
  private readonly mvb: GpuArray[] = [];
  /** a^(i+2) [batch, nOut_i] of hidden layers; the output layer's z^L in zOut. */
  private readonly act: GpuArray[] = [];
  private readonly zOut: GpuArray;
  /** δ^(i+2) [batch, nOut_i]. */
  private readonly delta: GpuArray[] = [];
  private readonly metrics: GpuArray;
  /** With monitorEvery: per layer, each monitored batch's per-workgroup Σ g² of W and of b. */
  private readonly normParts: { parts: GpuArray; workgroups: number }[] = [];
  private readonly monitorEvery: number | undefined;
  /**
   * With alignEvery: backprop's δ of each hidden layer (the output layer's is the rule's δ^L), the
   * dispatches that compute them before the updates and the monitor's after, and per layer each
   * monitored batch's per-workgroup Σ u·g, Σ u², Σ g².
   */
  private readonly alignEvery: number | undefined;
  private readonly deltaBp: GpuArray[] = [];
  private readonly bpSites: Site[] = [];
  private readonly alignSites: Site[] = [];
  private readonly alignParts: { parts: GpuArray; workgroups: number }[] = [];
  /** A monitored batch's sites in order: forward, backprop's δ (old weights), the rule's δ and the updates, the monitor's sums. */
  private monitoredSites: Site[] = [];
  private readonly steps: UniformRange;
  private readonly updateParams: UniformRange[] = [];
  private readonly sites: Site[] = [];
  private readonly evalCache = new WeakMap<LabelledDataLike, GpuData>();
  private readonly trainSource: LabelledDataLike;
  private readonly model: DenseNetworkLike;
  /** Uniform buffers and evaluation arrays made by this trainer, freed by destroy(). */
  private readonly uniforms: UniformRange[] = [];
  private readonly extra: GpuArray[] = [];
  private destroyed = false;

  constructor(
    context: WebGpuContext, ownsContext: boolean, model: DenseNetworkLike, train: LabelledDataLike,
    checked: ReturnType<typeof checkModel>, data: { n: number; labels: Int32Array }, options: WebGpuTrainerOptions,
  ) {
    this.context = context;
    this.ownsContext = ownsContext;
    this.model = model;
    this.trainSource = train;
    this.shapes = checked.layers;
    this.output = checked.output;
    this.cost = checked.cost;
    this.batch = options.batchSize;
    const { momentum, decay, l1Decay, adam } = checkOptions(options, data.n);
    this.adam = adam;
    this.momentum = momentum;
    this.decay = decay;
    this.l1Decay = l1Decay;
    this.eta = options.eta;
    this.every = options.batchesPerSubmit ?? 256;
    this.tiles = options.tiles;
    this.monitorEvery = options.monitorEvery;
    this.alignEvery = options.alignEvery;
    const feedback = checkFeedback(options.feedback, this.shapes);
    this.feedbackRule = feedback ? options.feedback!.rule : null;
    this.stride = Math.max(256, context.device.limits.minUniformBufferOffsetAlignment);
    const ctx = context;
    const B = this.batch;
    const L = this.shapes.length;
    this.batchesPerEpoch = Math.ceil(data.n / B);
    this.dispatchesPerBatch = 3 * L;

    this.train = { n: data.n, x: ctx.upload(train.x.dataSync()), y: ctx.upload(train.y.dataSync()), labels: ctx.upload(data.labels) };
    this.order = ctx.array(data.n, 'i32');
    model.layers.forEach((layer, i) => {
      this.W.push(ctx.upload(layer.W.dataSync()));
      this.b.push(ctx.upload(layer.b.dataSync()));
      if (momentum > 0) {
        this.vW.push(ctx.zeros(this.shapes[i].nIn * this.shapes[i].nOut));
        this.vb.push(ctx.zeros(this.shapes[i].nOut));
      }
      if (adam) {
        this.mvW.push(ctx.zeros(2 * this.shapes[i].nIn * this.shapes[i].nOut));
        this.mvb.push(ctx.zeros(2 * this.shapes[i].nOut));
      }
      if (i < L - 1) this.act.push(ctx.array(B * this.shapes[i].nOut));
      this.delta.push(ctx.array(B * this.shapes[i].nOut));
      if (this.alignEvery && i < L - 1) this.deltaBp.push(ctx.array(B * this.shapes[i].nOut));
    });
    if (feedback) for (const values of feedback) this.feedbackB.push(values ? ctx.upload(values) : null);
    this.zOut = ctx.array(B * this.shapes[L - 1].nOut);
    this.metrics = ctx.array(2 * this.batchesPerEpoch, 'u32');
    this.steps = this.stepTable(data.n, 'glassbox train steps');
    this.buildSites();
  }

  /** The uniform table of { start, rows, batch } for the chunks of B rows of n examples. */
  private stepTable(n: number, label: string): UniformRange {
    return this.uniform(this.stepEntries(n, 0, Math.max(1, Math.ceil(n / this.batch))), label);
  }

  /**
   * Step-table entries { start, rows, batch, stepSize } of the chunks first … first + count − 1 of n
   * rows, one per `stride` bytes; stepSize(k) for the k-th of them (default 0: unused).
   */
  private stepEntries(n: number, first: number, count: number, stepSize?: (k: number) => number): Uint32Array {
    const words = new Uint32Array((count * this.stride) / 4);
    const floats = new Float32Array(words.buffer);
    for (let k = 0; k < count; k++) {
      const c = first + k;
      const o = (k * this.stride) / 4;
      words[o] = c * this.batch;
      words[o + 1] = Math.min(this.batch, n - c * this.batch);
      words[o + 2] = c;
      if (stepSize) floats[o + 3] = stepSize(k);
    }
    return words;
  }

  private uniform(data: ArrayBufferView, label: string): UniformRange {
    const u = this.context.uniformBuffer(data, label);
    this.uniforms.push(u);
    return u;
  }

  private gemmParams(M: number, N: number, K: number, ldB: number, label: string): UniformRange {
    const words = new Uint32Array(8);
    const floats = new Float32Array(words.buffer);
    words.set([M, N, K, ldB]);
    floats[4] = this.eta;
    floats[5] = this.momentum;
    floats[6] = this.decay;
    floats[7] = this.l1Decay;
    return this.uniform(words, label);
  }

  /** The forward sites (layers 1 … L, then the output kernel) over a data set's rows. */
  private forwardSites(data: GpuData, rowMap: RowMap, steps: UniformRange, metrics: GpuArray, training: boolean): Site[] {
    const ctx = this.context;
    const B = this.batch;
    const L = this.shapes.length;
    const sites: Site[] = [];
    this.shapes.forEach((s, i) => {
      const last = i === L - 1;
      // a [rows, nOut] = act(x [rows, nIn] · W [nOut, nIn]ᵀ + b): both stored rows are nIn long.
      const tile = pickTile(this.tiles, B, s.nOut, s.nIn);
      const pipeline = ctx.pipeline(gemmShader({
        transA: false, transB: true, tile, mFromStep: true, rowMapA: i === 0 ? rowMap : 'none', ...gemmVectorLoads(tile, s.nIn, s.nIn),
        epilogue: { kind: 'bias-act', act: last ? 'linear' : s.act, storeZ: false },
      }));
      const input = i === 0 ? data.x : this.act[i - 1];
      const resources: Resource[] = [this.gemmParams(0, s.nOut, s.nIn, s.nIn, `forward ${i + 2}`), steps, input, this.W[i]];
      if (i === 0 && rowMap === 'gather') resources.push(this.order);
      resources.push(this.b[i], last ? this.zOut : this.act[i]);
      sites.push({ pipeline, group: ctx.bindGroup(pipeline, resources), grid: gemmGrid(tile, B, s.nOut) });
    });
    const classes = this.shapes[L - 1].nOut;
    const out = ctx.pipeline(outputShader({ cost: this.cost, act: this.output, writeDelta: training, rowMap }));
    const resources: Resource[] = [this.uniform(new Uint32Array([classes, 0, 0, 0]), 'output'), steps, this.zOut, data.y, data.labels];
    if (rowMap === 'gather') resources.push(this.order);
    if (training) resources.push(this.delta[L - 1]);
    resources.push(metrics);
    sites.push({ pipeline: out, group: ctx.bindGroup(out, resources), grid: [1, 1] });
    return sites;
  }

  private buildSites(): void {
    const ctx = this.context;
    const B = this.batch;
    this.sites.push(...this.forwardSites(this.train, 'gather', this.steps, this.metrics, true));
    const forwardCount = this.sites.length;
    for (let i = this.shapes.length - 1; i >= 0; i--) {
      const s = this.shapes[i];
      if (i > 0) {
        // δ^(l−1) [rows, nIn] = (δ^l [rows, nOut] · W^l [nOut, nIn]) ⊙ σ'(a^(l−1)), with the old W^l;
        // feedback alignment: B^l in place of W^l; direct: (δ^L [rows, classes] · B^(l−1) [classes, nIn]) ⊙ σ'.
        const direct = this.feedbackRule === 'direct-feedback-alignment';
        const from = direct ? this.delta[this.shapes.length - 1] : this.delta[i];
        const K = direct ? this.shapes[this.shapes.length - 1].nOut : s.nOut;
        const through = direct ? this.feedbackB[i - 1]! : this.feedbackRule ? this.feedbackB[i]! : this.W[i];
        const tile = pickTile(this.tiles, B, s.nIn, K);
        const pipeline = ctx.pipeline(gemmShader({
          transA: false, transB: false, tile, mFromStep: true, ...gemmVectorLoads(tile, K, s.nIn), epilogue: { kind: 'act-prime', act: this.shapes[i - 1].act },
        }));
        const resources: Resource[] = [this.gemmParams(0, s.nIn, K, s.nIn, `delta ${i + 1}`), this.steps, from, through, this.act[i - 1], this.delta[i - 1]];
        this.sites.push({ pipeline, group: ctx.bindGroup(pipeline, resources), grid: gemmGrid(tile, B, s.nIn) });
      }
      // [W^l | b^l] [nOut, nIn + 1] stepped by δ^lᵀ [nOut, rows] · [a^(l−1) | 1] [rows, nIn + 1].
      // Stored rows: δ [rows, nOut] (A, transposed) and a^(l−1) [rows, nIn] (B, ldB = nIn).
      const tile = pickTile(this.tiles, s.nOut, s.nIn + 1, B);
      const momentum = this.momentum > 0;
      const pipeline = ctx.pipeline(gemmShader({
        transA: true, transB: false, tile, kFromStep: true, rowMapB: i === 0 ? 'gather' : 'none', ...gemmVectorLoads(tile, s.nOut, s.nIn),
        epilogue: {
          kind: 'update', momentum, decay: this.decay !== 0, l1: this.l1Decay !== 0, ...(this.adam ? { adam: this.adam } : {}),
          ...(this.monitorEvery ? { normsEvery: this.monitorEvery } : {}),
        },
      }));
      const grid = gemmGrid(tile, s.nOut, s.nIn + 1);
      const params = this.gemmParams(s.nOut, s.nIn + 1, 0, s.nIn, `update ${i + 2}`);
      this.updateParams.push(params);
      const resources: Resource[] = [params, this.steps, this.delta[i], i === 0 ? this.train.x : this.act[i - 1]];
      if (i === 0) resources.push(this.order);
      resources.push(this.W[i], this.b[i]);
      if (this.adam) resources.push(this.mvW[i], this.mvb[i]);
      else if (momentum) resources.push(this.vW[i], this.vb[i]);
      if (this.monitorEvery) {
        const workgroups = grid[0] * grid[1];
        const parts = ctx.array(2 * workgroups * Math.ceil(this.batchesPerEpoch / this.monitorEvery));
        this.normParts[i] = { parts, workgroups };
        resources.push(parts);
      }
      this.sites.push({ pipeline, group: ctx.bindGroup(pipeline, resources), grid });
    }
    if (this.alignEvery) {
      this.buildAlignmentSites();
      this.monitoredSites = [...this.sites.slice(0, forwardCount), ...this.bpSites, ...this.sites.slice(forwardCount), ...this.alignSites];
    }
  }

  private checkAlive(): void {
    if (this.destroyed) throw new ArgumentError('webgpu trainer: used after destroy()');
  }

  async runEpoch(order: Int32Array, options: { firstBatch?: number; batches?: number } = {}): Promise<GpuEpochResult> {
    this.checkAlive();
    const n = this.train.n;
    if (!(order instanceof Int32Array) || order.length !== n) {
      throw new ArgumentError(`webgpu trainer: runEpoch needs an Int32Array permutation of the ${n} examples, got ${order instanceof Int32Array ? `length ${order.length}` : typeof order}`);
    }
    for (let i = 0; i < n; i++) {
      if (!(order[i] >= 0 && order[i] < n)) throw new ArgumentError(`webgpu trainer: order[${i}] = ${order[i]} is outside 0…${n - 1}`);
    }
    const first = options.firstBatch ?? 0;
    if (!Number.isInteger(first) || first < 0 || first >= this.batchesPerEpoch) {
      throw new ArgumentError(`webgpu trainer: firstBatch must be an integer in 0…${this.batchesPerEpoch - 1}, got ${first}`);
    }
    const count = options.batches ?? this.batchesPerEpoch - first;
    if (!Number.isInteger(count) || count < 1 || first + count > this.batchesPerEpoch) {
      throw new ArgumentError(`webgpu trainer: batches must be an integer in 1…${this.batchesPerEpoch - first}, got ${count}`);
    }
    const t0 = performance.now();
    const ctx = this.context;
    ctx.write(this.order, order);
    if (this.adam) this.writeStepSizes(first, count);
    for (let k = 0; k < count; k++) {
      const offset = (first + k) * this.stride;
      const sites = this.alignEvery && (first + k) % this.alignEvery === 0 ? this.monitoredSites : this.sites;
      for (const site of sites) ctx.record(site.pipeline, site.group, site.grid, offset);
      if ((k + 1) % this.every === 0) ctx.flush();
    }
    const words = await ctx.read(this.metrics, 2 * count, 2 * first);
    const floats = new Float32Array(words.buffer, words.byteOffset, words.length);
    const batchCosts = new Float32Array(count);
    let correct = 0;
    let total = 0;
    let costSum = 0;
    for (let k = 0; k < count; k++) {
      const rows = Math.min(this.batch, n - (first + k) * this.batch);
      batchCosts[k] = floats[2 * k] / rows;
      correct += words[2 * k + 1];
      total += rows;
      costSum += batchCosts[k];
    }
    const gradientNorms = this.monitorEvery ? await this.readNorms(first, count) : undefined;
    const alignment = this.alignEvery ? await this.readAlignment(first, count) : undefined;
    const startStep = this.step;
    this.step += count;
    this.optimizerStep += count;
    const bad = batchCosts.findIndex((c) => !Number.isFinite(c));
    if (bad >= 0) {
      const last = bad > 0 ? batchCosts[bad - 1] : NaN;
      throw new DivergenceError(
        `training diverged at step ${startStep + bad} (batch ${first + bad + 1}): the cost became ${batchCosts[bad]}; last finite cost ${last}. Is the learning rate too high?`,
        startStep + bad, last,
      );
    }
    return {
      firstBatch: first, batches: count, batchCosts, cost: costSum / count, correct, total, accuracy: correct / total,
      seconds: (performance.now() - t0) / 1000,
      ...(gradientNorms ? { gradientNorms } : {}), ...(alignment ? { alignment } : {}),
    };
  }

  /**
   * The alignment monitor's dispatches: backprop's δ^(l−1) = (δbp^l · W^l) ⊙ σ'(a^(l−1)) from the
   * rule's δ^L down (recorded after the forward, before any W^l changes), and per layer the sums
   * of u·g, u², g² with u = δ^lᵀ · a^(l−1) the rule's and g = δbp^lᵀ · a^(l−1) (recorded last: the
   * updates change neither δ nor a).
   */
  private buildAlignmentSites(): void {
    const ctx = this.context;
    const B = this.batch;
    const L = this.shapes.length;
    const bp = (i: number): GpuArray => (i === L - 1 ? this.delta[L - 1] : this.deltaBp[i]);
    for (let i = L - 1; i > 0; i--) {
      const s = this.shapes[i];
      const tile = pickTile(this.tiles, B, s.nIn, s.nOut);
      const pipeline = ctx.pipeline(gemmShader({
        transA: false, transB: false, tile, mFromStep: true, ...gemmVectorLoads(tile, s.nOut, s.nIn), epilogue: { kind: 'act-prime', act: this.shapes[i - 1].act },
      }));
      const resources: Resource[] = [this.gemmParams(0, s.nIn, s.nOut, s.nIn, `backprop delta ${i + 1}`), this.steps, bp(i), this.W[i], this.act[i - 1], bp(i - 1)];
      this.bpSites.push({ pipeline, group: ctx.bindGroup(pipeline, resources), grid: gemmGrid(tile, B, s.nIn) });
    }
    const slots = Math.ceil(this.batchesPerEpoch / this.alignEvery!);
    this.shapes.forEach((s, i) => {
      const pipeline = ctx.pipeline(alignmentSumsShader(i === 0 ? 'gather' : 'none'));
      const grid: [number, number] = [Math.ceil(s.nIn / 16), Math.ceil(s.nOut / 16)];
      const workgroups = grid[0] * grid[1];
      const parts = ctx.array(3 * workgroups * slots);
      this.alignParts.push({ parts, workgroups });
      const params = this.uniform(new Uint32Array([s.nOut, s.nIn, this.alignEvery!, 0]), `alignment ${i + 2}`);
      const resources: Resource[] = [params, this.steps, this.delta[i], bp(i), i === 0 ? this.train.x : this.act[i - 1]];
      if (i === 0) resources.push(this.order);
      resources.push(parts);
      this.alignSites.push({ pipeline, group: ctx.bindGroup(pipeline, resources), grid });
    });
  }

  /**
   * A monitor's sums for the monitored batches (index in the epoch a multiple of `every`) among
   * first … first + count − 1: each layer's per-workgroup groups of `width` floats (`parts`, one run
   * of workgroups per monitored batch of the epoch) added up in float64. Returns the batches' indices
   * and, per batch, per layer, the `width` totals.
   */
  private async readMonitorSums(list: { parts: GpuArray; workgroups: number }[], width: number, every: number, first: number, count: number): Promise<{ batches: number[]; totals: Float64Array[][] }> {
    const slot0 = Math.ceil(first / every);
    const slots = Math.max(0, Math.floor((first + count - 1) / every) - slot0 + 1);
    const batches = Array.from({ length: slots }, (_, k) => (slot0 + k) * every);
    const totals: Float64Array[][] = batches.map(() => []);
    if (slots === 0) return { batches, totals };
    for (const { parts, workgroups } of list) {
      const sums = await this.context.readFloats(parts, width * workgroups * slots, width * workgroups * slot0);
      for (let k = 0; k < slots; k++) {
        const total = new Float64Array(width);
        for (let g = 0; g < workgroups; g++) {
          for (let c = 0; c < width; c++) total[c] += sums[width * (k * workgroups + g) + c];
        }
        totals[k].push(total);
      }
    }
    return { batches, totals };
  }

  /** The angles of the monitored batches among first … first + count − 1, from the workgroups' Σ u·g, Σ u², Σ g². */
  private async readAlignment(first: number, count: number): Promise<GpuAlignment[]> {
    const { batches, totals } = await this.readMonitorSums(this.alignParts, 3, this.alignEvery!, first, count);
    return batches.map((batch, k) => {
      // as rules/alignment's `alignment`
      const cos = totals[k].map(([ug, uu, gg]) => (uu > 0 && gg > 0 ? Math.max(-1, Math.min(1, ug / Math.sqrt(uu * gg))) : NaN));
      return {
        batch,
        angle: cos.map((c) => (Math.acos(c) * 180) / Math.PI),
        normRatio: totals[k].map(([, uu, gg]) => (gg > 0 ? Math.sqrt(uu / gg) : NaN)),
      };
    });
  }

  /** The gradient norms of the monitored batches among first … first + count − 1, from the workgroups' Σ g² of W and of b. */
  private async readNorms(first: number, count: number): Promise<GpuGradientNorms[]> {
    const { batches, totals } = await this.readMonitorSums(this.normParts, 2, this.monitorEvery!, first, count);
    return batches.map((batch, k) => ({ batch, gradW: totals[k].map(([w]) => Math.sqrt(w)), gradB: totals[k].map(([, b]) => Math.sqrt(b)) }));
  }

  private evalData(data: LabelledDataLike | undefined): GpuData {
    const source = data ?? this.trainSource;
    let d = this.evalCache.get(source);
    if (!d) {
      if (source === this.trainSource) {
        d = { ...this.train };
      } else {
        const { n, labels } = checkData(source, this.shapes[0].nIn, this.shapes[this.shapes.length - 1].nOut, 'evaluation data');
        const ctx = this.context;
        d = { n, x: ctx.upload(source.x.dataSync()), y: ctx.upload(source.y.dataSync()), labels: ctx.upload(labels) };
        this.extra.push(d.x, d.y, d.labels);
      }
      d.evalSteps = this.stepTable(d.n, 'glassbox eval steps');
      d.evalMetrics = this.context.array(2 * Math.max(1, Math.ceil(d.n / this.batch)), 'u32');
      this.extra.push(d.evalMetrics);
      d.evalSites = this.forwardSites(d, 'offset', d.evalSteps, d.evalMetrics, false);
      this.evalCache.set(source, d);
    }
    return d;
  }

  async evaluate(data?: LabelledDataLike): Promise<GpuEvaluation> {
    this.checkAlive();
    const d = this.evalData(data);
    if (d.n === 0) return { accuracy: 0, correct: 0, total: 0, cost: 0 };
    const chunks = Math.ceil(d.n / this.batch);
    const ctx = this.context;
    for (let c = 0; c < chunks; c++) {
      for (const site of d.evalSites!) ctx.record(site.pipeline, site.group, site.grid, c * this.stride);
      if ((c + 1) % this.every === 0) ctx.flush();
    }
    const words = await ctx.read(d.evalMetrics!, 2 * chunks);
    const floats = new Float32Array(words.buffer, words.byteOffset, words.length);
    let costSum = 0;
    let correct = 0;
    for (let c = 0; c < chunks; c++) {
      costSum += floats[2 * c];
      correct += words[2 * c + 1];
    }
    return { accuracy: correct / d.n, correct, total: d.n, cost: costSum / d.n };
  }

  setLearningRate(eta: number): void {
    this.checkAlive();
    if (!(Number.isFinite(eta) && eta > 0)) throw new ArgumentError(`webgpu trainer: eta must be a positive number, got ${eta}`);
    this.eta = eta;
    for (const p of this.updateParams) this.context.writeBytes(p.buffer, 16, new Float32Array([eta]));
  }

  private async readAll(arrays: GpuArray[][]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < arrays[0].length; i++) {
      for (const list of arrays) out.push(await this.context.readFloats(list[i]));
    }
    return out;
  }

  async readParameters(): Promise<Float32Array[]> {
    this.checkAlive();
    return this.readAll([this.W, this.b]);
  }

  /**
   * Adam's bias-corrected step size s_t = η √(1 − β2^t) / (1 − β1^t) (as optim's adam, in float64)
   * for the batches first … first + count − 1 of this call, into their step-table entries.
   */
  private writeStepSizes(first: number, count: number): void {
    const { beta1, beta2 } = this.adam!;
    const words = this.stepEntries(this.train.n, first, count, (k) => {
      const t = this.optimizerStep + k + 1;
      return (this.eta * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    });
    this.context.writeBytes(this.steps.buffer, this.steps.offset + first * this.stride, words);
  }

  async readOptimizerState(): Promise<{ step: number; buffers: Float32Array[][] }> {
    this.checkAlive();
    const buffers: Float32Array[][] = [];
    for (let i = 0; i < this.shapes.length; i++) {
      if (this.adam) {
        for (const mv of [this.mvW[i], this.mvb[i]]) {
          const both = await this.context.readFloats(mv);
          buffers.push([both.slice(0, both.length / 2), both.slice(both.length / 2)]);
        }
      } else if (this.momentum > 0) {
        buffers.push([await this.context.readFloats(this.vW[i])], [await this.context.readFloats(this.vb[i])]);
      } else {
        buffers.push([], []);
      }
    }
    return { step: this.optimizerStep, buffers };
  }

  writeOptimizerState(state: { step: number; buffers: readonly (readonly ArrayLike<number>[])[] }): void {
    this.checkAlive();
    if (!(Number.isInteger(state.step) && state.step >= 0)) throw new ArgumentError(`webgpu trainer: writeOptimizerState needs a step count ≥ 0, got ${state.step}`);
    const per = this.adam ? 2 : this.momentum > 0 ? 1 : 0;
    const sizes = this.shapes.flatMap((s) => [s.nIn * s.nOut, s.nOut]);
    if (state.buffers.length !== sizes.length) throw new ArgumentError(`webgpu trainer: writeOptimizerState needs buffers for ${sizes.length} parameters (W2, b2, …), got ${state.buffers.length}`);
    state.buffers.forEach((list, p) => {
      if (list.length !== per) throw new ArgumentError(`webgpu trainer: parameter ${p} needs ${per} optimiser buffers (${this.adam ? 'Adam: m, v' : per ? 'momentum: v' : 'SGD: none'}), got ${list.length}`);
      for (const b of list) if (b.length !== sizes[p]) throw new ShapeError(`webgpu trainer: an optimiser buffer of parameter ${p} must have ${sizes[p]} values, got ${b.length}`);
    });
    state.buffers.forEach((list, p) => {
      const i = p >> 1;
      if (this.adam) {
        const both = new Float32Array(2 * sizes[p]);
        both.set(Float32Array.from(list[0]));
        both.set(Float32Array.from(list[1]), sizes[p]);
        this.context.write(p % 2 === 0 ? this.mvW[i] : this.mvb[i], both);
      } else if (per === 1) {
        this.context.write(p % 2 === 0 ? this.vW[i] : this.vb[i], Float32Array.from(list[0]));
      }
    });
    this.optimizerStep = state.step;
  }

  async readVelocities(): Promise<Float32Array[]> {
    this.checkAlive();
    return this.momentum > 0 ? this.readAll([this.vW, this.vb]) : [];
  }

  private writeAll(targets: GpuArray[][], values: readonly ArrayLike<number>[], what: string): void {
    this.checkAlive();
    const flat: GpuArray[] = [];
    for (let i = 0; i < targets[0].length; i++) for (const list of targets) flat.push(list[i]);
    if (values.length !== flat.length) throw new ArgumentError(`webgpu trainer: ${what} needs ${flat.length} arrays (W2, b2, …), got ${values.length}`);
    values.forEach((v, i) => {
      if (v.length !== flat[i].length) throw new ShapeError(`webgpu trainer: ${what} array ${i} must have ${flat[i].length} values, got ${v.length}`);
      this.context.write(flat[i], Float32Array.from(v));
    });
  }

  writeParameters(values: readonly ArrayLike<number>[]): void {
    this.writeAll([this.W, this.b], values, 'writeParameters');
  }

  writeVelocities(values: readonly ArrayLike<number>[]): void {
    if (this.momentum === 0) throw new ArgumentError('webgpu trainer: writeVelocities needs momentum > 0');
    this.writeAll([this.vW, this.vb], values, 'writeVelocities');
  }

  async copyToModel(model: DenseNetworkLike = this.model): Promise<void> {
    checkModel(model);
    if (model.layers.length !== this.shapes.length) throw new ShapeError(`webgpu trainer: copyToModel needs ${this.shapes.length} layers, got ${model.layers.length}`);
    const values = await this.readParameters();
    model.layers.forEach((layer, i) => {
      const W = layer.W.dataSync();
      const b = layer.b.dataSync();
      if (W.length !== values[2 * i].length || b.length !== values[2 * i + 1].length) {
        throw new ShapeError(`webgpu trainer: copyToModel: layer ${i + 2} of the model has another shape than the trainer's`);
      }
      W.set(values[2 * i]);
      b.set(values[2 * i + 1]);
    });
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.ownsContext) {
      this.context.destroy();
      return;
    }
    const ctx = this.context;
    ctx.flush();
    for (const a of [this.train.x, this.train.y, this.train.labels, this.order, ...this.W, ...this.b, ...this.vW, ...this.vb, ...this.mvW, ...this.mvb,
      ...this.act, ...this.delta, ...this.deltaBp, this.zOut, this.metrics, ...this.normParts.map((p) => p.parts), ...this.alignParts.map((p) => p.parts),
      ...this.feedbackB.filter((b): b is GpuArray => b !== null), ...this.extra]) ctx.release(a);
    for (const u of this.uniforms) u.buffer.destroy();
  }
}

/**
 * A GPU trainer for a dense network (e.g. a `Sequential`) and its training set (e.g. a `Dataset`):
 * uploads both once. The model's own tensors are not changed until `copyToModel()`.
 *   const trainer = await createWebGpuTrainer(model, train, { batchSize: 10, eta: 3 });
 *   const r = await trainer.runEpoch(rng.permutation(train.labels.length));
 *   await trainer.copyToModel();
 * Options and shapes are checked before any device is requested.
 * @throws ArgumentError / ShapeError for bad options, models or data (naming the value);
 *   UnsupportedError when WebGPU is not available or the data does not fit the device's buffers
 */
export async function createWebGpuTrainer(model: DenseNetworkLike, train: LabelledDataLike, options: WebGpuTrainerOptions): Promise<WebGpuTrainer> {
  const checked = checkModel(model);
  const data = checkData(train, checked.layers[0].nIn, checked.layers[checked.layers.length - 1].nOut, 'training data');
  if (data.n === 0) throw new ArgumentError('webgpu trainer: the training set is empty');
  checkOptions(options, data.n);
  checkFeedback(options.feedback, checked.layers);
  const context = options.context ?? (await WebGpuContext.create(options.device));
  try {
    return new Trainer(context, !options.context, model, train, checked, data, options);
  } catch (e) {
    if (!options.context) context.destroy();
    throw e;
  }
}
