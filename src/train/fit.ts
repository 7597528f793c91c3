/**
 * train/fit — the training loop: epochs of shuffled mini-batches, a learning rule for the update
 * directions, an optimiser for the step, evaluation, events, divergence detection and resumable
 * state. It prints nothing: callers (CLI, explorer) listen to events.
 *
 * Determinism: one Rng drives everything random in a run. At each epoch start its state is saved
 * in `TrainState.epochRng`; the epoch's permutation is drawn from it, then the rule's per-step
 * randomness from the same stream. A checkpoint taken mid-epoch therefore resumes to the exact
 * same batches and the same final weights.
 */
import type { Dataset } from '../data/types.js';
import type { Sequential } from '../nn/model.js';
import type { Optimizer, OptimizerState } from '../optim/optimizers.js';
import { alignment } from '../rules/alignment.js';
import { backprop } from '../rules/backprop.js';
import { compileFastDense } from '../rules/fast-dense.js';
import type { LearningRule } from '../rules/rule.js';
import * as T from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, DivergenceError } from '../util/errors.js';
import { formatNumber } from '../util/format.js';
import { Rng, type RngState } from '../util/rng.js';
import { evaluate, type Evaluation } from './evaluate.js';

/** One epoch's line of the training history. */
export interface EpochRecord {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean of the batch costs over the epoch (before each update). */
  trainCost: number;
  validation?: Evaluation;
  test?: Evaluation;
  /** Wall-clock seconds of the epoch's training (evaluation excluded). */
  seconds: number;
  /** Per weight layer (Nielsen l = 2 … L): mean ‖∂C/∂b^l‖ and ‖∂C/∂W^l‖ over monitored batches. */
  dynamics?: LayerSpeed[];
  /**
   * Per weight layer: how the rule's updates of W^l stood to backprop's gradient on monitored batches
   * (a layer whose update or gradient was zero on all of them has no direction and is left out).
   */
  alignment?: LayerAlignment[];
}

/**
 * How a learning rule's update direction for W^l compares with the true gradient ∂C/∂W^l on the same
 * batch (the measure of Lillicrap et al. 2016, Fig. 2: feedback alignment's hidden updates start at
 * about 90° and fall below it as W comes to align with Bᵀ).
 */
export interface LayerAlignment {
  /** Nielsen's layer number l (2 … L). */
  layer: number;
  /** Mean angle in degrees between the rule's ∂W^l and backprop's (0: the same direction, 90: orthogonal). */
  angle: number;
  /** Mean ‖rule's ∂W^l‖ / ‖backprop's ∂W^l‖. */
  normRatio: number;
}

/** Learning speed of one layer (Nielsen ch. 5). */
export interface LayerSpeed {
  /** Nielsen's layer number l (2 … L). */
  layer: number;
  /** Mean ‖∂C/∂b^l‖ — Nielsen's "speed of learning" of the layer. */
  gradB: number;
  /** Mean ‖∂C/∂W^l‖. */
  gradW: number;
}

/** Everything needed to continue a run exactly where it stopped. */
export interface TrainState {
  /** Epochs completed. */
  epoch: number;
  /** Batches completed in the current epoch. */
  batchInEpoch: number;
  /** Global step (batches completed since the start). */
  step: number;
  /** Rng state at the start of the current epoch (its permutation is redrawn from it). */
  epochRng: RngState;
  /** Rng state now (for the rule's randomness), after `batchInEpoch` batches. */
  rng: RngState;
  optimizer: OptimizerState;
  /** Running sums of the current epoch. */
  epochCostSum: number;
  epochSeconds: number;
  history: EpochRecord[];
  /** The last finite batch cost seen (absent in older checkpoints: unknown), named if a resumed run diverges at once. */
  lastFiniteCost?: number;
  /**
   * The monitor's running sums over the current epoch's monitored batches (absent: none yet, or a
   * checkpoint older than them), so that an epoch resumed mid-way is recorded over all of them.
   */
  epochMonitor?: EpochMonitorSums;
}

/** Running sums of the monitored batches of an epoch, per weight layer (index 0: Nielsen's layer 2). */
export interface EpochMonitorSums {
  /** Monitored batches so far. */
  batches: number;
  /** Σ ‖∂C/∂b^l‖ and Σ ‖∂C/∂W^l‖ (dynamics). */
  speed: { gradB: number; gradW: number }[];
  /** Σ angle and Σ length ratio over the `count` batches where the direction was defined (alignment). */
  align: { angle: number; normRatio: number; count: number }[];
}

/** A copy of monitor sums (undefined stays undefined). */
export function copyMonitor(sums: EpochMonitorSums | undefined): EpochMonitorSums | undefined {
  return sums && { batches: sums.batches, speed: sums.speed.map((s) => ({ ...s })), align: sums.align.map((a) => ({ ...a })) };
}

/** The epoch's monitor sums from `state` when it holds them for `layers` layers, else zeros. */
export function epochMonitorSums(state: TrainState, layers: number): EpochMonitorSums {
  const saved = state.epochMonitor;
  if (state.batchInEpoch > 0 && saved && saved.speed.length === layers && saved.align.length === layers) return saved;
  return {
    batches: 0,
    speed: Array.from({ length: layers }, () => ({ gradB: 0, gradW: 0 })),
    align: Array.from({ length: layers }, () => ({ angle: 0, normRatio: 0, count: 0 })),
  };
}

/** The epoch record's `dynamics` and `alignment` from its monitor sums (absent where nothing was measured). */
export function monitorRecord(sums: EpochMonitorSums, dynamics: boolean, alignment: boolean): Pick<EpochRecord, 'dynamics' | 'alignment'> {
  const out: Pick<EpochRecord, 'dynamics' | 'alignment'> = {};
  const n = sums.batches;
  if (dynamics && n > 0) out.dynamics = sums.speed.map((s, l) => ({ layer: l + 2, gradB: s.gradB / n, gradW: s.gradW / n }));
  if (alignment && sums.align.some((s) => s.count > 0)) {
    out.alignment = sums.align.flatMap((s, l) => (s.count > 0 ? [{ layer: l + 2, angle: s.angle / s.count, normRatio: s.normRatio / s.count }] : []));
  }
  return out;
}

/** Events emitted by `fit`, in order: start, (batch…, epoch)…, end. */
export type TrainEvent =
  | { type: 'start'; epochs: number; batchesPerEpoch: number; examples: number; parameters: number; resumedFrom: number | null }
  | { type: 'batch'; epoch: number; batch: number; batches: number; step: number; cost: number }
  | { type: 'epoch'; record: EpochRecord }
  | { type: 'checkpoint'; state: TrainState; reason: 'epoch' | 'timer' | 'stop' }
  | { type: 'end'; history: EpochRecord[]; stopped: boolean };

/** Options of `fit`. */
export interface FitOptions {
  epochs: number;
  batchSize: number;
  optimizer: Optimizer;
  /** Learning rule (default: backprop). */
  rule?: LearningRule;
  /** Seed or generator (default 0). */
  rng?: Rng | number;
  validation?: Dataset;
  test?: Dataset;
  /**
   * Called for every event; a promise it returns is awaited before training goes on (return one only
   * when needed: at batch 10 a turn of the event loop per batch is measurable).
   */
  onEvent?: (event: TrainEvent) => void | Promise<void>;
  /**
   * Every `every` batches (default 10): record per-layer gradient norms (`dynamics`), and, for a rule
   * other than backprop, the angle between its update of each W^l and backprop's gradient on the
   * same batch (`alignment`: one extra backprop step per monitored batch; the rule's own update and
   * randomness are untouched).
   */
  monitor?: { dynamics?: boolean; alignment?: boolean; every?: number };
  /** Emit a 'checkpoint' event every this many seconds, besides every epoch end. */
  checkpointEverySeconds?: number;
  /** Stop after the current batch (a 'checkpoint' event with reason 'stop' is emitted). */
  signal?: AbortSignal;
  /** Continue from a saved state. */
  resume?: TrainState;
  /** Yield to the event loop about this often (ms) so progress and signals get through (default 50). */
  yieldEveryMs?: number;
}

/** What `fit` returns. */
export interface FitResult {
  history: EpochRecord[];
  state: TrainState;
  /** True when stopped by the signal before the last epoch ended. */
  stopped: boolean;
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());
/** The fused step's stand-in for the general step's gradients (it applies them itself). */
const NO_GRADIENTS: Tensor[] = [];
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** "last finite cost 0.4123", or "no finite cost yet" when none is known (never "NaN"). */
function describeLastCost(cost: number): string {
  return Number.isFinite(cost) ? `last finite cost ${formatNumber(cost)}` : 'no finite cost yet';
}

/**
 * The permutation of this epoch: drawn from `rng` at an epoch's start (its state saved first as
 * `epochRng`), redrawn from `epochRng` when resuming mid-epoch. fit and fitWebGpu both use it, so
 * their TrainStates mean the same batches.
 */
export function epochOrder(state: TrainState, rng: Rng, n: number): Int32Array {
  if (state.batchInEpoch > 0) return Rng.fromState(state.epochRng).permutation(n); // rng already holds the state after the completed batches
  state.epochRng = rng.state();
  return rng.permutation(n);
}

/** Close an epoch in `state`: its record into the history, the running sums reset, the Rng saved. */
export function endEpoch(state: TrainState, record: EpochRecord, rng: Rng): void {
  state.history.push(record);
  state.epoch++;
  state.batchInEpoch = 0;
  state.epochCostSum = 0;
  state.epochSeconds = 0;
  delete state.epochMonitor;
  state.rng = rng.state();
}

/**
 * Train `model` in place on `train` with mini-batch gradient descent.
 * @throws DivergenceError when a batch cost stops being finite, naming the step and the last finite cost.
 */
export async function fit(model: Sequential, train: Dataset, options: FitOptions): Promise<FitResult> {
  const { epochs, batchSize, optimizer } = options;
  if (!Number.isInteger(epochs) || epochs < 1) throw new ArgumentError(`fit: epochs must be an integer ≥ 1, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ArgumentError(`fit: batchSize must be an integer ≥ 1, got ${batchSize}`);
  const n = train.labels.length;
  if (n === 0) throw new ArgumentError('fit: the training set is empty');
  if (train.x.shape[1] !== model.inputSize) {
    throw new ArgumentError(`fit: the data has ${train.x.shape[1]} features but the model's input layer has ${model.inputSize} neurons`);
  }
  const outputs = model.sizes[model.sizes.length - 1];
  if (train.classes !== outputs) {
    throw new ArgumentError(`fit: the data has ${train.classes} classes but the model's output layer has ${outputs} neurons`);
  }
  const monitorEvery = options.monitor?.every ?? 10;
  const align = options.monitor?.alignment === true;
  if ((options.monitor?.dynamics || align) && !(Number.isInteger(monitorEvery) && monitorEvery >= 1)) {
    throw new ArgumentError(`fit: monitor.every must be an integer ≥ 1, got ${monitorEvery}`);
  }
  const rule = options.rule ?? backprop;
  if (align && rule.name === 'backprop') {
    throw new ArgumentError("fit: monitor.alignment compares a rule's updates with backprop's gradient; with backprop itself there is nothing to compare (choose another rule)");
  }
  const params = model.parameters();
  const rng = options.rng instanceof Rng ? options.rng : new Rng(options.rng ?? 0);
  const ruleState = rule.init(model, rng.fork());
  const batchesPerEpoch = Math.ceil(n / batchSize);
  const yieldEvery = options.yieldEveryMs ?? 50;
  // The listener's promise, if it returned one: callers await that alone, so a batch event from a
  // synchronous listener costs no turn of the event loop (measurable at batch 10).
  const emit = (e: TrainEvent): void | Promise<void> => options.onEvent?.(e);

  let state: TrainState;
  if (options.resume) {
    // Copies of what the loop changes in place: the caller's state stays as it was given.
    state = { ...options.resume, history: options.resume.history.map((r) => ({ ...r })), epochMonitor: copyMonitor(options.resume.epochMonitor) };
    rng.setState(state.rng);
  } else {
    state = {
      epoch: 0, batchInEpoch: 0, step: 0, epochRng: rng.state(), rng: rng.state(),
      optimizer: optimizer.init(params), epochCostSum: 0, epochSeconds: 0, history: [],
    };
  }

  // Backprop on dense layers with SGD or Adam: the fused, allocation-free step (rules/fast-dense),
  // same results to float32 round-off; every other run takes the rule's general step. The dynamics
  // monitor reads the fused step's gradient norms (`norms`) on the batches it samples.
  const fast = rule === backprop ? compileFastDense(model, optimizer, batchSize) : null;
  const norms = fast && options.monitor?.dynamics ? new Float64Array(2 * model.layers.length) : undefined;

  await emit({ type: 'start', epochs, batchesPerEpoch, examples: n, parameters: model.parameterCount(), resumedFrom: options.resume ? state.step : null });
  // A resumed run that diverges on its first batch still names a real cost: the saved one, else the
  // last epoch's mean training cost; NaN only when no finite cost is known at all.
  let lastFiniteCost = state.lastFiniteCost ?? state.history.at(-1)?.trainCost ?? NaN;
  let lastYield = now();
  let lastCheckpoint = now();
  let stopped = false;

  for (; state.epoch < epochs && !stopped; ) {
    const order = epochOrder(state, rng, n);
    // The monitor's sums live in the state, so a checkpoint carries them into a resumed epoch.
    const sums = options.monitor?.dynamics || align ? (state.epochMonitor = epochMonitorSums(state, model.layers.length)) : null;
    let t0 = now();

    for (let batch = state.batchInEpoch; batch < batchesPerEpoch; batch++) {
      const indices = order.subarray(batch * batchSize, Math.min(n, (batch + 1) * batchSize));
      let cost: number;
      let grads: Tensor[] = NO_GRADIENTS;
      if (fast) {
        const next = batch + 1 < batchesPerEpoch ? order.subarray((batch + 1) * batchSize, Math.min(n, (batch + 2) * batchSize)) : undefined;
        const observe = norms && batch % monitorEvery === 0 ? norms : undefined;
        cost = fast.step(train.x, train.y, indices, state.optimizer, next, observe);
      } else {
        const x = T.gatherRows(train.x, indices);
        const y = T.gatherRows(train.y, indices);
        // The true gradient of this batch, before the rule's update (backprop draws nothing from rng).
        const truth = align && batch % monitorEvery === 0 ? backprop.step(model, { x, y }, null, rng).grads : null;
        ({ cost, grads } = rule.step(model, { x, y }, ruleState, rng));
        if (truth) {
          model.layers.forEach((_, l) => {
            const { angle, normRatio } = alignment(grads[2 * l], truth[2 * l]);
            if (!Number.isFinite(angle)) return; // a zero update or gradient has no direction
            sums!.align[l].angle += angle;
            sums!.align[l].normRatio += normRatio;
            sums!.align[l].count++;
          });
        }
      }
      if (!Number.isFinite(cost)) {
        throw new DivergenceError(
          `training diverged at step ${state.step} (epoch ${state.epoch + 1}, batch ${batch + 1}): the cost became ${cost}; ` +
            `${describeLastCost(lastFiniteCost)}. Is the learning rate too high?`,
          state.step,
          lastFiniteCost,
        );
      }
      lastFiniteCost = state.lastFiniteCost = cost;
      if (sums && batch % monitorEvery === 0) sums.batches++;
      if (options.monitor?.dynamics && batch % monitorEvery === 0) {
        model.layers.forEach((_, l) => {
          sums!.speed[l].gradW += norms ? norms[2 * l] : T.norm(grads[2 * l]);
          sums!.speed[l].gradB += norms ? norms[2 * l + 1] : T.norm(grads[2 * l + 1]);
        });
      }
      if (!fast) optimizer.step(params, grads, state.optimizer); // (the fused step has updated already)
      state.batchInEpoch = batch + 1;
      state.step++;
      state.epochCostSum += cost;
      const pending = emit({ type: 'batch', epoch: state.epoch + 1, batch: batch + 1, batches: batchesPerEpoch, step: state.step, cost });
      if (pending) await pending;

      const t = now();
      if (options.signal?.aborted) {
        // Stop right after this batch, as documented (not only at the next yield).
        state.epochSeconds += (t - t0) / 1000;
        stopped = true;
        break;
      }
      if (t - lastYield > yieldEvery) {
        state.epochSeconds += (t - t0) / 1000;
        state.rng = rng.state();
        await yieldToEventLoop();
        lastYield = t0 = now();
        if (options.signal?.aborted) {
          stopped = true;
          break;
        }
        if (options.checkpointEverySeconds && (lastYield - lastCheckpoint) / 1000 >= options.checkpointEverySeconds && state.batchInEpoch < batchesPerEpoch) {
          await emit({ type: 'checkpoint', state, reason: 'timer' });
          lastCheckpoint = lastYield = t0 = now();
        }
      }
    }
    if (stopped) break;
    state.epochSeconds += (now() - t0) / 1000;

    const record: EpochRecord = { epoch: state.epoch + 1, trainCost: state.epochCostSum / batchesPerEpoch, seconds: state.epochSeconds };
    const predict = rule.predict?.bind(rule); // rules with their own read-out (forward-forward)
    if (options.validation) record.validation = evaluate(model, options.validation, 1000, predict);
    if (options.test) record.test = evaluate(model, options.test, 1000, predict);
    if (sums) Object.assign(record, monitorRecord(sums, options.monitor?.dynamics === true, align));
    for (const p of params) {
      if (!T.allFinite(p.value)) {
        throw new DivergenceError(`training diverged in epoch ${state.epoch + 1}: parameter ${p.name} is no longer finite. Is the learning rate too high?`, state.step, lastFiniteCost);
      }
    }
    endEpoch(state, record, rng);
    await emit({ type: 'epoch', record });
    await emit({ type: 'checkpoint', state, reason: 'epoch' });
    lastCheckpoint = now();
  }
  if (stopped) {
    state.rng = rng.state();
    await emit({ type: 'checkpoint', state, reason: 'stop' });
  }
  await emit({ type: 'end', history: state.history, stopped });
  return { history: state.history, state, stopped };
}
