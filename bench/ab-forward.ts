/**
 * bench/ab-forward — before/after for the dense forward kernel alone: another checkout's wasm
 * backend (the "base") and this one's, timed alternately in ONE process on the same Fashion-MNIST
 * batches (16 random batches per shape, ReLU), or with `--relu` on inputs like a ReLU layer's output,
 * best of 7 rounds each. For kernel changes too small
 * to see through whole epochs (bench/ab.ts) on this noisy machine. A benchmark, never a test.
 *
 *   git worktree add /tmp/base HEAD~1 && (cd /tmp/base && npm ci && npm run build:wasm)
 *   npx tsx bench/ab-forward.ts --base /tmp/base --threads 1
 *   npx tsx bench/ab-forward.ts --base /tmp/base --shapes 128x256x128 --relu 0.1,0.2,0.3,0.4
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { loadDataset } from '../src/data/index.js';
import type { Kernels } from '../src/tensor/kernels/types.js';
import { createWasmKernels } from '../src/tensor/kernels/wasm/index.js';
import { Rng } from '../src/util/rng.js';

const opts = new Command('bench-ab-forward')
  .requiredOption('--base <dir>', 'root of the other checkout (its wasm binary built)')
  .option('--threads <n>', 'wasm threads for both (1 or 2)', '1')
  .option('--shapes <list>', 'batch x nIn x nOut, comma-separated', '128x784x256,10x784x100,10x784x30')
  .option('--relu <densities>', 'instead of images, inputs like a ReLU layer\'s output: this fraction non-zero, at random places (comma-separated)')
  .parse()
  .opts<{ base: string; threads: string; shapes: string; relu?: string }>();

type Backend = Awaited<ReturnType<typeof createWasmKernels>>;
const baseModule = (await import(pathToFileURL(resolve(opts.base, 'src/tensor/kernels/wasm/index.ts')).href)) as {
  createWasmKernels: typeof createWasmKernels;
};
const threads = Number(opts.threads) as 1 | 2;
const data = await loadDataset('fashion-mnist').catch(() => loadDataset('mnist'));
const X = data.train.x.dataSync() as Float32Array;
const rows = data.train.labels.length;
const backends: [string, Backend][] = [
  ['base', await baseModule.createWasmKernels({ threads })],
  ['this', await createWasmKernels({ threads })],
];
for (const [, b] of backends) await b.threads?.ready();

const inputs: (number | null)[] = opts.relu ? opts.relu.split(',').map(Number) : [null];
for (const shape of opts.shapes.split(',')) for (const density of inputs) {
  const [batch, nIn, nOut] = shape.split('x').map(Number);
  const runs = backends.map(([name, be]): [string, () => void] => {
    const k: Kernels = be.kernels;
    const al = (n: number) => k.allocate!('float32', n) as Float32Array;
    const pick = new Rng(7);
    const xs = Array.from({ length: 16 }, () => {
      const x = al(batch * nIn);
      if (density !== null) {
        for (let i = 0; i < x.length; i++) x[i] = pick.uniform() < density ? pick.uniform() : 0;
        return x;
      }
      for (let s = 0; s < batch; s++) {
        const r = pick.int(rows);
        for (let i = 0; i < nIn; i++) x[s * nIn + i] = X[r * 784 + (i % 784)];
      }
      return x;
    });
    const w = new Rng(1);
    const W = al(nOut * nIn), b = al(nOut), z = al(batch * nOut), a = al(batch * nOut);
    for (let i = 0; i < W.length; i++) W[i] = w.normal() * 0.05;
    return [name, () => { for (const x of xs) k.denseForward(x, W, b, z, a, batch, nIn, nOut, 'relu'); }];
  });
  const best = new Map<string, number>();
  const reps = Math.max(4, Math.round(4e6 / (batch * nIn * nOut)));
  for (let round = 0; round < 7; round++) {
    for (const [name, run] of runs) {
      for (let i = 0; i < 3; i++) run();
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) run();
      best.set(name, Math.min(best.get(name) ?? Infinity, ((performance.now() - t0) / reps / 16) * 1000));
    }
  }
  const [b, t] = [best.get('base')!, best.get('this')!];
  const what = density === null ? '' : `, ReLU-like inputs ${Math.round(100 * density)} % non-zero`;
  console.log(`[${batch}, ${nIn}, ${nOut}] forward${what}, ${threads} thread${threads > 1 ? 's' : ''}, best of 7: base ${b.toFixed(1)} µs   this ${t.toFixed(1)} µs   ${(b / t).toFixed(2)}×`);
}
for (const [, b] of backends) b.threads?.close();
