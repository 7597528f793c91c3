/**
 * web/worker — training in a Web Worker, so the page never freezes. It owns the model being
 * trained and runs the library's `fit` in segments: `play` runs until `pause`, `step` runs exactly
 * N mini-batches; each segment resumes the previous one's TrainState, so pausing changes nothing
 * about the run (same batches, same weights). It posts parameter snapshots, batch costs, epoch
 * records (test accuracy, per-layer learning speed) and errors to the page.
 *
 * Backends: `js` and `wasm` train with `fit` on that CPU backend. `webgpu` (and `auto`, when a GPU
 * can be had) trains with the library's `createWebGpuTrainer`: the model and data stay on the GPU,
 * segments run chunks of batches with `runEpoch`, and the weights come back (`copyToModel`) only
 * when a snapshot is due; the learning speed ‖∂C/∂b^l‖ is measured by the trainer's update
 * dispatches (`monitorEvery`), and a feedback rule's angle to the gradient by its alignment monitor
 * (`alignEvery`), as `fit`'s monitors measure them on the CPU. When WebGPU cannot be used
 * (no navigator.gpu, no adapter) the worker says what is missing and trains on wasm. It also reports how many threads the wasm
 * kernels use: 2 when the page is cross-origin isolated (shared memory, a helper Web Worker) and
 * the browser reports two cores, else 1.
 */
import {
  ArgumentError, createWebGpuTrainer, DivergenceError, evaluate, fit, GlassboxError, GPU_RULES, gpuFeedback, initWasmBackend, Rng, ruleByName, setBackend, UnsupportedError, wasmInfo,
  type Dataset, type Sequential, type TrainState, type WebGpuTrainer,
} from 'glassbox';
import { loadExplorerData, type ExplorerData } from './data.js';
import { buildModel, makeOptimizer, paramArrays } from './model.js';
import type { FromWorker, Hyper, Setup, ToWorker } from './protocol.js';

/** The worker's global scope, as far as this file uses it. */
interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;

/** Send snapshots at most this often while playing (ms). */
const SNAPSHOT_EVERY_MS = 80;

let setup: Setup | null = null;
let data: ExplorerData | null = null;
let model: Sequential | null = null;
let hyper: Hyper | null = null;
let state: TrainState | undefined;
let running: Promise<void> | null = null;
let controller: AbortController | null = null;
let pendingCosts: number[] = [];
let firstStep = 0;
let lastSnapshot = 0;
/** Mini-batches done and epochs completed, as of the latest event. */
let stepNow = 0;
let epochNow = 0;
/** Bumped by every setup, so a segment of an old model never reports into a new one. */
let generation = 0;

/** A run on the GPU: the trainer and where it stands in its epoch. */
interface GpuRun {
  trainer: WebGpuTrainer;
  /** Draws each epoch's order, as `fit` does from the seed. */
  rng: Rng;
  /** The current epoch's order (null: draw one at the next batch). */
  order: Int32Array | null;
  batchInEpoch: number;
  epochCostSum: number;
  epochSeconds: number;
  /** This epoch's sums of each layer's gradient norms over its monitored batches, and their count. */
  speedSums: { gradB: number; gradW: number }[];
  monitored: number;
  /** This epoch's sums of each layer's angle to the gradient and length ratio (feedback rules), and their counts. */
  alignSums: { angle: number; normRatio: number; count: number }[];
}
let gpuRun: GpuRun | null = null;
/** Batches per `runEpoch` call while playing (one read-back of metrics each). */
const GPU_CHUNK = 25;

/** Messages as the code below writes them: without the setup id, which `post` adds. */
type Message = FromWorker extends infer M ? (M extends unknown ? Omit<M, 'setup'> : never) : never;

function post(message: Message): void {
  const full = { ...message, setup: setup?.id ?? -1 } as FromWorker;
  if (full.type === 'progress') scope.postMessage(full, full.params.map((p) => p.buffer));
  else scope.postMessage(full);
}

function snapshot(isRunning: boolean): void {
  if (!model) return;
  post({ type: 'progress', step: stepNow, epoch: epochNow, costs: pendingCosts, firstStep, params: paramArrays(model), running: isRunning });
  pendingCosts = [];
  firstStep = stepNow;
  lastSnapshot = performance.now();
}

function fail(err: unknown): void {
  const message = err instanceof GlassboxError ? err.message : `internal error: ${err instanceof Error ? err.message : String(err)}`;
  post({ type: 'error', message, diverged: err instanceof DivergenceError });
}

/**
 * Train until stopped (`count` null) or for exactly `count` mini-batches. One `fit` call, resuming
 * the saved state; the optimiser is rebuilt from the current hyper-parameters.
 */
async function segment(count: number | null): Promise<void> {
  if (gpuRun) return gpuSegment(gpuRun, count);
  if (!model || !data || !setup || !hyper) return;
  const gen = generation;
  const m = model;
  const train = data.train;
  const test = data.test;
  controller = new AbortController();
  const ctrl = controller;
  const optimizer = makeOptimizer(hyper, train.labels.length);
  let done = 0;
  const toy = setup.data !== 'mnist';
  const backpropOnly = setup.rule === 'backprop';
  try {
    const result = await fit(m, train, {
      epochs: (state?.epoch ?? 0) + 1_000_000,
      batchSize: setup.batch,
      optimizer,
      // Another rule draws its fixed matrices from the seed's fork in every segment: the same ones.
      rule: backpropOnly ? undefined : ruleByName(setup.rule),
      rng: setup.seed,
      test,
      resume: state,
      monitor: { dynamics: true, alignment: !backpropOnly, every: toy ? 1 : 10 },
      // fit stops right after the batch during which the signal was aborted (so `step` runs exactly
      // `count` batches) and yields to the event loop every 30 ms (so `pause` gets through).
      yieldEveryMs: 30,
      signal: ctrl.signal,
      onEvent: (e) => {
        if (gen !== generation) return;
        if (e.type === 'batch') {
          pendingCosts.push(e.cost);
          stepNow = e.step;
          done++;
          if (count !== null && done >= count) ctrl.abort();
          if (count === null && performance.now() - lastSnapshot > SNAPSHOT_EVERY_MS) snapshot(true);
        } else if (e.type === 'checkpoint') {
          state = e.state;
        } else if (e.type === 'epoch') {
          epochNow = e.record.epoch;
          post({ type: 'epoch', point: { record: e.record, trainAccuracy: toy ? evaluate(m, train).accuracy : undefined } });
        }
      },
    });
    if (gen === generation) {
      state = result.state;
      stepNow = state.step;
      epochNow = state.epoch;
    }
  } catch (err) {
    if (gen === generation) fail(err);
  }
  if (gen === generation) snapshot(false);
}

/** `segment` on the GPU: chunks of batches, epoch records evaluated on the GPU, weights copied back for snapshots only. */
async function gpuSegment(run: GpuRun, count: number | null): Promise<void> {
  if (!model || !data || !setup) return;
  const gen = generation;
  const m = model;
  const { train, test } = data;
  controller = new AbortController();
  const ctrl = controller;
  const toy = setup.data !== 'mnist';
  const perEpoch = run.trainer.batchesPerEpoch;
  let done = 0;
  try {
    while (!ctrl.signal.aborted && (count === null || done < count)) {
      run.order ??= run.rng.permutation(train.labels.length);
      const batches = Math.min(perEpoch - run.batchInEpoch, count === null ? GPU_CHUNK : count - done);
      const r = await run.trainer.runEpoch(run.order, { firstBatch: run.batchInEpoch, batches });
      if (gen !== generation) return;
      for (const c of r.batchCosts) {
        pendingCosts.push(c);
        run.epochCostSum += c;
      }
      run.epochSeconds += r.seconds;
      for (const g of r.gradientNorms ?? []) {
        run.monitored++;
        g.gradW.forEach((w, l) => {
          run.speedSums[l].gradW += w;
          run.speedSums[l].gradB += g.gradB[l];
        });
      }
      for (const a of r.alignment ?? []) {
        a.angle.forEach((angle, l) => {
          if (!Number.isFinite(angle)) return; // as fit: a zero update or gradient has no direction
          run.alignSums[l].angle += angle;
          run.alignSums[l].normRatio += a.normRatio[l];
          run.alignSums[l].count++;
        });
      }
      run.batchInEpoch += batches;
      stepNow += batches;
      done += batches;
      if (run.batchInEpoch === perEpoch) {
        const testEval = await run.trainer.evaluate(test);
        const trainAccuracy = toy ? (await run.trainer.evaluate()).accuracy : undefined;
        if (gen !== generation) return;
        epochNow++;
        const dynamics = run.monitored > 0
          ? run.speedSums.map((sum, l) => ({ layer: l + 2, gradB: sum.gradB / run.monitored, gradW: sum.gradW / run.monitored }))
          : undefined;
        const alignment = run.alignSums.some((a) => a.count > 0)
          ? run.alignSums.flatMap((a, l) => (a.count > 0 ? [{ layer: l + 2, angle: a.angle / a.count, normRatio: a.normRatio / a.count }] : []))
          : undefined;
        post({ type: 'epoch', point: { record: { epoch: epochNow, trainCost: run.epochCostSum / perEpoch, seconds: run.epochSeconds, test: testEval, dynamics, alignment }, trainAccuracy } });
        run.order = null;
        run.batchInEpoch = 0;
        run.epochCostSum = run.epochSeconds = 0;
        run.speedSums = freshSpeedSums(m);
        run.alignSums = freshAlignSums(m);
        run.monitored = 0;
      }
      if (count === null && performance.now() - lastSnapshot > SNAPSHOT_EVERY_MS) {
        await run.trainer.copyToModel(m);
        if (gen !== generation) return;
        snapshot(true);
      }
    }
  } catch (err) {
    if (gen === generation) fail(err);
  }
  if (gen === generation) {
    try {
      await run.trainer.copyToModel(m);
    } catch (err) {
      fail(err);
    }
    if (gen === generation) snapshot(false);
  }
}

/** Make a CPU backend active: `wasm` when it loads (else `js`, saying why), or `js`. */
async function useCpu(name: 'wasm' | 'js'): Promise<{ backend: 'wasm' | 'js'; note: string | null }> {
  if (name === 'wasm') {
    try {
      await initWasmBackend();
      setBackend('wasm');
      return { backend: 'wasm', note: null };
    } catch (err) {
      setBackend('js');
      return { backend: 'js', note: `The WebAssembly backend could not be used (${err instanceof Error ? err.message : String(err)}); training on js.` };
    }
  }
  setBackend('js');
  return { backend: 'js', note: null };
}

/**
 * A GPU trainer for the current model, data and hyper-parameters, as makeOptimizer's on the CPU
 * (momentum 0.9; Adam with its defaults), monitored as `segment` monitors fit: every batch of a toy
 * set, every 10th of MNIST; a feedback rule's angle to the gradient on the same batches (throws
 * when WebGPU or the settings do not allow one).
 */
async function makeGpuTrainer(m: Sequential, train: Dataset, s: Setup, hy: Hyper): Promise<WebGpuTrainer> {
  if (!GPU_RULES.includes(s.rule)) throw new UnsupportedError(`the WebGPU trainer runs ${GPU_RULES.join(', ')}, not ${s.rule}`);
  // Feedback alignment's or DFA's fixed matrices, drawn as fit draws them: on the seed's first fork.
  const feedback = gpuFeedback(ruleByName(s.rule), m, new Rng(s.seed).fork());
  const every = s.data !== 'mnist' ? 1 : 10;
  return createWebGpuTrainer(m, train, {
    feedback, monitorEvery: every, ...(feedback ? { alignEvery: every } : {}),
    batchSize: s.batch, eta: hy.eta, momentum: hy.optimizer === 'momentum' ? 0.9 : 0, ...(hy.optimizer === 'adam' ? { adam: {} } : {}),
    lambda: hy.lambda, trainingSize: train.labels.length,
  });
}

/** Zeroed per-layer sums of the learning speed, for a new epoch. */
function freshSpeedSums(m: Sequential): { gradB: number; gradW: number }[] {
  return m.layers.map(() => ({ gradB: 0, gradW: 0 }));
}

/** Zeroed per-layer sums of the angle to the gradient, for a new epoch. */
function freshAlignSums(m: Sequential): { angle: number; normRatio: number; count: number }[] {
  return m.layers.map(() => ({ angle: 0, normRatio: 0, count: 0 }));
}

/** Why the GPU was not used, in words a learner can act on. */
function gpuRefusal(err: unknown): string {
  if (err instanceof UnsupportedError || err instanceof ArgumentError) return err.message;
  throw err;
}

/** A `fit` state that continues a GPU run on the CPU from the next epoch (the GPU's partial epoch is dropped). */
function cpuStateAfterGpu(run: GpuRun, m: Sequential, hy: Hyper): TrainState {
  return {
    epoch: epochNow, batchInEpoch: 0, step: stepNow, epochRng: run.rng.state(), rng: run.rng.state(),
    optimizer: makeOptimizer(hy, data?.train.labels.length ?? 1).init(m.parameters()), epochCostSum: 0, epochSeconds: 0, history: [],
  };
}

/** New hyper-parameters for a GPU run: η in place; another optimiser or λ by a new trainer (its optimiser state fresh, as on the CPU). */
async function retuneGpu(run: GpuRun, before: Hyper, next: Hyper): Promise<void> {
  if (!model || !data || !setup) return;
  if (next.optimizer === before.optimizer && next.lambda === before.lambda) {
    run.trainer.setLearningRate(next.eta);
    return;
  }
  await run.trainer.copyToModel(model);
  run.trainer.destroy();
  try {
    run.trainer = await makeGpuTrainer(model, data.train, setup, next);
  } catch (err) {
    const why = err instanceof GlassboxError ? err.message : `internal error: ${err instanceof Error ? err.message : String(err)}`;
    gpuRun = null;
    state = cpuStateAfterGpu(run, model, next);
    const cpu = await useCpu('wasm');
    post({ type: 'backend', backend: cpu.backend, note: `WebGPU is not used from here on: ${why}. Training continues on ${cpuLabel(cpu.backend)}.`, threads: cpuThreads(cpu.backend) });
  }
}

function start(count: number | null): void {
  if (running) return;
  running = segment(count).finally(() => {
    running = null;
    controller = null;
  });
}

async function stop(): Promise<void> {
  controller?.abort();
  await running;
}

async function doSetup(next: Setup): Promise<void> {
  await stop();
  gpuRun?.trainer.destroy();
  gpuRun = null;
  generation++;
  const gen = generation;
  setup = next;
  hyper = { optimizer: next.optimizer, eta: next.eta, lambda: next.lambda };
  state = undefined;
  pendingCosts = [];
  firstStep = stepNow = epochNow = 0;
  model = null;
  try {
    const d = await loadExplorerData(next.data, next.noise, next.seed, next.mnistBase);
    if (gen !== generation) return;
    data = d;
    model = buildModel(next);
    await chooseBackend(next, model, d.train, gen);
    if (gen !== generation) return;
    post({ type: 'ready', trainCount: d.train.labels.length, testCount: d.test.labels.length, batchesPerEpoch: Math.ceil(d.train.labels.length / next.batch) });
    snapshot(false);
    // Epoch 0: where training starts from (test cost and accuracy of the initial weights).
    const toy = next.data !== 'mnist';
    const test = evaluate(model, d.test);
    if (gen === generation) {
      post({ type: 'epoch', point: { record: { epoch: 0, trainCost: NaN, seconds: 0, test }, trainAccuracy: toy ? evaluate(model, d.train).accuracy : undefined } });
    }
  } catch (err) {
    if (gen === generation) fail(err);
  }
}

/** Threads the CPU backend in use runs its kernels on (wasm: 1 or 2; js: 1). */
function cpuThreads(backend: 'wasm' | 'js'): number {
  return backend === 'wasm' ? wasmInfo().threads : 1;
}

/** How a note names the CPU backend: `wasm (2 threads)`, `wasm (1 thread)` or `js`. */
function cpuLabel(backend: 'wasm' | 'js'): string {
  if (backend === 'js') return 'js';
  const n = cpuThreads(backend);
  return `wasm (${n} thread${n === 1 ? '' : 's'})`;
}

/** Make the setup's backend active (a GPU trainer for webgpu/auto when possible) and tell the page which one runs. */
async function chooseBackend(next: Setup, m: Sequential, train: Dataset, gen: number): Promise<void> {
  if (next.backend === 'js' || next.backend === 'wasm') {
    const cpu = await useCpu(next.backend);
    post({ type: 'backend', backend: cpu.backend, note: cpu.note, threads: cpuThreads(cpu.backend) });
    return;
  }
  const cpu = await useCpu('wasm'); // for evaluation and the views, and the fallback
  let why: string;
  try {
    const trainer = await makeGpuTrainer(m, train, next, { optimizer: next.optimizer, eta: next.eta, lambda: next.lambda });
    if (gen !== generation) {
      trainer.destroy();
      return;
    }
    const rng = new Rng(next.seed);
    rng.fork(); // as `fit` does for its rule, so the epochs' orders come from the same stream
    gpuRun = { trainer, rng, order: null, batchInEpoch: 0, epochCostSum: 0, epochSeconds: 0, speedSums: freshSpeedSums(m), monitored: 0, alignSums: freshAlignSums(m) };
    post({ type: 'backend', backend: 'webgpu', note: null, threads: 1 });
    return;
  } catch (err) {
    why = gpuRefusal(err);
  }
  const note = next.backend === 'webgpu'
    ? `WebGPU could not be used: ${why}. Training on ${cpuLabel(cpu.backend)} instead.`
    : `auto chose ${cpuLabel(cpu.backend)}: WebGPU could not be used (${why}).`;
  post({ type: 'backend', backend: cpu.backend, note: cpu.note ? `${note} ${cpu.note}` : note, threads: cpuThreads(cpu.backend) });
}

// Messages are handled one after another, so a `step` that arrives during `setup` waits for it.
let queue: Promise<void> = Promise.resolve();

scope.onmessage = (event) => {
  const msg = event.data;
  queue = queue.then(async () => {
    switch (msg.type) {
      case 'setup':
        await doSetup(msg.setup);
        break;
      case 'play':
        start(null);
        break;
      case 'pause':
        await stop();
        break;
      case 'step':
        await stop();
        start(Math.max(1, Math.floor(msg.count)));
        await running;
        break;
      case 'hyper': {
        const wasRunning = running !== null;
        await stop();
        const before = hyper;
        hyper = msg.hyper;
        if (gpuRun && before) {
          try {
            await retuneGpu(gpuRun, before, hyper);
          } catch (err) {
            fail(err);
          }
        } else if (state && model) state.optimizer = makeOptimizer(hyper, data?.train.labels.length ?? 1).init(model.parameters());
        if (wasRunning) start(null);
        break;
      }
    }
  });
};
