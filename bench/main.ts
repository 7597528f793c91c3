/**
 * bench/main — `npm run bench`: one epoch of each training workload (W1, W2, W3 of the performance
 * issue) on glassbox's backends, beside baselines measured in the same run on the same data: a
 * plain JavaScript loop, TensorFlow.js (cpu and wasm backends) and numpy (batched BLAS, and
 * per-example like network.py) when python3 with numpy is present. Prints seconds per epoch and
 * ratios. Slow engines are timed on part of an epoch (a time budget) and extrapolated; the table
 * says so. A benchmark, never a test.
 *
 *   npm run bench                       all workloads, all engines
 *   npm run bench -- --repeat 3         glassbox and batched numpy: the median of 3 epochs, glassbox's
 *                                       wasm epochs alternating with numpy's (ratios pair by pair)
 *   npm run bench -- --only W1 --budget 5 --engines glassbox-js,plain-js
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Command } from 'commander';
import {
  fit, initWasmBackend, listBackends, wasmInfo, loadDataset, sequential, setBackend, sgd, Rng, gatherRows,
  type Dataset,
} from '../src/index.js';
import { getBackend, registerBackend } from '../src/tensor/kernels/registry.js';
import { createWasmKernels } from '../src/tensor/kernels/wasm/index.js';
import { PlainNetwork } from './plain.js';
import { tfjsTrainer, useTfjsBackend } from './tfjs.js';
import { WORKLOADS, type Workload } from './workloads.js';

interface Row {
  workload: string;
  engine: string;
  secondsPerEpoch: number;
  /** Fraction of the epoch actually timed (1 = the whole epoch). */
  fraction: number;
  /** Measurements the seconds are the median of (absent: one). */
  runs?: number;
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 === 1 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

const program = new Command('bench')
  .option('--only <ids>', 'workloads to run, e.g. W1,W3', 'W1,W2,W3')
  .option('--engines <names>', 'engines to run (glassbox-<backend>, glassbox-wasm-1thread, plain-js, tfjs-cpu, tfjs-wasm, numpy)', '')
  .option('--budget <seconds>', 'time budget per measurement before extrapolating', '12')
  .option('--json <file>', 'also write the rows as JSON to this file')
  .option('--cold', 'time glassbox\'s first epoch without the 300-step warm-up on a throwaway model')
  .option('--repeat <n>', 'time glassbox\'s and batched numpy\'s epochs n times and report the median (the slow engines run once)', '1')
  .parse();
const opts = program.opts<{ only: string; engines: string; budget: string; json?: string; cold?: boolean; repeat: string }>();
const repeat = Math.max(1, Math.floor(Number(opts.repeat)) || 1);
const budget = Number(opts.budget);
const only = new Set(opts.only.split(','));
const wanted = (engine: string) => opts.engines === '' || opts.engines.split(',').includes(engine);

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (() => void) | undefined;

/** A full garbage collection, so one engine's garbage is not collected during the next one's timing. */
function collectGarbage(): void {
  gc?.();
}

async function glassboxBackends(): Promise<string[]> {
  try {
    await initWasmBackend();
  } catch (err) {
    console.log(`(wasm backend unavailable: ${(err as Error).message})`);
  }
  return listBackends().filter((b) => b !== 'reference');
}

/** Mini-batches a throwaway model trains before each timed glassbox epoch (0 with --cold). */
const WARM_UP_STEPS = 300;

async function timeGlassbox(w: Workload, train: Dataset, backend: string): Promise<Row> {
  setBackend(backend);
  if (!opts.cold) {
    // Warm up: JIT-compile the JavaScript of the training loop on a throwaway model of the same
    // shape, as the numpy baseline's timing starts with numpy loaded and its BLAS ready.
    const warm = sequential({ sizes: w.sizes, activation: w.hidden, output: w.output, cost: w.cost, init: w.init, rng: 2 });
    const stop = new AbortController();
    await fit(warm, train, {
      epochs: 1, batchSize: w.batch, rng: new Rng(2), signal: stop.signal, yieldEveryMs: 200,
      optimizer: sgd({ eta: w.eta, momentum: w.momentum, lambda: w.lambda, trainingSize: train.labels.length }),
      onEvent: (e) => {
        if (e.type === 'batch' && e.step >= WARM_UP_STEPS) stop.abort();
      },
    });
    collectGarbage();
  }
  const model = sequential({
    sizes: w.sizes, activation: w.hidden, output: w.output, cost: w.cost, init: w.init, rng: 1,
  });
  const controller = new AbortController();
  const started = performance.now();
  const result = await fit(model, train, {
    epochs: 1, batchSize: w.batch, rng: new Rng(1), signal: controller.signal, yieldEveryMs: 200,
    optimizer: sgd({ eta: w.eta, momentum: w.momentum, lambda: w.lambda, trainingSize: train.labels.length }),
    onEvent: (e) => {
      if (e.type === 'batch' && (performance.now() - started) / 1000 > budget) controller.abort();
    },
  });
  if (process.env.BENCH_THREAD_STATS && backend === 'wasm') console.log('   ', JSON.stringify(wasmInfo().threadStats));
  const stepsPerEpoch = Math.ceil(train.labels.length / w.batch);
  const seconds = result.stopped ? (performance.now() - started) / 1000 : result.history[0].seconds;
  const steps = result.stopped ? result.state.step : stepsPerEpoch;
  return { workload: w.id, engine: `glassbox-${backend}`, secondsPerEpoch: (seconds / steps) * stepsPerEpoch, fraction: steps / stepsPerEpoch };
}

/** Time a step function over shuffled batches of the real data, within the budget. */
async function timeSteps(w: Workload, train: Dataset, engine: string, step: (x: Float32Array, y: Float32Array, m: number) => number): Promise<Row> {
  const n = train.labels.length;
  const order = new Rng(1).permutation(n);
  const stepsPerEpoch = Math.ceil(n / w.batch);
  const t0 = performance.now();
  let steps = 0;
  for (; steps < stepsPerEpoch; steps++) {
    const idx = order.subarray(steps * w.batch, Math.min(n, (steps + 1) * w.batch));
    const x = gatherRows(train.x, idx).dataSync() as Float32Array;
    const y = gatherRows(train.y, idx).dataSync() as Float32Array;
    step(x, y, idx.length);
    if ((performance.now() - t0) / 1000 > budget) {
      steps++;
      break;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  return { workload: w.id, engine, secondsPerEpoch: (seconds / steps) * stepsPerEpoch, fraction: steps / stepsPerEpoch };
}

/** numpy's baseline for one workload: its thread setting chosen, and more batched epochs on demand. */
interface NumpyBaseline {
  /** 'default threads' or '1 thread': whichever was faster on the first batched epoch. */
  label: string;
  /** Seconds per batched epoch from the choosing run (the faster of the two settings). */
  first: number;
  /** Whether the choosing run timed a whole epoch (else extrapolated from the budget). */
  full: boolean;
  /** The per-example (network.py-like) row, when timed. */
  perExample: Row | null;
  /** One more batched epoch with the chosen setting: its seconds. */
  again(): number;
}

/**
 * numpy's baseline. OpenBLAS is given its best chance: the OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
 * overrides some machines set (which pin older, slower kernels) are removed, and the batched form
 * is timed both with OpenBLAS's default threads and with one thread (small matrices often lose to
 * threading overhead); the faster one is kept and named. Null when python3 with numpy is missing.
 */
function numpyBaseline(w: Workload, train: Dataset, dir: string): NumpyBaseline | null {
  const xPath = join(dir, 'x.f32');
  const yPath = join(dir, 'y.f32');
  writeFileSync(xPath, train.x.dataSync() as Float32Array);
  writeFileSync(yPath, train.y.dataSync() as Float32Array);
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const run = (threads: string | null, batchedOnly: boolean) => {
    const e = { ...env };
    if (threads) e.OPENBLAS_NUM_THREADS = threads;
    const args = [new URL('./numpy_baseline.py', import.meta.url).pathname, xPath, yPath, String(train.labels.length), JSON.stringify(w), String(budget)];
    if (batchedOnly) args.push('batched-only');
    const out = execFileSync('python3', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: e });
    return JSON.parse(out.trim().split('\n').pop()!) as { batched: number; batchedFull: boolean; perExample: number | null; perExampleFull: boolean };
  };
  try {
    const threaded = run(null, false);
    const single = run('1', true);
    const best = single.batched < threaded.batched ? { ...single, label: '1 thread' } : { ...threaded, label: 'default threads' };
    return {
      label: best.label,
      first: best.batched,
      full: best.batchedFull,
      perExample: threaded.perExample === null ? null : {
        workload: w.id, engine: 'numpy-per-example', secondsPerEpoch: threaded.perExample,
        fraction: threaded.perExampleFull ? 1 : Math.min(1, budget / threaded.perExample),
      },
      again: () => run(best.label === '1 thread' ? '1' : null, true).batched,
    };
  } catch (err) {
    console.log(`(numpy baseline unavailable: ${(err as Error).message.split('\n')[0]})`);
    return null;
  }
}

/** The batched-numpy row: the median of `times`. */
function numpyRow(w: Workload, np: NumpyBaseline, times: number[]): Row {
  const seconds = median(times);
  return {
    workload: w.id, engine: `numpy-batched (${np.label})`, secondsPerEpoch: seconds,
    fraction: np.full ? 1 : Math.min(1, budget / seconds), runs: times.length,
  };
}

/** The benchmark's data set, loaded with `backend` active (the wasm backend keeps it in its own memory). */
async function loadTrain(backend: string | null): Promise<{ train: Dataset; fashion: boolean }> {
  if (backend) setBackend(backend);
  const fashion = await loadDataset('fashion-mnist').catch(() => null);
  const data = fashion ?? (await loadDataset('mnist'));
  return { train: data.train, fashion: fashion !== null };
}

async function main(): Promise<void> {
  const backends = await glassboxBackends();
  const { train, fashion } = await loadTrain(backends.includes('wasm') ? 'wasm' : null);
  console.log(`glassbox bench — ${fashion ? 'Fashion-MNIST' : 'MNIST (Fashion-MNIST not installed)'}, ${train.labels.length} training images, one epoch per workload`);
  console.log(`node ${process.version}, budget ${budget} s per measurement (longer epochs are extrapolated)\n`);
  const rows: Row[] = [];
  /** Per workload: numpy/glassbox-wasm time ratios of epochs run alternately. */
  const pairedRatios = new Map<string, number[]>();
  const tmp = mkdtempSync(join(tmpdir(), 'glassbox-bench-'));
  try {
    for (const w of WORKLOADS.filter((x) => only.has(x.id))) {
      console.log(`${w.id}: ${w.title}`);
      const add = (r: Row) => {
        rows.push(r);
        const notes = [r.fraction < 1 ? `extrapolated from ${(100 * r.fraction).toFixed(1)}% of an epoch` : '', (r.runs ?? 1) > 1 ? `median of ${r.runs}` : ''].filter(Boolean);
        console.log(`  ${r.engine.padEnd(30)} ${r.secondsPerEpoch.toFixed(3).padStart(9)} s/epoch${notes.length ? `  (${notes.join('; ')})` : ''}`);
      };
      // numpy first chooses its thread setting (two batched epochs); its further batched epochs
      // then alternate with glassbox's wasm epochs, so the two see the same machine (this one's
      // speed drifts by ±20 % within minutes) and each pair gives a ratio.
      const np = wanted('numpy') ? numpyBaseline(w, train, tmp) : null;
      const numpyTimes: number[] = [];
      const pairs: [number, number][] = []; // [glassbox, numpy] seconds, epoch by epoch
      /** A glassbox row, timed `repeat` times (median); each followed by a numpy epoch when `interleave`. */
      const glassboxRow = async (time: () => Promise<Row>, interleave: boolean): Promise<Row> => {
        const runs: Row[] = [];
        for (let r = 0; r < repeat; r++) {
          collectGarbage();
          const row = await time();
          runs.push(row);
          if (interleave && np) {
            const t = np.again();
            numpyTimes.push(t);
            pairs.push([row.secondsPerEpoch, t]);
          }
        }
        const seconds = median(runs.map((x) => x.secondsPerEpoch));
        return { ...runs[0], secondsPerEpoch: seconds, fraction: Math.min(...runs.map((x) => x.fraction)), runs: repeat };
      };
      // wasm first: a long js-backend run leaves a large heap whose collection would land in the
      // next measurement; and a full collection before each glassbox measurement.
      for (const b of [...backends].sort((p, q) => Number(q === 'wasm') - Number(p === 'wasm'))) {
        if (!wanted(`glassbox-${b}`)) continue;
        add(await glassboxRow(() => timeGlassbox(w, train, b), b === 'wasm'));
      }
      if (backends.includes('wasm') && wanted('glassbox-wasm-1thread')) {
        // The same wasm kernels without the helper thread, registered as 'wasm' for this row only
        // (the fused step runs on the backend named 'wasm').
        // Its own copy of the data, in its own memory, as the threaded row has.
        const threaded = getBackend('wasm');
        registerBackend((await createWasmKernels({ threads: 1 })).kernels);
        const own = (await loadTrain('wasm')).train;
        const row = await glassboxRow(() => timeGlassbox(w, own, 'wasm'), false);
        add({ ...row, engine: 'glassbox-wasm-1thread' });
        registerBackend(threaded);
      }
      setBackend('js');
      if (wanted('plain-js')) {
        const net = new PlainNetwork(w);
        add(await timeSteps(w, train, 'plain-js', (x, y, m) => net.step(x, y, m, train.labels.length)));
      }
      for (const tb of ['cpu', 'wasm'] as const) {
        if (!wanted(`tfjs-${tb}`)) continue;
        if (!(await useTfjsBackend(tb))) {
          console.log(`  (tfjs ${tb} backend unavailable)`);
          continue;
        }
        const t = tfjsTrainer(w, train.labels.length);
        add(await timeSteps(w, train, `tfjs-${tb}`, t.step));
        t.dispose();
      }
      if (np) {
        if (numpyTimes.length === 0) {
          // No glassbox wasm row to alternate with: numpy's epochs in a row.
          numpyTimes.push(np.first);
          for (let r = 1; r < repeat; r++) numpyTimes.push(np.again());
        }
        add(numpyRow(w, np, numpyTimes));
        if (np.perExample) add(np.perExample);
        if (pairs.length > 0) {
          const ratios = pairs.map(([g, n]) => n / g);
          const text = ratios.map((r) => r.toFixed(2)).join(', ');
          console.log(`  glassbox-wasm vs numpy-batched, alternating epochs: numpy/glassbox ${text} (median ${median(ratios).toFixed(2)})`);
          pairedRatios.set(w.id, ratios);
        }
      }
      console.log();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  printSummary(rows, pairedRatios);
  if (opts.json) {
    const paired = Object.fromEntries(pairedRatios);
    writeFileSync(opts.json, JSON.stringify({ date: new Date().toISOString(), node: process.version, rows, pairedNumpyOverGlassbox: paired }, null, 2));
  }
}

function printSummary(rows: Row[], paired: Map<string, number[]>): void {
  console.log('Summary: seconds per epoch, and how many times faster the best glassbox backend is');
  for (const id of new Set(rows.map((r) => r.workload))) {
    const mine = rows.filter((r) => r.workload === id && r.engine.startsWith('glassbox-'));
    if (mine.length === 0) continue;
    const best = mine.reduce((a, b) => (a.secondsPerEpoch <= b.secondsPerEpoch ? a : b));
    console.log(`${id}  best: ${best.engine} ${best.secondsPerEpoch.toFixed(3)} s`);
    for (const r of rows.filter((x) => x.workload === id && !x.engine.startsWith('glassbox-'))) {
      console.log(`    vs ${r.engine.padEnd(30)} ${r.secondsPerEpoch.toFixed(3).padStart(9)} s   glassbox is ${(r.secondsPerEpoch / best.secondsPerEpoch).toFixed(2)}× ${r.secondsPerEpoch >= best.secondsPerEpoch ? 'faster' : 'slower (ratio < 1)'}`);
    }
    const ratios = paired.get(id);
    if (ratios) {
      const m = median(ratios);
      console.log(`    glassbox-wasm vs numpy-batched epoch by epoch (alternating): glassbox is ${m.toFixed(2)}× ${m >= 1 ? 'faster' : 'slower (ratio < 1)'} (median of ${ratios.length})`);
    }
  }
}

await main();
