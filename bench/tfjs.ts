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
import { tfjsModel } from './tfjs-model.js';
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

/** A tfjs model of the workload (bench/tfjs-model); `step` trains one mini-batch and returns its cost. */
export function tfjsTrainer(w: Workload, trainingSize: number): { step: (x: Float32Array, y: Float32Array, m: number) => number; dispose: () => void } {
  const { loss, optimizer, dispose } = tfjsModel(tf, w, trainingSize);
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
    dispose,
  };
}
