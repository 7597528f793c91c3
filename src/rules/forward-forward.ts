/**
 * rules/forward-forward — every layer trained on its own to tell real data from fake, by its
 * "goodness", with no backward pass through the network.
 *
 * Idea: the label is written into the input. Positive data is an image with its correct label
 * one-hot in its first `classes` inputs (MNIST's first 10 pixels are always black); negative data
 * is the same image with a wrong label drawn at random. Each layer l has goodness G^l = Σ_j (a^l_j)²
 * and a local objective: p(positive) = σ(G^l − θ^l) should be high on positive and low on negative
 * data, i.e. minimise softplus(θ^l − G^l_pos) + softplus(G^l_neg − θ^l) (mean over the batch), with
 * θ^l = threshold · n_l. The layer's input is the previous layer's activity divided by its root mean
 * square, so only its direction passes on (the goodness of one layer cannot leak into the next), and
 * no derivative crosses from one layer to another. To classify, run the network once per label and
 * pick the label with the largest goodness summed over all layers (`predict`).
 * Paper: G. Hinton, "The Forward-Forward Algorithm: Some Preliminary Investigations",
 * arXiv:2212.13345, 2022.
 * Cost per step: two forward passes (positive and negative data) and, per layer, the local
 * derivative of its own objective (arithmetic like one backward pass, but nothing sent between
 * layers); prediction costs one forward pass per class.
 *
 * The step's cost is the sum over layers of the local objectives (the model's own cost function is
 * not used), and the network keeps its shape: every layer, the output layer too, is a goodness layer.
 */
import * as ad from '../autodiff/index.js';
import type { Operand } from '../autodiff/primitive.js';
import type { Sequential } from '../nn/model.js';
import * as T from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError } from '../util/errors.js';
import { checkOption, labelsOf } from './common.js';
import type { LearningRule } from './rule.js';

/** Options of `forwardForward`. */
export interface ForwardForwardOptions {
  /** θ^l per unit: a layer of n units has threshold θ^l = threshold · n (default 0.5). */
  threshold?: number;
}

/** Guard against dividing by a zero activity vector in the normalisation. */
const EPSILON = 1e-8;

/** A copy of x [batch, nIn] whose first `classes` columns are one-hot(labels). */
export function embedLabels(x: Tensor, labels: ArrayLike<number>, classes: number): Tensor {
  const [batch, nIn] = x.shape;
  const out = T.clone(x);
  const data = out.dataSync();
  for (let r = 0; r < batch; r++) {
    data.fill(0, r * nIn, r * nIn + classes);
    data[r * nIn + labels[r]] = 1;
  }
  return out;
}

/** a [batch, n] with each row divided by its root mean square (so its mean square is 1). */
export function rmsNormalize(a: Tensor): Tensor {
  const n = a.shape[1];
  const meanSquare = T.scale(T.sum(T.unary('square', a), 1, true), 1 / n); // [batch, 1]
  return T.div(a, T.unary('sqrt', T.add(meanSquare, T.scalar(EPSILON, a.dtype))));
}

/** The checks forward-forward needs of a model: element-wise activations and room for the label. */
function checkModel(model: Sequential): void {
  const classes = model.sizes[model.sizes.length - 1];
  if (classes < 2) throw new ArgumentError(`forward-forward: needs at least 2 classes to draw wrong labels, the output layer has ${classes}`);
  if (model.inputSize <= classes) {
    throw new ArgumentError(
      `forward-forward: the label is written over the first ${classes} inputs, which would leave none of the ${model.inputSize} inputs for the data (it needs more than ${classes})`,
    );
  }
  model.layers.forEach((layer, i) => {
    if (layer.activation.kernel === null) {
      throw new ArgumentError(
        `forward-forward: layer ${i + 2} uses ${layer.activation.name}; goodness needs an element-wise activation on every layer (sigmoid, tanh, relu, linear)`,
      );
    }
  });
}

/** Each row's total goodness Σ_l Σ_j (a^l_j)² when the label `label` is written into x: [batch]. */
function totalGoodness(model: Sequential, x: Tensor, label: number, classes: number): Float64Array {
  const batch = x.shape[0];
  let h = embedLabels(x, new Int32Array(batch).fill(label), classes);
  const total = new Float64Array(batch);
  for (const layer of model.layers) {
    const { a } = T.denseForward(h, layer.W, layer.b, layer.activation.kernel!); // [batch, n_l]
    const goodness = T.sum(T.unary('square', a), 1).dataSync(); // [batch]
    for (let r = 0; r < batch; r++) total[r] += goodness[r];
    h = rmsNormalize(a);
  }
  return total;
}

/** Forward-forward (Hinton 2022), with its own `predict`. */
export function forwardForward(options: ForwardForwardOptions = {}): LearningRule<null> {
  const threshold = options.threshold ?? 0.5;
  checkOption('forward-forward', 'threshold', threshold, (v) => v > 0, 'a number > 0');
  return {
    name: 'forward-forward',
    description: 'each layer separates right-label from wrong-label inputs by its goodness Σa² (Hinton 2022)',
    init(model) {
      checkModel(model);
      return null;
    },
    step(model, { x, y }, _state, rng) {
      const classes = y.shape[1];
      const labels = labelsOf(y);
      const wrong = labels.map((c) => (c + 1 + rng.int(classes - 1)) % classes); // uniform over the other labels
      let hPos = embedLabels(x, labels, classes); // positive data [batch, nIn]
      let hNeg = embedLabels(x, wrong, classes); // negative data [batch, nIn]
      const grads: Tensor[] = [];
      let cost = 0;
      for (const layer of model.layers) {
        const kernel = layer.activation.kernel!;
        const theta = T.scalar(threshold * layer.W.shape[0], layer.W.dtype);
        let aPos = hPos;
        let aNeg = hNeg;
        // The layer's own objective, differentiated with respect to its own W and b only.
        const objective = (W: Operand, b: Operand): Operand => {
          const pos = ad.dense(hPos, W, b, kernel); // a^l on positive data [batch, n_l]
          const neg = ad.dense(hNeg, W, b, kernel); // a^l on negative data [batch, n_l]
          aPos = ad.valueOf(pos);
          aNeg = ad.valueOf(neg);
          const goodPos = ad.sum(ad.square(pos), 1); // G^l [batch]
          const goodNeg = ad.sum(ad.square(neg), 1);
          return ad.add(ad.mean(ad.softplus(ad.sub(theta, goodPos))), ad.mean(ad.softplus(ad.sub(goodNeg, theta))));
        };
        const { out, vjp } = ad.vjp(objective, layer.W, layer.b);
        const [dW, db] = vjp(T.ones(out.shape, out.dtype));
        grads.push(dW, db);
        cost += out.item();
        hPos = rmsNormalize(aPos); // only the direction goes on to the next layer
        hNeg = rmsNormalize(aNeg);
      }
      return { cost, grads, forwardPasses: 2, backwardPasses: 0 };
    },
    predict(model, x) {
      checkModel(model);
      const classes = model.sizes[model.sizes.length - 1];
      const batch = x.shape[0];
      const scores = new Float64Array(batch * classes);
      for (let c = 0; c < classes; c++) {
        const g = totalGoodness(model, x, c, classes);
        for (let r = 0; r < batch; r++) scores[r * classes + c] = g[r];
      }
      return T.tensor(scores, [batch, classes], 'float64'); // [batch, classes]
    },
  };
}
