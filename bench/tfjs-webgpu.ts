/**
 * bench/tfjs-webgpu — the in-run TensorFlow.js baseline of the GPU measurement: one epoch of W1, W3
 * and W4 (bench/gpu-workloads.ts) with tfjs-core and its webgpu backend, on Dawn in Node, on the
 * same random data as bench/webgpu.ts. Given every chance: the data set is uploaded once and the
 * epoch's permutation once; each step slices its batch's indices and gathers the rows on the GPU,
 * and runs optimizer.minimize without reading its cost back, so nothing waits for the GPU inside an
 * epoch (one read at its end). The first steps (compiling the shaders) are run before the clock
 * starts. The same model and loss as the CPU bench's TF.js runs (bench/tfjs-model.ts).
 *
 * Bundled with Vite by `scripts/gpu-bench.sh prepare` (→ .gpu-bench/tfjs.mjs, TF.js inside) and run
 * there after PyTorch:
 *   node .gpu-bench/tfjs.mjs path/to/node_modules/webgpu [--only W1,W3,W4] [--examples 50000]
 *                            [--epochs 1] [--json FILE] [--dawn backend=vulkan,…]
 * A benchmark, never a test.
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as TF from '@tensorflow/tfjs-core';
import { Rng } from '../src/util/rng.js';
import { GPU_WORKLOADS, randomData } from './gpu-workloads.js';
import { tfjsModel } from './tfjs-model.js';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const webgpuDir = process.argv[2];
  if (!webgpuDir || webgpuDir.startsWith('--')) {
    console.error('usage: node tfjs.mjs path/to/node_modules/webgpu [--only W1,W3,W4] [--examples N] [--epochs N] [--json FILE] [--dawn opts]');
    process.exit(2);
  }
  const only = new Set(option('only', 'W1,W3,W4').split(','));
  const examples = Number(option('examples', '50000'));
  const epochs = Number(option('epochs', '1'));
  const jsonFile = option('json', '');
  const dawn = option('dawn', '').split(',').filter((s) => s !== '');

  // navigator.gpu and the GPU* constants from Dawn before the webgpu backend loads: it registers only
  // where navigator.gpu exists.
  const { create, globals } = (await import(pathToFileURL(join(resolve(webgpuDir), 'index.js')).href)) as { create: (o: string[]) => unknown; globals: object };
  Object.assign(globalThis, globals);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: create(dawn) }, configurable: true });
  const tf = (await import('@tensorflow/tfjs-core')) as typeof TF;
  await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not start its webgpu backend');
  await tf.ready();
  console.log(`TF.js ${tf.version_core}, backend ${tf.getBackend()}`);

  const { x, labels } = randomData(examples);
  const X = tf.tensor2d(x, [examples, 784]);
  const Y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 10), 'float32')) as TF.Tensor2D;
  const rows: { what: string; seconds: number; epochs: number[]; detail: string }[] = [];
  for (const w of GPU_WORKLOADS.filter((v) => only.has(v.id))) {
    const { loss, optimizer, dispose } = tfjsModel(tf, w, examples);
    const steps = Math.ceil(examples / w.batch);
    const epoch = async (seed: number, batches = steps): Promise<number> => {
      const order = tf.tensor1d(new Rng(seed).permutation(examples), 'int32');
      const t0 = performance.now();
      for (let s = 0; s < batches; s++) {
        const start = s * w.batch;
        const rows = Math.min(w.batch, examples - start);
        tf.tidy(() => {
          const idx = tf.slice(order, start, rows);
          const xb = tf.gather(X, idx) as TF.Tensor2D;
          const yb = tf.gather(Y, idx) as TF.Tensor2D;
          optimizer.minimize(() => loss(xb, yb), false);
        });
      }
      const done = tf.tidy(() => loss(tf.slice(X, [0, 0], [1, 784]), tf.slice(Y, [0, 0], [1, 10])));
      await done.data(); // waits for every step queued before it
      done.dispose();
      order.dispose();
      return (performance.now() - t0) / 1000;
    };
    await epoch(0, Math.min(steps, 20)); // compile the shaders
    const times: number[] = [];
    for (let e = 0; e < epochs; e++) times.push(await epoch(e + 1));
    const head = Math.min(examples, 1000);
    const after = tf.tidy(() => loss(tf.slice(X, [0, 0], [head, 784]), tf.slice(Y, [0, 0], [head, 10])));
    const cost = (await after.data())[0]; // (dataSync needs an OffscreenCanvas on this backend)
    after.dispose();
    dispose();
    const best = Math.min(...times);
    const q = w.quoted;
    const detail = `epochs ${times.map((t) => t.toFixed(3)).join(', ')} s; ${steps} batches; cost of the first ${head} rows after training ${cost.toFixed(4)}` +
      (examples === 50000 ? ` | quoted (H200, not this run): TF.js webgpu ${q.tfjsWebgpu} s` : '');
    rows.push({ what: `TF.js webgpu ${w.id} ${w.title}`, seconds: best, epochs: times, detail });
    console.log(`TF.js webgpu ${w.id}: ${best.toFixed(3)} s per epoch — ${detail}`);
  }
  X.dispose();
  Y.dispose();
  if (jsonFile) await writeFile(jsonFile, `${JSON.stringify({ tfjs: tf.version_core, backend: 'webgpu', examples, rows }, null, 2)}\n`);
}

main().then(() => process.exit(0), (e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : String(e));
  process.exit(1);
});
