/**
 * nn/model — dense layers and `sequential`, the feed-forward network of Nielsen's book.
 *
 * Notation (docs/notation.md): Nielsen numbers layers from 1 (the input) to L (the output), and
 * w^l_jk is the weight to neuron j in layer l from neuron k in layer l−1. In code the weight layers
 * are `layers[0 … L−2]`: layers[i] holds Nielsen's W^(i+2) as a [nOut, nIn] matrix, so
 * w^l_jk = layers[l − 2].W[j, k]. Activations of a batch are rows: a^l is [batch, n_l].
 * A model composes autodiff primitives; it defines no derivative of its own.
 */
import * as ad from '../autodiff/index.js';
import { ArgumentError, ShapeError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import * as T from '../tensor/ops.js';
import type { DType, Tensor } from '../tensor/tensor.js';
import { activation, type Activation, type ActivationName } from './activations.js';
import { cost as costByName, type Cost, type CostName } from './costs.js';
import { initLayer, type InitName } from './init.js';

/** A dense layer's description before it has weights. */
export interface DenseSpec {
  readonly units: number;
  readonly activation: Activation;
}

/** `dense(30, 'sigmoid')` — a fully connected layer of `units` neurons. */
export function dense(units: number, act: ActivationName | Activation = 'sigmoid'): DenseSpec {
  if (!Number.isInteger(units) || units < 1) throw new ArgumentError(`dense: units must be a positive integer, got ${units}`);
  return { units, activation: activation(act) };
}

/** A trainable parameter: its tensor and whether weight decay (L1/L2) applies to it. */
export interface Parameter {
  /** `W2`, `b2`, … numbered by Nielsen's layer l (2 … L). */
  readonly name: string;
  readonly value: Tensor;
  /** True for weights, false for biases (Nielsen regularises weights only). */
  readonly decay: boolean;
}

/** A dense layer with its parameters. */
export interface DenseLayer {
  /** W^l [nOut, nIn]: W[j, k] is the weight to neuron j from neuron k of the previous layer. */
  readonly W: Tensor;
  /** b^l [nOut]. */
  readonly b: Tensor;
  readonly activation: Activation;
}

/** The architecture of a model, enough to rebuild it around saved parameters. */
export interface ModelSpec {
  /** Neurons per layer, input first: Nielsen's `sizes`, e.g. [784, 30, 10]. */
  sizes: number[];
  /** One activation per weight layer. */
  activations: ActivationName[];
  cost: CostName;
}

/** Options of `sequential`. */
export interface SequentialOptions {
  /** Input width (e.g. 784). Either this with `layers`, or `sizes`. */
  inputSize?: number;
  layers?: DenseSpec[];
  /** Nielsen's sizes list, e.g. [784, 30, 10]; uses `activation` for every layer (and `output` for the last). */
  sizes?: number[];
  activation?: ActivationName | Activation;
  output?: ActivationName | Activation;
  cost?: CostName | Cost;
  init?: InitName;
  /** Seed or generator for the initial weights. */
  rng?: Rng | number;
  dtype?: DType;
}

/** Values of one forward pass, layer by layer (for the explain tools). */
export interface ForwardTrace {
  /** zs[i] = z^(i+2) [batch, n]. */
  zs: Tensor[];
  /** activations[0] = the input x; activations[i+1] = a^(i+2). */
  activations: Tensor[];
}

/** A feed-forward network of dense layers. */
export class Sequential {
  /** The layers, first weight layer (Nielsen's l = 2) first. */
  readonly layers: DenseLayer[];
  readonly cost: Cost;

  constructor(layers: DenseLayer[], cost: Cost) {
    if (layers.length === 0) throw new ArgumentError('sequential: a model needs at least one layer');
    layers.forEach((layer, i) => {
      if (i > 0 && layer.W.shape[1] !== layers[i - 1].W.shape[0]) {
        throw new ShapeError(`sequential: layer ${i + 2} takes ${layer.W.shape[1]} inputs but layer ${i + 1} has ${layers[i - 1].W.shape[0]} neurons`);
      }
      if (layer.activation.name === 'softmax' && i !== layers.length - 1) {
        throw new ArgumentError(`sequential: softmax is allowed only on the output layer, found on layer ${i + 2}`);
      }
    });
    this.layers = layers;
    this.cost = cost;
    this.checkPairing();
  }

  private checkPairing(): void {
    const out = this.layers[this.layers.length - 1].activation.name;
    if (this.cost.name === 'cross-entropy' && out !== 'sigmoid') {
      throw new ArgumentError(`sequential: the cross-entropy cost needs a sigmoid output layer, got ${out}`);
    }
    if (this.cost.name === 'log-likelihood' && out !== 'softmax') {
      throw new ArgumentError(`sequential: the log-likelihood cost needs a softmax output layer, got ${out}`);
    }
  }

  /** Neurons per layer, input first (Nielsen's `sizes`). */
  get sizes(): number[] {
    return [this.layers[0].W.shape[1], ...this.layers.map((l) => l.W.shape[0])];
  }

  /** Width of the input. */
  get inputSize(): number {
    return this.layers[0].W.shape[1];
  }

  /** dtype of the parameters. */
  get dtype(): DType {
    return this.layers[0].W.dtype;
  }

  /** The architecture (for files and reports). */
  spec(): ModelSpec {
    return { sizes: this.sizes, activations: this.layers.map((l) => l.activation.name), cost: this.cost.name };
  }

  /** The parameters in a fixed order: W2, b2, W3, b3, … */
  parameters(): Parameter[] {
    return this.layers.flatMap((l, i) => [
      { name: `W${i + 2}`, value: l.W, decay: true },
      { name: `b${i + 2}`, value: l.b, decay: false },
    ]);
  }

  /** Number of scalar parameters. */
  parameterCount(): number {
    return this.layers.reduce((n, l) => n + l.W.size + l.b.size, 0);
  }

  private checkInput(x: Tensor | ad.Operand): void {
    const shape = ad.valueOf(x).shape;
    if (shape.length !== 2 || shape[1] !== this.inputSize) {
      throw new ShapeError(`model: input must be [batch, ${this.inputSize}], got [${shape.join(', ')}]`);
    }
  }

  /**
   * The output layer's weighted input z^L, with the parameters given as operands (so they can be
   * traced by either autodiff mode). `params` is in `parameters()` order.
   */
  weightedOutput(x: ad.Operand, params: readonly ad.Operand[]): ad.Operand {
    this.checkInput(x);
    let a = x;
    const last = this.layers.length - 1;
    this.layers.forEach((layer, i) => {
      const W = params[2 * i];
      const b = params[2 * i + 1];
      // Hidden layers: fused a = σ(x·Wᵀ + b). Output layer: z only; the cost applies σ stably.
      a = i < last ? ad.dense(a, W, b, layer.activation.kernel!) : ad.dense(a, W, b, 'linear');
    });
    return a;
  }

  /** The network's output a^L for inputs x, with parameters as operands. */
  outputWith(x: ad.Operand, params: readonly ad.Operand[]): ad.Operand {
    return this.layers[this.layers.length - 1].activation.apply(this.weightedOutput(x, params));
  }

  /** The mean cost over the batch (x, y), with parameters as operands: differentiate this. */
  lossWith(params: readonly ad.Operand[], x: ad.Operand, y: ad.Operand): ad.Operand {
    const outShape = ad.valueOf(y).shape;
    const nOut = this.layers[this.layers.length - 1].W.shape[0];
    if (outShape.length !== 2 || outShape[1] !== nOut) {
      throw new ShapeError(`model: targets must be [batch, ${nOut}], got [${outShape.join(', ')}]`);
    }
    return this.cost.fromWeightedInput(this.weightedOutput(x, params), y, this.layers[this.layers.length - 1].activation);
  }

  /** Current parameter tensors in `parameters()` order. */
  paramTensors(): Tensor[] {
    return this.layers.flatMap((l) => [l.W, l.b]);
  }

  /** a^L for a batch of inputs [batch, nIn]. */
  predict(x: Tensor): Tensor {
    return ad.valueOf(this.outputWith(x, this.paramTensors()));
  }

  /** The mean cost of the batch as a number. */
  loss(x: Tensor, y: Tensor): number {
    return ad.valueOf(this.lossWith(this.paramTensors(), x, y)).item();
  }

  /** One forward pass giving both the batch's mean cost and each row's predicted class. */
  evaluateBatch(x: Tensor, y: Tensor): { cost: number; predicted: Int32Array } {
    const params = this.paramTensors();
    const output = this.layers[this.layers.length - 1].activation;
    const z = ad.valueOf(this.weightedOutput(x, params)); // z^L [batch, classes]
    const cost = ad.valueOf(this.cost.fromWeightedInput(z, y, output)).item();
    return { cost, predicted: T.argmax(ad.valueOf(output.apply(z))) };
  }

  /** Every layer's z and a for a batch (unfused: the explain tools read these). */
  forwardTrace(x: Tensor): ForwardTrace {
    this.checkInput(x);
    const zs: Tensor[] = [];
    const activations: Tensor[] = [x];
    let a = x;
    for (const layer of this.layers) {
      const z = T.add(T.matmul(a, layer.W, false, true), layer.b); // [batch, nOut] = a·Wᵀ + b
      a = ad.valueOf(layer.activation.apply(z));
      zs.push(z);
      activations.push(a);
    }
    return { zs, activations };
  }

  /** A deep copy with every parameter converted to `dtype`. */
  cast(dtype: DType): Sequential {
    return new Sequential(this.layers.map((l) => ({ W: T.cast(l.W, dtype), b: T.cast(l.b, dtype), activation: l.activation })), this.cost);
  }

  /** A deep copy. */
  clone(): Sequential {
    return this.cast(this.dtype);
  }

  /** A model of the same architecture around other parameter tensors (`parameters()` order). */
  withParameters(params: readonly Tensor[]): Sequential {
    return Sequential.fromSpec(this.spec(), params);
  }

  /** Rebuild a model from its spec and parameter tensors (`parameters()` order). */
  static fromSpec(spec: ModelSpec, params: readonly Tensor[]): Sequential {
    const n = spec.sizes.length - 1;
    if (spec.activations.length !== n) throw new ArgumentError(`model spec: ${n} weight layers but ${spec.activations.length} activations`);
    if (params.length !== 2 * n) throw new ArgumentError(`model spec: ${n} layers need ${2 * n} parameter tensors, got ${params.length}`);
    const layers = spec.activations.map((act, i) => {
      const W = params[2 * i];
      const b = params[2 * i + 1];
      const [nIn, nOut] = [spec.sizes[i], spec.sizes[i + 1]];
      if (W.shape.join() !== `${nOut},${nIn}`) throw new ShapeError(`model spec: W${i + 2} must be [${nOut}, ${nIn}], got [${W.shape.join(', ')}]`);
      if (b.shape.join() !== `${nOut}`) throw new ShapeError(`model spec: b${i + 2} must be [${nOut}], got [${b.shape.join(', ')}]`);
      return { W, b, activation: activation(act) };
    });
    return new Sequential(layers, costByName(spec.cost));
  }
}

/**
 * Build a feed-forward network.
 * `sequential({ sizes: [784, 30, 10], activation: 'sigmoid', cost: 'quadratic', init: 'large', rng: 1 })`
 * or `sequential({ inputSize: 784, layers: [dense(30, 'sigmoid'), dense(10, 'sigmoid')], … })`.
 */
export function sequential(options: SequentialOptions): Sequential {
  let inputSize: number;
  let specs: DenseSpec[];
  if (options.sizes) {
    const sizes = options.sizes;
    if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
      throw new ArgumentError(`sequential: sizes must list at least two positive integers, got [${sizes.join(', ')}]`);
    }
    inputSize = sizes[0];
    const hidden = activation(options.activation ?? 'sigmoid');
    const output = activation(options.output ?? options.activation ?? 'sigmoid');
    specs = sizes.slice(1).map((units, i) => dense(units, i === sizes.length - 2 ? output : hidden));
  } else {
    if (!options.layers || options.inputSize === undefined) throw new ArgumentError('sequential: give either sizes, or inputSize and layers');
    if (!Number.isInteger(options.inputSize) || options.inputSize < 1) throw new ArgumentError(`sequential: inputSize must be a positive integer, got ${options.inputSize}`);
    inputSize = options.inputSize;
    specs = options.layers;
  }
  const rng = options.rng instanceof Rng ? options.rng : new Rng(options.rng ?? 0);
  const init = options.init ?? 'default';
  let nIn = inputSize;
  const layers = specs.map((s) => {
    const { W, b } = initLayer(init, nIn, s.units, rng, options.dtype ?? 'float32');
    nIn = s.units;
    return { W, b, activation: s.activation };
  });
  return new Sequential(layers, costByName(options.cost ?? 'quadratic'));
}
