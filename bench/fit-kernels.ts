/**
 * bench/fit-kernels — where a training epoch's time goes: every call of the wasm backend's kernels
 * timed inside `fit` (each kernel wrapped with a timer), summed per kernel and shape, for two fresh
 * epochs of a workload (the first includes the helper thread's and the JIT's warm-up; read the
 * second). How docs/performance.md's per-step breakdowns were measured. The timers add ~0.1 µs a
 * call, so the sum slightly overstates the kernels. A benchmark, never a test.
 *
 *   npx tsx bench/fit-kernels.ts --only W3
 *   npx tsx bench/fit-kernels.ts --only W1 --threads 1
 */
import { Command } from 'commander';
import * as lib from '../src/index.js';
import { getBackend } from '../src/tensor/kernels/registry.js';
import { WORKLOADS } from './workloads.js';

const opts = new Command('bench-fit-kernels')
  .option('--only <id>', 'workload: W1, W2 or W3', 'W3')
  .option('--threads <n>', 'wasm threads (1 or 2)', '2')
  .option('--epochs <n>', 'fresh one-epoch runs, each reported', '2')
  .parse()
  .opts<{ only: string; threads: string; epochs: string }>();

const w = WORKLOADS.find((x) => x.id === opts.only);
if (!w) throw new Error(`--only: no workload ${opts.only} (W1, W2, W3)`);
await lib.initWasmBackend({ threads: Number(opts.threads) as 1 | 2 });
lib.setBackend('wasm');
const k = getBackend('wasm') as unknown as Record<string, unknown>;

/** Per kernel and shape: total ms and calls. */
const times = new Map<string, [number, number]>();
for (const name of Object.keys(k)) {
  const f = k[name];
  if (typeof f !== 'function' || name === 'allocate' || name === 'release' || name === 'allocateDataset') continue;
  k[name] = function (this: unknown, ...args: unknown[]) {
    const t0 = performance.now();
    try {
      return (f as (...a: unknown[]) => unknown).apply(this, args);
    } finally {
      const numbers = args.filter((v): v is number => typeof v === 'number');
      // The dense kernels' shape is [batch, nIn, nOut]; the updates' is their length.
      const shape = name.startsWith('dense') ? `[${numbers.slice(0, 3).join(', ')}]` : name === 'momentumStep' || name === 'adamStep' ? `[${numbers[0]}]` : '';
      const key = name + shape;
      const e = times.get(key) ?? [0, 0];
      e[0] += performance.now() - t0;
      e[1]++;
      times.set(key, e);
    }
  };
}

const data = await lib.loadDataset('fashion-mnist').catch(() => lib.loadDataset('mnist'));
const train = data.train;
console.log(`${w.id} ${JSON.stringify(w.sizes)}, batch ${w.batch}, ${opts.threads} thread(s), ${train.labels.length} images`);
for (let r = 0; r < Number(opts.epochs); r++) {
  times.clear();
  const model = lib.sequential({ sizes: w.sizes, activation: w.hidden, output: w.output, cost: w.cost, init: w.init, rng: 1 });
  const result = await lib.fit(model, train, {
    epochs: 1, batchSize: w.batch, rng: new lib.Rng(1), yieldEveryMs: 200,
    optimizer: lib.sgd({ eta: w.eta, momentum: w.momentum, lambda: w.lambda, trainingSize: train.labels.length }),
  });
  const steps = Math.ceil(train.labels.length / w.batch);
  let sum = 0;
  console.log(`epoch ${r + 1}: ${result.history[0].seconds.toFixed(3)} s (${((result.history[0].seconds / steps) * 1e6).toFixed(0)} µs a step)`);
  for (const [key, [ms, calls]] of [...times.entries()].sort((a, b) => b[1][0] - a[1][0])) {
    sum += ms;
    console.log(`  ${key.padEnd(34)} ${ms.toFixed(1).padStart(8)} ms  ${String(calls).padStart(6)} calls  ${((ms / calls) * 1000).toFixed(1).padStart(7)} µs a call`);
  }
  console.log(`  all kernels ${sum.toFixed(0)} ms; outside them ${(result.history[0].seconds * 1000 - sum).toFixed(0)} ms`);
}
