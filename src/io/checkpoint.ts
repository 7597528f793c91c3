/**
 * io/checkpoint — the training checkpoint file: a model, the optimiser's buffers, the training
 * loop's exact position (epoch, batch, step, both Rng states, running sums, history) and the run's
 * configuration, versioned and checksummed like a model file. Pure functions over text; the files
 * on disk (checkpoint-<step>.json, the last two kept) are handled in node-files.ts.
 *
 * io may not import train/ or optim/, so the state is described here structurally: train's
 * `TrainState` (with optim's `OptimizerState`) fits these types field for field.
 */
import type { Sequential } from '../nn/model.js';
import type { Tensor } from '../tensor/tensor.js';
import { collectProblems, ModelFileError } from '../util/errors.js';
import type { RngState } from '../util/rng.js';
import { checksumOf } from './checksum.js';
import { checkHeader, checkMeta, decodeModel, encodeModel, parseJson, type ModelMeta } from './model-file.js';
import { decodeTensor, encodeTensor } from './tensor-codec.js';

/** The `format` field of a checkpoint file. */
export const CHECKPOINT_FORMAT = 'glassbox-checkpoint';
/** The newest checkpoint version this glassbox reads and the one it writes. */
export const CHECKPOINT_VERSION = 1;

/** An optimiser's state: a step counter and, per parameter, its buffers (momentum, moments). */
export interface CheckpointOptimizerState {
  step: number;
  buffers: Tensor[][];
}

/** Accuracy and cost on a held-out set (train's `Evaluation`). */
export interface CheckpointEvaluation {
  accuracy: number;
  correct: number;
  total: number;
  cost: number;
}

/** One epoch of history (train's `EpochRecord`). */
export interface CheckpointEpochRecord {
  epoch: number;
  trainCost: number;
  validation?: CheckpointEvaluation;
  test?: CheckpointEvaluation;
  seconds: number;
  dynamics?: { layer: number; gradB: number; gradW: number }[];
  alignment?: { layer: number; angle: number; normRatio: number }[];
}

/** Where a training run stands (train's `TrainState`). */
export interface CheckpointTrainState {
  epoch: number;
  batchInEpoch: number;
  step: number;
  epochRng: RngState;
  rng: RngState;
  optimizer: CheckpointOptimizerState;
  epochCostSum: number;
  epochSeconds: number;
  history: CheckpointEpochRecord[];
  /** The last finite batch cost (optional: absent in older checkpoints, meaning unknown). */
  lastFiniteCost?: number;
  /** The monitor's sums over the current epoch (train's `EpochMonitorSums`; optional: absent when none). */
  epochMonitor?: CheckpointMonitorSums;
}

/** The monitor's running sums of an epoch, per weight layer. */
export interface CheckpointMonitorSums {
  batches: number;
  speed: { gradB: number; gradW: number }[];
  align: { angle: number; normRatio: number; count: number }[];
}

/** Everything a checkpoint holds. */
export interface Checkpoint {
  /** The model with its parameters at the checkpoint. */
  model: Sequential;
  /** The training loop's state, to pass back to `fit` as `resume`. */
  state: CheckpointTrainState;
  /** The run's settings (data, architecture, optimiser, seed, …) as JSON, for the caller to rebuild the run. */
  config: Record<string, unknown>;
  /** Facts about the model (as in a model file). */
  meta: ModelMeta;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value === null || typeof value !== 'object') return String(value);
  return 'an object';
}

function encodeRng(r: RngState): RngState {
  return { s: [r.s[0] >>> 0, r.s[1] >>> 0, r.s[2] >>> 0, r.s[3] >>> 0], spareNormal: r.spareNormal };
}

/**
 * The checkpoint file text.
 * @throws ModelFileError when a parameter is not finite.
 */
export function serializeCheckpoint(checkpoint: Checkpoint): string {
  const { model, state, config, meta } = checkpoint;
  const params = model.parameters();
  if (state.optimizer.buffers.length !== params.length) {
    throw new ModelFileError(`cannot save the checkpoint: the optimizer has buffers for ${state.optimizer.buffers.length} parameters, the model has ${params.length}`);
  }
  const body = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    ...encodeModel(model),
    optimizer: {
      step: state.optimizer.step,
      buffers: state.optimizer.buffers.map((list, i) => list.map((t, k) => encodeTensor(`${params[i].name}#${k}`, t))),
    },
    train: {
      epoch: state.epoch,
      batchInEpoch: state.batchInEpoch,
      step: state.step,
      epochRng: encodeRng(state.epochRng),
      rng: encodeRng(state.rng),
      epochCostSum: state.epochCostSum,
      epochSeconds: state.epochSeconds,
      history: state.history,
      ...(state.lastFiniteCost !== undefined && Number.isFinite(state.lastFiniteCost) ? { lastFiniteCost: state.lastFiniteCost } : {}),
      ...(state.epochMonitor ? { epochMonitor: state.epochMonitor } : {}),
    },
    config,
    meta: { ...meta, created: meta.created ?? new Date().toISOString() },
  };
  return JSON.stringify({ ...body, checksum: checksumOf(body) }) + '\n';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function checkCount(v: unknown, where: string, problems: string[]): number {
  if (!Number.isInteger(v) || (v as number) < 0) {
    problems.push(`${where} must be an integer ≥ 0, got ${describe(v)}`);
    return 0;
  }
  return v as number;
}

function checkFinite(v: unknown, where: string, problems: string[]): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    problems.push(`${where} must be a finite number, got ${describe(v)}`);
    return 0;
  }
  return v;
}

function checkRng(v: unknown, where: string, problems: string[]): RngState {
  const r = isObject(v) ? v : {};
  const s = r.s;
  const sOk = Array.isArray(s) && s.length === 4 && s.every((w) => Number.isInteger(w) && (w as number) >= 0 && (w as number) < 2 ** 32);
  if (!sOk) problems.push(`${where}.s must be four 32-bit unsigned integers, got ${describe(s)}`);
  else if ((s as number[]).every((w) => w === 0)) problems.push(`${where}.s is all zeros, which is not a state the generator can reach`);
  const spare = r.spareNormal;
  if (spare !== null && (typeof spare !== 'number' || !Number.isFinite(spare))) {
    problems.push(`${where}.spareNormal must be a finite number or null, got ${describe(spare)}`);
  }
  return { s: sOk ? ([...(s as number[])] as RngState['s']) : [1, 0, 0, 0], spareNormal: (spare as number | null) ?? null };
}

function checkEvaluation(v: unknown, where: string, problems: string[]): void {
  if (v === undefined) return;
  if (!isObject(v)) {
    problems.push(`${where} must be an object, got ${describe(v)}`);
    return;
  }
  checkFinite(v.accuracy, `${where}.accuracy`, problems);
  checkCount(v.correct, `${where}.correct`, problems);
  checkCount(v.total, `${where}.total`, problems);
  checkFinite(v.cost, `${where}.cost`, problems);
}

/** The monitor's sums of an epoch: a count and, per weight layer (`layers` of them when known), finite sums. */
function checkMonitorSums(v: unknown, layers: number | null, problems: string[]): CheckpointMonitorSums {
  const where = 'train.epochMonitor';
  if (!isObject(v)) {
    problems.push(`${where} must be an object { batches, speed, align }, got ${describe(v)}`);
    return { batches: 0, speed: [], align: [] };
  }
  const batches = checkCount(v.batches, `${where}.batches`, problems);
  const list = <K extends string>(name: 'speed' | 'align', keys: readonly K[]): Record<K, number>[] => {
    const raw = v[name];
    if (!Array.isArray(raw) || (layers !== null && raw.length !== layers)) {
      problems.push(`${where}.${name} must be a list of one entry per weight layer${layers !== null ? ` (${layers})` : ''}, got ${describe(raw)}`);
      return [];
    }
    return raw.map((e: unknown, l: number) => {
      const entry = isObject(e) ? e : {};
      if (!isObject(e)) problems.push(`${where}.${name}[${l}] must be an object, got ${describe(e)}`);
      return Object.fromEntries(keys.map((k) => [k, checkFinite(entry[k], `${where}.${name}[${l}].${k}`, problems)])) as Record<K, number>;
    });
  };
  const align = list('align', ['angle', 'normRatio', 'count'] as const);
  align.forEach((a, l) => {
    if (Number.isFinite(a.count) && !(Number.isInteger(a.count) && a.count >= 0 && a.count <= batches)) {
      problems.push(`${where}.align[${l}].count must be an integer from 0 to ${where}.batches (${batches}), got ${describe(a.count)}`);
    }
  });
  return { batches, speed: list('speed', ['gradB', 'gradW'] as const), align };
}

function checkHistory(v: unknown, problems: string[]): CheckpointEpochRecord[] {
  if (!Array.isArray(v)) {
    problems.push(`train.history must be a list of epoch records, got ${describe(v)}`);
    return [];
  }
  v.forEach((r, i) => {
    const where = `train.history[${i}]`;
    if (!isObject(r)) {
      problems.push(`${where} must be an object, got ${describe(r)}`);
      return;
    }
    if (r.epoch !== i + 1) problems.push(`${where}.epoch must be ${i + 1}, got ${describe(r.epoch)}`);
    checkFinite(r.trainCost, `${where}.trainCost`, problems);
    checkFinite(r.seconds, `${where}.seconds`, problems);
    checkEvaluation(r.validation, `${where}.validation`, problems);
    checkEvaluation(r.test, `${where}.test`, problems);
    if (r.dynamics !== undefined && !Array.isArray(r.dynamics)) problems.push(`${where}.dynamics must be a list, got ${describe(r.dynamics)}`);
    if (r.alignment !== undefined && !Array.isArray(r.alignment)) problems.push(`${where}.alignment must be a list, got ${describe(r.alignment)}`);
  });
  return v as CheckpointEpochRecord[];
}

/**
 * Read a checkpoint file's text, validating everything (format, version, checksum, model,
 * optimiser buffers against the parameters' shapes, the loop's counters and Rng states).
 * @param what names the file in the error.
 * @throws ModelFileError listing every problem found.
 */
export function parseCheckpoint(text: string, what = 'checkpoint'): Checkpoint {
  const problems: string[] = [];
  const fail = (): never => {
    throw collectProblems(ModelFileError, what, problems);
  };
  const doc = parseJson(text, problems);
  if (problems.length > 0) fail();
  if (!isObject(doc)) {
    problems.push(`expected a JSON object with format '${CHECKPOINT_FORMAT}', got ${describe(doc)}`);
    return fail();
  }
  if (!checkHeader(doc, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, 'checkpoint', problems)) fail();
  const { checksum, ...body } = doc;
  if (typeof checksum !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(checksum)) {
    problems.push(`checksum must be 'sha256:' and 64 hex digits, got ${describe(checksum)}`);
  } else if (checksumOf(body) !== checksum) {
    problems.push('checksum mismatch: the file is corrupt or torn (written only in part)');
  }

  const model = decodeModel(doc.spec, doc.parameters, '', problems);

  const opt = isObject(doc.optimizer) ? doc.optimizer : {};
  if (!isObject(doc.optimizer)) problems.push(`optimizer must be an object { step, buffers }, got ${describe(doc.optimizer)}`);
  const optimizerStep = checkCount(opt.step, 'optimizer.step', problems);
  const buffers: Tensor[][] = [];
  if (!Array.isArray(opt.buffers)) problems.push(`optimizer.buffers must be a list (one list per parameter), got ${describe(opt.buffers)}`);
  else if (model) {
    const params = model.parameters();
    if (opt.buffers.length !== params.length) {
      problems.push(`optimizer.buffers has ${opt.buffers.length} lists but the model has ${params.length} parameters`);
    } else {
      opt.buffers.forEach((list: unknown, i: number) => {
        if (!Array.isArray(list)) {
          problems.push(`optimizer.buffers[${i}] (${params[i].name}) must be a list, got ${describe(list)}`);
          return;
        }
        buffers.push(list.map((entry, k) => {
          const where = `optimizer buffer ${params[i].name}#${k}`;
          const buffer = decodeTensor(entry, where, params[i].value.shape, problems);
          // A buffer must share its parameter's dtype: glassbox never writes otherwise, and a
          // float64 moment for a float32 weight resumes with other arithmetic, so the run would no
          // longer be bit-identical to an uninterrupted one (found by test/fuzz-io.test.ts).
          if (buffer && buffer.dtype !== params[i].value.dtype) problems.push(`${where}: dtype ${buffer.dtype}, but ${params[i].name} is ${params[i].value.dtype}`);
          return buffer;
        }) as Tensor[]);
      });
    }
  }

  const t = isObject(doc.train) ? doc.train : {};
  if (!isObject(doc.train)) problems.push(`train must be an object with the loop's state, got ${describe(doc.train)}`);
  const state: CheckpointTrainState = {
    epoch: checkCount(t.epoch, 'train.epoch', problems),
    batchInEpoch: checkCount(t.batchInEpoch, 'train.batchInEpoch', problems),
    step: checkCount(t.step, 'train.step', problems),
    epochRng: checkRng(t.epochRng, 'train.epochRng', problems),
    rng: checkRng(t.rng, 'train.rng', problems),
    optimizer: { step: optimizerStep, buffers },
    epochCostSum: checkFinite(t.epochCostSum, 'train.epochCostSum', problems),
    epochSeconds: checkFinite(t.epochSeconds, 'train.epochSeconds', problems),
    history: checkHistory(t.history, problems),
  };
  if (t.lastFiniteCost !== undefined) state.lastFiniteCost = checkFinite(t.lastFiniteCost, 'train.lastFiniteCost', problems);
  if (t.epochMonitor !== undefined) state.epochMonitor = checkMonitorSums(t.epochMonitor, model ? model.layers.length : null, problems);
  if (Array.isArray(t.history) && Number.isInteger(t.epoch) && t.history.length !== t.epoch) {
    problems.push(`train.history has ${t.history.length} epochs but train.epoch says ${describe(t.epoch)} were completed`);
  }
  if (!isObject(doc.config)) problems.push(`config must be an object, got ${describe(doc.config)}`);
  checkMeta(doc.meta, problems);
  if (problems.length > 0 || !model) fail();
  return { model: model!, state, config: doc.config as Record<string, unknown>, meta: { ...((doc.meta as ModelMeta | undefined) ?? {}) } };
}
