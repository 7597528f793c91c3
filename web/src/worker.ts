/**
 * web/worker — training in a Web Worker, so the page never freezes. It owns the model being
 * trained and runs the library's `fit` in segments: `play` runs until `pause`, `step` runs exactly
 * N mini-batches; each segment resumes the previous one's TrainState, so pausing changes nothing
 * about the run (same batches, same weights). It posts parameter snapshots, batch costs, epoch
 * records (test accuracy, per-layer learning speed) and errors to the page.
 */
import { DivergenceError, evaluate, fit, GlassboxError, type Sequential, type TrainState } from 'glassbox';
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
  try {
    const result = await fit(m, train, {
      epochs: (state?.epoch ?? 0) + 1_000_000,
      batchSize: setup.batch,
      optimizer,
      rng: setup.seed,
      test,
      resume: state,
      monitor: { dynamics: true, every: toy ? 1 : 10 },
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
        hyper = msg.hyper;
        if (state && model) state.optimizer = makeOptimizer(hyper, data?.train.labels.length ?? 1).init(model.parameters());
        if (wasRunning) start(null);
        break;
      }
    }
  });
};
