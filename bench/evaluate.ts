/**
 * bench/evaluate — how long `evaluate` takes over MNIST's 10,000 test digits (accuracy and cost, in
 * chunks of 1000) on the wasm backend, for three network shapes: best and median of 7. A benchmark,
 * never a test.
 *
 *   npx tsx bench/evaluate.ts               two threads where the runtime has two cores
 *   npx tsx bench/evaluate.ts --threads 1
 */
import { Command } from 'commander';
import { evaluate, initWasmBackend, loadDataset, sequential, setBackend, wasmInfo } from '../src/index.js';

const opts = new Command('bench-evaluate').option('--threads <n>', 'wasm threads (1 or 2; default: the backend\'s)').parse().opts<{ threads?: string }>();
await initWasmBackend(opts.threads ? { threads: Number(opts.threads) } : {});
setBackend('wasm');
const { test } = await loadDataset('mnist');
console.log(`evaluate over ${test.labels.length} MNIST test digits, wasm backend, ${wasmInfo().threads} thread(s)`);
for (const sizes of [[784, 30, 10], [784, 100, 10], [784, 256, 128, 10]]) {
  const model = sequential({ sizes, activation: 'sigmoid', cost: 'cross-entropy', init: 'default', rng: 1 });
  const times: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    evaluate(model, test);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`  ${JSON.stringify(sizes).padEnd(20)} best ${times[0].toFixed(1)} ms, median ${times[3].toFixed(1)} ms`);
}
