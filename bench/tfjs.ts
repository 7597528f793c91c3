/**
 * bench/tfjs — TensorFlow.js (tfjs-core with its cpu or wasm backend) running the same workload:
 * variables for W and b, the same costs, optimizer.minimize per mini-batch.
 */
import { createRequire } from 'node:module';
import type * as TF from '@tensorflow/tfjs-core';

// The CommonJS builds, loaded through one require so that the gradients and both backends register
// with the same engine (the ESM build cannot import register_all_gradients in Node).
const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs-core') as typeof TF;
require('@tensorflow/tfjs-core/dist/register_all_gradients');
require('@tensorflow/tfjs-backend-cpu');
require('@tensorflow/tfjs-backend-wasm');
import type { Workload } from './workloads.js';

/** Switch tfjs to a backend ('cpu' or 'wasm'); returns false when it cannot start. */
export async function useTfjsBackend(name: 'cpu' | 'wasm'): Promise<boolean> {
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/** A tfjs model of the workload; `step` trains one mini-batch and returns its cost. */
export function tfjsTrainer(w: Workload, trainingSize: number): { step: (x: Float32Array, y: Float32Array, m: number) => number; dispose: () => void } {
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
    if (w.lambda > 0) {
      const l2 = vars.reduce((s: TF.Scalar, v) => tf.add(s, tf.sum(tf.square(v.W))), tf.scalar(0));
      c = tf.add(c, tf.mul(l2, w.lambda / (2 * trainingSize)));
    }
    return c;
  };
  return {
    step(xs, ys, m) {
      const value = tf.tidy(() => {
        const x = tf.tensor2d(xs, [m, w.sizes[0]]);
        const y = tf.tensor2d(ys, [m, w.sizes[w.sizes.length - 1]]);
        return optimizer.minimize(() => loss(x, y), true)!;
      });
      const c = value.dataSync()[0];
      value.dispose();
      return c;
    },
    dispose() {
      vars.forEach((v) => { v.W.dispose(); v.b.dispose(); });
      optimizer.dispose();
    },
  };
}
