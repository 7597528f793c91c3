/**
 * bench/tfjs-model — a workload as a TensorFlow.js model: variables for W and b, the loss with the
 * workload's cost (and L2), and its optimiser. Takes the `tf` namespace as an argument, so the CPU
 * bench (bench/tfjs.ts: tfjs-core's CommonJS build with the cpu and wasm backends) and the GPU bench
 * (bench/tfjs-webgpu.ts: the ESM build, bundled, with the webgpu backend) build the same model.
 */
import type * as TF from '@tensorflow/tfjs-core';
import type { Workload } from './workloads.js';

/** What a TF.js model needs of a workload (bench/workloads.ts's, and bench/gpu-workloads.ts's: no L2). */
export type TfjsWorkload = Pick<Workload, 'sizes' | 'hidden' | 'output' | 'cost' | 'init' | 'eta' | 'momentum'> & { lambda?: number };

/** A TF.js model of the workload: `loss(x, y)` is the batch's mean cost (+ L2), for optimizer.minimize. */
export function tfjsModel(tf: typeof TF, w: TfjsWorkload, trainingSize: number): {
  loss: (x: TF.Tensor2D, y: TF.Tensor2D) => TF.Scalar;
  optimizer: TF.Optimizer;
  vars: { W: TF.Variable; b: TF.Variable }[];
  dispose: () => void;
} {
  const vars: { W: TF.Variable; b: TF.Variable }[] = [];
  for (let l = 1; l < w.sizes.length; l++) {
    const nIn = w.sizes[l - 1];
    const nOut = w.sizes[l];
    const std = w.init === 'large' ? 1 : w.init === 'default' ? 1 / Math.sqrt(nIn) : Math.sqrt(2 / nIn);
    vars.push({
      W: tf.variable(tf.randomNormal([nIn, nOut], 0, std, 'float32', 1)),
      b: tf.variable(w.init === 'he' ? tf.zeros([nOut]) : tf.randomNormal([nOut], 0, 1, 'float32', 2)),
    });
  }
  const optimizer = w.momentum > 0 ? tf.train.momentum(w.eta, w.momentum) : tf.train.sgd(w.eta);
  const lambda = w.lambda ?? 0;
  const loss = (x: TF.Tensor2D, y: TF.Tensor2D): TF.Scalar => {
    let a: TF.Tensor2D = x;
    let z: TF.Tensor2D = x;
    vars.forEach((v, i) => {
      z = tf.add(tf.matMul(a, v.W), v.b);
      const last = i === vars.length - 1;
      a = last ? (w.output === 'softmax' ? tf.softmax(z) : tf.sigmoid(z)) : w.hidden === 'relu' ? tf.relu(z) : tf.sigmoid(z);
    });
    const m = x.shape[0];
    let c: TF.Scalar;
    if (w.cost === 'quadratic') c = tf.div(tf.sum(tf.square(tf.sub(a, y))), 2 * m);
    else if (w.cost === 'log-likelihood') c = tf.div(tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(z)))), m);
    else c = tf.div(tf.losses.sigmoidCrossEntropy(y, z, undefined, undefined, tf.Reduction.SUM), m);
    if (lambda > 0) {
      const l2 = vars.reduce((s: TF.Scalar, v) => tf.add(s, tf.sum(tf.square(v.W))), tf.scalar(0));
      c = tf.add(c, tf.mul(l2, lambda / (2 * trainingSize)));
    }
    return c;
  };
  return {
    loss, optimizer, vars,
    dispose() {
      vars.forEach((v) => { v.W.dispose(); v.b.dispose(); });
      optimizer.dispose();
    },
  };
}
