/**
 * bench/ab — before/after: the same training workloads on another checkout of glassbox (the
 * "base", e.g. the previous commit) and on this one, alternating epochs in ONE process, so both
 * see the same machine load; prints the best epoch of each and the ratio. How the "before → after"
 * epoch times in docs/performance.md were measured. A benchmark, never a test.
 *
 *   git worktree add /tmp/base HEAD~1 && (cd /tmp/base && npm ci && npm run build:wasm)
 *   npx tsx bench/ab.ts --base /tmp/base --only W2,W3 --threads 2 --repeat 3
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import * as here from '../src/index.js';
import { WORKLOADS } from './workloads.js';

const opts = new Command('bench-ab')
  .requiredOption('--base <dir>', 'root of the other checkout (its wasm binary built)')
  .option('--only <ids>', 'workloads, e.g. W1,W3', 'W1,W2,W3')
  .option('--threads <n>', 'wasm threads for both (1 or 2)', '2')
  .option('--repeat <n>', 'epochs of each, alternating', '3')
  .option('--adam', "Adam (η 0.001) instead of the workload's SGD")
  .option('--monitor', 'with the dynamics monitor on (gradient norms every 10 batches, as the explorer trains)')
  .parse()
  .opts<{ base: string; only: string; threads: string; repeat: string; adam?: boolean; monitor?: boolean }>();

type Lib = typeof here;
const base = (await import(pathToFileURL(resolve(opts.base, 'src/index.ts')).href)) as Lib;
const threads = Number(opts.threads) as 1 | 2;
const libs: [string, Lib][] = [['base', base], ['this', here]];
const data = new Map<string, Awaited<ReturnType<Lib['loadDataset']>>>();
for (const [name, lib] of libs) {
  await lib.initWasmBackend({ threads });
  lib.setBackend('wasm');
  data.set(name, await lib.loadDataset('fashion-mnist').catch(() => lib.loadDataset('mnist')));
}
for (const w of WORKLOADS.filter((x) => opts.only.split(',').includes(x.id))) {
  const best = new Map<string, number>();
  for (let r = 0; r < Number(opts.repeat); r++) {
    for (const [name, lib] of libs) {
      const train = data.get(name)!.train;
      const model = lib.sequential({ sizes: w.sizes, activation: w.hidden, output: w.output, cost: w.cost, init: w.init, rng: 1 });
      const result = await lib.fit(model, train, {
        epochs: 1, batchSize: w.batch, rng: new lib.Rng(1), yieldEveryMs: 200, monitor: opts.monitor ? { dynamics: true, every: 10 } : undefined,
        optimizer: opts.adam
          ? lib.adam({ eta: 0.001, lambda: w.lambda, trainingSize: train.labels.length })
          : lib.sgd({ eta: w.eta, momentum: w.momentum, lambda: w.lambda, trainingSize: train.labels.length }),
      });
      best.set(name, Math.min(best.get(name) ?? Infinity, result.history[0].seconds));
    }
  }
  const [b, t] = [best.get('base')!, best.get('this')!];
  console.log(`${w.id}${opts.adam ? ' with Adam' : ''}${opts.monitor ? ', monitored' : ''} (${threads} thread${threads > 1 ? 's' : ''}, best of ${opts.repeat}): base ${b.toFixed(3)} s   this ${t.toFixed(3)} s   ${(b / t).toFixed(2)}× `);
}
