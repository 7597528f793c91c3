/**
 * train/fit-webgpu — `fit`'s loop on the GPU: the same epochs, permutations, events, checkpoints,
 * Ctrl-C stop and resume, with the batches run by the WebGPU dense trainer
 * (tensor/kernels/webgpu/trainer.ts: SGD, momentum or Adam, with L2 and L1, on dense networks
 * trained by backprop, feedback alignment or direct feedback alignment).
 *
 * Its TrainState is fit's: the Rng is drawn in the same order (one fork at the start, then one
 * permutation per epoch from `epochRng`), and the optimiser's buffers (momentum's v, Adam's m and
 * v) and step count go into `optimizer`. A checkpoint written by either loop therefore resumes in
 * the other, on the same batches. Within
 * this loop a stop and a resume give bit-identical weights to an uninterrupted run: the GPU runs the
 * same dispatches in the same order however the batches are grouped into calls.
 *
 * The GPU's weights and velocities are read back only for checkpoints and at the end; validation
 * and test accuracy are computed on the GPU, once per epoch.
 */
import type { Dataset } from '../data/types.js';
import type { Sequential } from '../nn/model.js';
import { createWebGpuTrainer, type FeedbackRule, type WebGpuTrainerOptions } from '../tensor/kernels/webgpu/index.js';
import * as T from '../tensor/ops.js';
import { ArgumentError, DivergenceError } from '../util/errors.js';
import { formatNumber } from '../util/format.js';
import type { LearningRule } from '../rules/rule.js';
import type { Tensor } from '../tensor/tensor.js';
import { Rng } from '../util/rng.js';
import type { Evaluation } from './evaluate.js';
import { copyMonitor, endEpoch, epochMonitorSums, epochOrder, monitorRecord, type EpochRecord, type FitResult, type TrainEvent, type TrainState } from './fit.js';

/**
 * Options of `fitWebGpu`: fit's loop options, and the trainer's (batch size, the optimiser by its
 * numbers — η, momentum or Adam's, L2, L1 — and the device and tiles).
 */
export interface FitWebGpuOptions extends Pick<WebGpuTrainerOptions,
  'batchSize' | 'eta' | 'momentum' | 'lambda' | 'l1' | 'adam' | 'trainingSize' | 'context' | 'device' | 'tiles'> {
  epochs: number;
  /** Seed or generator (default 0), drawn from exactly as `fit` draws. */
  rng?: Rng | number;
  validation?: Dataset;
  test?: Dataset;
  /** As fit's: a promise the listener returns is awaited before training goes on. */
  onEvent?: (event: TrainEvent) => void | Promise<void>;
  /** Emit a 'checkpoint' event every this many seconds (between calls to the GPU), besides every epoch end. */
  checkpointEverySeconds?: number;
  /** Stop at the end of the current call to the GPU (a 'checkpoint' event with reason 'stop' is emitted). */
  signal?: AbortSignal;
  /** Continue from a saved state (written by `fit` or by `fitWebGpu`). */
  resume?: TrainState;
  /**
   * Aim each call to the GPU at this many seconds (default 0.25): the signal, the timer and batch
   * events are handled between calls. Calls start at 16 batches and grow or shrink to this aim.
   */
  secondsPerCall?: number;
  /** Or: exactly this many batches per call (tests). */
  batchesPerCall?: number;
  /**
   * As fit's, on the batches whose index in the epoch is a multiple of `every` (default 10):
   * `dynamics` records each layer's mean ‖∂C/∂b^l‖ and ‖∂C/∂W^l‖ in each epoch's record, measured
   * by the update dispatches themselves (the trainer's `monitorEvery`); `alignment` (feedback
   * alignment and DFA) the mean angle between each layer's update and backprop's ∂C/∂W^l of the
   * same batch (the trainer's `alignEvery`).
   */
  monitor?: { dynamics?: boolean; alignment?: boolean; every?: number };
  /**
   * The learning rule (default `backprop`): `backprop`, `feedbackAlignment()` or
   * `directFeedbackAlignment()` (rules/) — the rules whose updates are backprop's but for the
   * matrices the error goes down through. Their fixed matrices are drawn by the rule's `init` from
   * the generator fit forks for it, so they are fit's, and a resumed run redraws the same ones.
   */
  rule?: LearningRule;
}

/** The rules the GPU trainer runs, by name. */
export const GPU_RULES: readonly string[] = ['backprop', 'feedback-alignment', 'direct-feedback-alignment'];

/**
 * The GPU trainer's `feedback` option for `rule` on `model`: undefined for backprop; for feedback
 * alignment and DFA their fixed matrices, drawn by the rule's own `init` from `rng` — `fit`'s fork
 * of its generator (`new Rng(seed).fork()` for a fresh run) gives `fit`'s matrices.
 * @throws ArgumentError for a rule the GPU trainer does not run (naming it)
 */
export function gpuFeedback(rule: LearningRule, model: Sequential, rng: Rng): WebGpuTrainerOptions['feedback'] {
  if (!GPU_RULES.includes(rule.name)) throw new ArgumentError(`fitWebGpu: the GPU trainer runs ${GPU_RULES.join(', ')}, not '${rule.name}' (train it with fit)`);
  if (rule.name === 'backprop') return undefined;
  const state = rule.init(model, rng) as { feedback: (Tensor | null)[] }; // FeedbackAlignmentState, DirectFeedbackAlignmentState
  return { rule: rule.name as FeedbackRule, matrices: state.feedback };
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * Train `model` in place on the GPU, as `fit` with backprop and `sgd({ eta, momentum, lambda, l1 })`
 * (or `adam({ eta, beta1, beta2, epsilon, lambda, l1 })` with `adam`) would on the CPU, to float32
 * round-off.
 * @throws ArgumentError for bad options; UnsupportedError when WebGPU is not available (from the
 *   trainer, before anything is trained); DivergenceError when a batch cost stops being finite,
 *   naming the step (the model's tensors then hold the weights of the last checkpoint, or of the
 *   start when there was none: they are written only at checkpoints and at the end)
 */
export async function fitWebGpu(model: Sequential, train: Dataset, options: FitWebGpuOptions): Promise<FitResult> {
  const { epochs, batchSize } = options;
  if (!Number.isInteger(epochs) || epochs < 1) throw new ArgumentError(`fitWebGpu: epochs must be an integer ≥ 1, got ${epochs}`);
  if (options.batchesPerCall !== undefined && !(Number.isInteger(options.batchesPerCall) && options.batchesPerCall >= 1)) {
    throw new ArgumentError(`fitWebGpu: batchesPerCall must be an integer ≥ 1, got ${options.batchesPerCall}`);
  }
  const align = options.monitor?.alignment === true;
  const every = options.monitor?.dynamics || align ? options.monitor?.every ?? 10 : undefined;
  if (every !== undefined && !(Number.isInteger(every) && every >= 1)) {
    throw new ArgumentError(`fitWebGpu: monitor.every must be an integer ≥ 1, got ${every}`);
  }
  if (align && (options.rule ?? { name: 'backprop' }).name === 'backprop') {
    throw new ArgumentError("fitWebGpu: monitor.alignment compares a rule's updates with backprop's gradient; with backprop itself there is nothing to compare (choose another rule)");
  }
  const monitorEvery = options.monitor?.dynamics ? every : undefined;
  const aim = options.secondsPerCall ?? 0.25;
  if (!(aim > 0)) throw new ArgumentError(`fitWebGpu: secondsPerCall must be a number > 0, got ${options.secondsPerCall}`);
  const n = train.labels.length;
  const momentum = options.momentum ?? 0;
  const params = model.parameters();
  const perParameter = options.adam ? 2 : momentum > 0 ? 1 : 0; // optim's buffers: Adam [m, v], momentum [v]
  if (options.resume) checkResume(options.resume, params.map((p) => p.value.size), perParameter);

  const rng = options.rng instanceof Rng ? options.rng : new Rng(options.rng ?? 0);
  // The rule's matrices as fit draws them (rule.init on rng.fork()), from a copy of the generator:
  // the trainer comes first, so that if the GPU cannot take the run the caller's Rng is unchanged.
  const feedback = options.rule ? gpuFeedback(options.rule, model, Rng.fromState(rng.state()).fork()) : undefined;
  const trainer = await createWebGpuTrainer(model, train, {
    batchSize, eta: options.eta, momentum, lambda: options.lambda, l1: options.l1, adam: options.adam, trainingSize: options.trainingSize,
    context: options.context, device: options.device, tiles: options.tiles, monitorEvery, feedback,
    ...(align ? { alignEvery: every } : {}),
  });
  try {
    // The Rng as fit uses it: one fork for the rule's state (drawn above), then the saved state.
    rng.fork();
    let state: TrainState;
    if (options.resume) {
      state = {
        ...options.resume, optimizer: { ...options.resume.optimizer }, history: options.resume.history.map((r) => ({ ...r })),
        epochMonitor: copyMonitor(options.resume.epochMonitor),
      };
      rng.setState(state.rng);
    } else {
      state = {
        epoch: 0, batchInEpoch: 0, step: 0, epochRng: rng.state(), rng: rng.state(),
        optimizer: { step: 0, buffers: [] }, // filled from the GPU before anyone sees the state (sync)
        epochCostSum: 0, epochSeconds: 0, history: [],
      };
    }
    const emit = (e: TrainEvent): void | Promise<void> => options.onEvent?.(e);
    if (options.resume) trainer.writeOptimizerState({ step: state.optimizer.step, buffers: state.optimizer.buffers.map((list) => list.map((b) => b.dataSync())) });
    const batchesPerEpoch = trainer.batchesPerEpoch;
    // The weights and the optimiser's state back from the GPU into the model and the state (for checkpoints).
    let synced = false;
    const sync = async (): Promise<void> => {
      if (synced) return;
      await trainer.copyToModel(model);
      const { step, buffers } = await trainer.readOptimizerState();
      state.optimizer = { step, buffers: buffers.map((list, p) => list.map((b) => T.tensor(b, [...params[p].value.shape]))) };
      synced = true;
    };
    const checkpoint = async (reason: 'epoch' | 'timer' | 'stop'): Promise<void> => {
      if (!options.onEvent) return;
      await sync();
      await emit({ type: 'checkpoint', state, reason });
    };

    await emit({ type: 'start', epochs, batchesPerEpoch, examples: n, parameters: model.parameterCount(), resumedFrom: options.resume ? state.step : null });
    let lastFiniteCost = state.lastFiniteCost ?? state.history.at(-1)?.trainCost ?? NaN;
    let lastCheckpoint = now();
    let perCall = options.batchesPerCall ?? 16;
    let stopped = false;

    for (; state.epoch < epochs && !stopped; ) {
      const order = epochOrder(state, rng, n);
      // As fit: the monitor's sums in the state, so a checkpoint carries them into a resumed epoch.
      const sums = every !== undefined ? (state.epochMonitor = epochMonitorSums(state, model.layers.length)) : null;
      while (state.batchInEpoch < batchesPerEpoch) {
        const count = Math.min(perCall, batchesPerEpoch - state.batchInEpoch);
        const stepBefore = trainer.step;
        let r;
        try {
          synced = false;
          r = await trainer.runEpoch(order, { firstBatch: state.batchInEpoch, batches: count });
        } catch (e) {
          if (!(e instanceof DivergenceError)) throw e;
          const bad = e.step - stepBefore;
          const last = Number.isFinite(e.lastFiniteCost) ? e.lastFiniteCost : lastFiniteCost;
          throw new DivergenceError(
            `training diverged at step ${state.step + bad} (epoch ${state.epoch + 1}, batch ${state.batchInEpoch + bad + 1}): the cost became not finite; ` +
              `${Number.isFinite(last) ? `last finite cost ${formatNumber(last)}` : 'no finite cost yet'}. Is the learning rate too high?`,
            state.step + bad,
            last,
          );
        }
        for (let k = 0; k < count; k++) {
          const cost = r.batchCosts[k];
          state.batchInEpoch++;
          state.step++;
          state.epochCostSum += cost;
          const pending = emit({ type: 'batch', epoch: state.epoch + 1, batch: state.batchInEpoch, batches: batchesPerEpoch, step: state.step, cost });
          if (pending) await pending;
        }
        // Both monitors sample the same batches: count them from either.
        if (sums) sums.batches += (r.gradientNorms ?? r.alignment)?.length ?? 0;
        for (const g of r.gradientNorms ?? []) {
          g.gradW.forEach((w, l) => {
            sums!.speed[l].gradW += w;
            sums!.speed[l].gradB += g.gradB[l];
          });
        }
        for (const a of r.alignment ?? []) {
          a.angle.forEach((angle, l) => {
            if (!Number.isFinite(angle)) return; // as fit: a zero update or gradient has no direction
            sums!.align[l].angle += angle;
            sums!.align[l].normRatio += a.normRatio[l];
            sums!.align[l].count++;
          });
        }
        lastFiniteCost = state.lastFiniteCost = r.batchCosts[count - 1];
        state.epochSeconds += r.seconds;
        if (options.batchesPerCall === undefined) perCall = Math.max(1, Math.min(4096, Math.round((count * aim) / Math.max(r.seconds, 1e-4))));
        if (options.signal?.aborted) {
          stopped = true;
          break;
        }
        if (options.checkpointEverySeconds && (now() - lastCheckpoint) / 1000 >= options.checkpointEverySeconds && state.batchInEpoch < batchesPerEpoch) {
          state.rng = rng.state();
          await checkpoint('timer');
          lastCheckpoint = now();
        }
      }
      if (stopped) break;
      const record: EpochRecord = { epoch: state.epoch + 1, trainCost: state.epochCostSum / batchesPerEpoch, seconds: state.epochSeconds };
      if (options.validation) record.validation = evaluation(await trainer.evaluate(options.validation));
      if (options.test) record.test = evaluation(await trainer.evaluate(options.test));
      if (sums) Object.assign(record, monitorRecord(sums, monitorEvery !== undefined, align));
      endEpoch(state, record, rng);
      await emit({ type: 'epoch', record });
      await checkpoint('epoch');
      lastCheckpoint = now();
    }
    if (stopped) {
      state.rng = rng.state();
      await checkpoint('stop');
    }
    await sync();
    await emit({ type: 'end', history: state.history, stopped });
    return { history: state.history, state, stopped };
  } finally {
    trainer.destroy();
  }
}

/** The GPU's evaluation as train/evaluate's. */
function evaluation(e: { accuracy: number; correct: number; total: number; cost: number }): Evaluation {
  return { accuracy: e.accuracy, correct: e.correct, total: e.total, cost: e.cost };
}

/** A state to resume must hold what this run's optimiser keeps: `per` buffers of each parameter's size. */
function checkResume(state: TrainState, sizes: number[], per: number): void {
  const buffers = state.optimizer.buffers;
  if (buffers.length !== sizes.length) {
    throw new ArgumentError(`fitWebGpu: the state to resume has optimiser buffers for ${buffers.length} parameters, the model has ${sizes.length}`);
  }
  const kind = per === 2 ? 'Adam' : per === 1 ? 'SGD with momentum' : 'SGD';
  buffers.forEach((list, i) => {
    if (list.length !== per) throw new ArgumentError(`fitWebGpu: the state to resume keeps ${list.length} buffers for parameter ${i}; ${kind} keeps ${per} (was it saved by another optimiser?)`);
    for (const b of list) if (b.size !== sizes[i]) throw new ArgumentError(`fitWebGpu: the state's optimiser buffer of parameter ${i} has ${b.size} values, the parameter ${sizes[i]}`);
  });
}
