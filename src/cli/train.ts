/**
 * cli/train — `glassbox train`: flags and presets to a run configuration, data and model, `fit`
 * with progress, checkpoints (--checkpoint-dir, --resume), Ctrl-C and divergence handling, then
 * the per-epoch table, the test accuracy, the model file and a run record beside it.
 */
import { performance } from 'node:perf_hooks';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  activationNames, adam, autoBackend, costNames, DivergenceError, evaluate, fit, fitWebGpu, formatNumber, formatSeconds, initNames, initWasmBackend, listBackends,
  loadDataset, loadLatestCheckpoint, ModelFileError, Rng, RULE_NAMES, ruleByName, saveCheckpoint, saveModel, sequential, setBackend, sgd, UnsupportedError, WebGpuContext, writeFileAtomic,
  type ActivationName, type CostName, type DatasetSplits, type EpochRecord, type Evaluation, type InitName, type ModelMeta,
  type Optimizer, type RuleName, type Sequential, type TrainEvent, type TrainState,
} from '../index.js';
import { intFlag, numberFlag, printJson, printTable, sizesFlag, UsageError } from './common.js';
import { percent, progressMode, TrainProgress } from './progress.js';
import { ADAM_ETA, RULE_ETA } from './rule-rates.js';
import { checkGpuSettings, gpuOptions, gpuRefusals } from './train-webgpu.js';

/** Exit code of a run stopped by Ctrl-C (128 + SIGINT), as shells use. */
export const EXIT_INTERRUPTED = 130;

/** The optimisers `--optimizer` accepts. */
export const OPTIMIZER_NAMES = ['sgd', 'momentum', 'adam'] as const;

/** The settings a preset fixes (explicit flags override them). */
export interface Preset {
  description: string;
  /** Hidden layer sizes (the input and output sizes come from the data). */
  hidden: number[];
  activation: ActivationName;
  output: ActivationName;
  cost: CostName;
  init: InitName;
  epochs: number;
  batch: number;
  eta: number;
  lambda: number;
}

/**
 * The presets. `default` is what `glassbox train` does with no flags: Nielsen's chapter-3 network
 * trained for a few epochs, which reaches ≥ 95% test accuracy on MNIST in about a minute on two cores.
 */
export const PRESETS: Record<'default' | 'nielsen-ch1' | 'nielsen-ch3', Preset> = {
  default: {
    description: '[784,100,10] sigmoid, cross-entropy, N(0,1/n_in) init, batch 10, η 0.5, λ 5.0, 4 epochs (about a minute)',
    hidden: [100], activation: 'sigmoid', output: 'sigmoid', cost: 'cross-entropy', init: 'default', epochs: 4, batch: 10, eta: 0.5, lambda: 5,
  },
  'nielsen-ch1': {
    description: "Nielsen ch. 1 (network.py): [784,30,10] sigmoid, quadratic cost, N(0,1) init, batch 10, η 3.0, 30 epochs",
    hidden: [30], activation: 'sigmoid', output: 'sigmoid', cost: 'quadratic', init: 'large', epochs: 30, batch: 10, eta: 3, lambda: 0,
  },
  'nielsen-ch3': {
    description: 'Nielsen ch. 3 (network2.py): [784,100,10] sigmoid, cross-entropy, N(0,1/n_in) init, batch 10, η 0.5, λ 5.0, 30 epochs',
    hidden: [100], activation: 'sigmoid', output: 'sigmoid', cost: 'cross-entropy', init: 'default', epochs: 30, batch: 10, eta: 0.5, lambda: 5,
  },
};
type PresetName = keyof typeof PRESETS;
const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** Everything that defines a training run; saved in checkpoints and run records. */
export interface RunConfig {
  data: string;
  /** Keep only the first `limit` examples of each split (null: all). */
  limit: number | null;
  /** Neurons per layer, input first (Nielsen's sizes). */
  sizes: number[];
  activation: ActivationName;
  output: ActivationName;
  cost: CostName;
  init: InitName;
  optimizer: (typeof OPTIMIZER_NAMES)[number];
  /** Momentum coefficient μ (used by --optimizer momentum). */
  momentum: number;
  epochs: number;
  batch: number;
  eta: number;
  lambda: number;
  l1: number;
  seed: number;
  preset: PresetName;
  /** Record per-layer learning speed every epoch. */
  monitor: boolean;
  /** Record the angle of the rule's updates to backprop's gradient every epoch (absent in older checkpoints: false). */
  alignment: boolean;
  /** The learning rule (rules/registry; checkpoints written before it existed read as backprop). */
  rule: TrainRuleName;
}

/** The rules `glassbox train` takes: every built-in rule whose trained network classifies by its own output. */
export const TRAIN_RULES = RULE_NAMES.filter((r) => r !== 'forward-forward');
/** A rule `glassbox train` takes (TRAIN_RULES). */
export type TrainRuleName = Exclude<RuleName, 'forward-forward'>;

/** The option values of `glassbox train`, as commander hands them over. */
export interface TrainFlags {
  data: string;
  layers?: number[];
  activation: ActivationName;
  output: ActivationName;
  cost: CostName;
  init: InitName;
  optimizer: RunConfig['optimizer'];
  momentum: number;
  epochs: number;
  batch: number;
  eta: number;
  lambda: number;
  l1: number;
  seed: number;
  limit?: number;
  out: string;
  preset: PresetName;
  backend?: string;
  json?: boolean;
  quiet?: boolean;
  checkpointDir?: string;
  checkpointEvery?: number;
  resume?: string;
  /** What --monitor names: 'dynamics', 'alignment' or both. */
  monitor?: readonly MonitorName[];
  rule?: string;
}

/** What `--monitor` can record. */
export const MONITOR_NAMES = ['dynamics', 'alignment'] as const;
/** One of MONITOR_NAMES. */
export type MonitorName = (typeof MONITOR_NAMES)[number];

/** commander parser of `--monitor dynamics,alignment`: a comma-separated list of MONITOR_NAMES. */
export function monitorFlag(value: string): MonitorName[] {
  const names = value.split(',').map((v) => v.trim());
  for (const n of names) {
    if (!(MONITOR_NAMES as readonly string[]).includes(n)) throw new InvalidArgumentError(`expected ${MONITOR_NAMES.join(', ')} or both (comma-separated), got '${n}'`);
  }
  return [...new Set(names)] as MonitorName[];
}

/** Flags that shape a run; with --resume they come from the checkpoint and may not be given. */
const RUN_FLAGS = ['data', 'layers', 'activation', 'output', 'cost', 'init', 'optimizer', 'momentum', 'batch', 'eta', 'lambda', 'l1', 'seed', 'limit', 'preset', 'monitor', 'rule'] as const;

/** `--out models/model.json` → `models/model.run.json`: where the run record goes. */
export function runRecordPath(modelPath: string): string {
  return `${modelPath.replace(/\.json$/i, '')}.run.json`;
}

/**
 * Turn `--layers` into Nielsen's full sizes list for data of `width` features and `classes`
 * classes: either hidden sizes only (`100` or `256,128`), or the full list from input to output
 * (`784,100,10`), recognised by starting with the data's width and ending with its class count.
 * @throws UsageError when the list looks like a full list that does not fit the data.
 */
export function resolveSizes(layers: readonly number[], width: number, classes: number, dataName: string): number[] {
  const n = layers.length;
  if (n >= 2 && layers[0] === width && layers[n - 1] === classes) return [...layers];
  const looksFull = (n >= 3 && layers[n - 1] === classes) || (n >= 2 && layers[0] === width);
  if (looksFull) {
    throw new UsageError(
      `--layers ${layers.join(',')} does not fit ${dataName} (${width} features, ${classes} classes): a full list must start with ${width} and end with ${classes}, ` +
        `e.g. --layers ${width},${layers.slice(1, -1).join(',') || 30},${classes}; or give the hidden sizes only, e.g. --layers ${layers.slice(0, -1).join(',') || 30}`,
    );
  }
  return [width, ...layers, classes];
}

/** Build the run configuration from flags, the preset and which flags were given explicitly. */
export function runConfig(flags: TrainFlags, given: (name: string) => boolean): Omit<RunConfig, 'sizes'> & { layers: number[] } {
  const preset = PRESETS[flags.preset];
  const pick = <K extends keyof Preset & keyof TrainFlags>(key: K): Preset[K] => (given(key) ? (flags[key] as unknown as Preset[K]) : preset[key]);
  let output = pick('output');
  let cost = pick('cost');
  // Pair the output layer with its cost when only one of them was named.
  if (given('output') && !given('cost') && output === 'softmax') cost = 'log-likelihood';
  if (given('cost') && !given('output') && cost === 'log-likelihood') output = 'softmax';
  const activation = pick('activation');
  if (activation === 'softmax') throw new UsageError("--activation softmax is for the output layer only: use --output softmax (with --cost log-likelihood)");
  if (cost === 'cross-entropy' && output !== 'sigmoid') {
    throw new UsageError(`--cost cross-entropy needs --output sigmoid, got --output ${output} (with softmax, use --cost log-likelihood)`);
  }
  if (cost === 'log-likelihood' && output !== 'softmax') throw new UsageError(`--cost log-likelihood needs --output softmax, got --output ${output}`);
  if (flags.optimizer === 'momentum' && !(flags.momentum < 1)) throw new UsageError(`--momentum must be in [0, 1), got ${flags.momentum}`);
  const rule = flags.rule ?? 'backprop';
  if (rule === 'forward-forward') {
    throw new UsageError(
      "--rule forward-forward trains layers to tell real from corrupted inputs and predicts by their goodness, not by the network's output, " +
        'so the saved model would not classify: compare it with the others in `glassbox compare --rules forward-forward,backprop`',
    );
  }
  if (!(TRAIN_RULES as readonly string[]).includes(rule)) throw new UsageError(`--rule: unknown learning rule '${rule}', expected one of: ${TRAIN_RULES.join(', ')}`);
  // η: given, else Adam's step, else the preset's for backprop and compare's rate for another rule.
  const eta = given('eta') ? flags.eta : flags.optimizer === 'adam' ? ADAM_ETA : rule === 'backprop' ? preset.eta : RULE_ETA[rule as TrainRuleName];
  const alignment = flags.monitor?.includes('alignment') ?? false;
  if (alignment && rule === 'backprop') {
    throw new UsageError("--monitor alignment compares a rule's updates with backprop's gradient: give --rule (e.g. --rule feedback-alignment); with backprop the angle is 0 by definition");
  }
  return {
    data: flags.data,
    limit: flags.limit ?? null,
    layers: given('layers') && flags.layers ? flags.layers : preset.hidden,
    activation,
    output,
    cost,
    init: pick('init'),
    optimizer: flags.optimizer,
    momentum: flags.optimizer === 'momentum' ? flags.momentum : 0,
    epochs: pick('epochs'),
    batch: pick('batch'),
    eta,
    lambda: pick('lambda'),
    l1: flags.l1,
    seed: flags.seed,
    preset: flags.preset,
    monitor: flags.monitor?.includes('dynamics') ?? false,
    alignment,
    rule: rule as TrainRuleName,
  };
}

/** The optimiser a configuration names, with L1/L2 scaled by the training-set size n. */
export function makeOptimizer(config: RunConfig, trainingSize: number): Optimizer {
  const reg = { lambda: config.lambda, l1: config.l1, trainingSize };
  if (config.optimizer === 'adam') return adam({ eta: config.eta, ...reg });
  return sgd({ eta: config.eta, momentum: config.optimizer === 'momentum' ? config.momentum : 0, ...reg });
}

/** The generators of a run: one for the initial weights, one for training (shuffles, rules). */
function runRngs(seed: number): { init: Rng; train: Rng } {
  const root = new Rng(seed);
  return { init: root.fork(), train: root.fork() };
}

/** Read a run configuration back from a checkpoint, checking every field. */
export function checkRunConfig(value: Record<string, unknown>, where: string): RunConfig {
  const problems: string[] = [];
  const c = value as Partial<Record<keyof RunConfig, unknown>>;
  const int = (k: keyof RunConfig, min: number): void => {
    if (!Number.isInteger(c[k]) || (c[k] as number) < min) problems.push(`config.${k} must be an integer ≥ ${min}, got ${JSON.stringify(c[k])}`);
  };
  const num = (k: keyof RunConfig): void => {
    if (typeof c[k] !== 'number' || !Number.isFinite(c[k]) || (c[k] as number) < 0) problems.push(`config.${k} must be a number ≥ 0, got ${JSON.stringify(c[k])}`);
  };
  const oneOf = (k: keyof RunConfig, names: readonly string[]): void => {
    if (!names.includes(c[k] as string)) problems.push(`config.${k} must be one of ${names.join(', ')}, got ${JSON.stringify(c[k])}`);
  };
  if (typeof c.data !== 'string') problems.push(`config.data must be a string, got ${JSON.stringify(c.data)}`);
  if (c.limit !== null) int('limit', 1);
  if (!Array.isArray(c.sizes) || c.sizes.length < 2 || c.sizes.some((s) => !Number.isInteger(s) || s < 1)) problems.push(`config.sizes must list positive integers, got ${JSON.stringify(c.sizes)}`);
  oneOf('activation', activationNames);
  oneOf('output', activationNames);
  oneOf('cost', costNames);
  oneOf('init', initNames);
  oneOf('optimizer', OPTIMIZER_NAMES);
  oneOf('preset', PRESET_NAMES);
  int('epochs', 1);
  int('batch', 1);
  int('seed', 0);
  num('momentum');
  num('eta');
  num('lambda');
  num('l1');
  if (typeof c.monitor !== 'boolean') problems.push(`config.monitor must be true or false, got ${JSON.stringify(c.monitor)}`);
  if (c.rule !== undefined) oneOf('rule', TRAIN_RULES);
  if (c.alignment !== undefined && typeof c.alignment !== 'boolean') problems.push(`config.alignment must be true or false, got ${JSON.stringify(c.alignment)}`);
  if (problems.length > 0) {
    throw new ModelFileError(`${where}: the run configuration is not usable:\n${problems.map((p) => `  - ${p}`).join('\n')}`, problems);
  }
  return { ...(value as unknown as RunConfig), rule: (c.rule as TrainRuleName | undefined) ?? 'backprop', alignment: c.alignment === true };
}

/** What a finished (or stopped) run reports: printed with --json and saved as the run record. */
export interface RunReport {
  format: 'glassbox-run';
  version: 1;
  created: string;
  command: string;
  config: RunConfig;
  data: { name: string; source: string; train: number; validation: number; test: number; features: number; classes: number };
  parameters: number;
  history: EpochRecord[];
  /** The epoch with the highest validation accuracy, when there is a validation set. */
  best: { epoch: number; validationAccuracy: number } | null;
  test: Evaluation | null;
  /** Wall-clock seconds of this invocation (loading, training, evaluating). */
  seconds: number;
  stopped: boolean;
  resumedFrom: { file: string; step: number } | null;
  checkpoint: string | null;
  model: string | null;
  runRecord: string | null;
  warnings: string[];
  /** The kernel backend that ran the numbers ('wasm', 'js', …). */
  backend: string;
}

function bestEpoch(history: readonly EpochRecord[]): RunReport['best'] {
  let best: RunReport['best'] = null;
  for (const r of history) {
    if (r.validation && (!best || r.validation.accuracy > best.validationAccuracy)) best = { epoch: r.epoch, validationAccuracy: r.validation.accuracy };
  }
  return best;
}

function dataSummary(splits: DatasetSplits): RunReport['data'] {
  return {
    name: splits.info.name,
    source: splits.info.source,
    train: splits.train.labels.length,
    validation: splits.validation?.labels.length ?? 0,
    test: splits.test.labels.length,
    features: splits.train.x.shape[1],
    classes: splits.train.classes,
  };
}

/** Run `glassbox train` with parsed flags. Returns the exit code (0, or 130 when stopped by Ctrl-C). */
export async function runTrain(flags: TrainFlags, given: (name: string) => boolean, argv: readonly string[]): Promise<number> {
  const t0 = performance.now();
  const silent = Boolean(flags.json || flags.quiet);
  const progress = new TrainProgress(progressMode(silent));
  const warnings: string[] = [];
  const warn = (line: string): void => {
    warnings.push(line);
    if (!flags.json) process.stderr.write(`glassbox: warning: ${line}\n`);
  };

  if (flags.checkpointEvery !== undefined && flags.checkpointDir === undefined && flags.resume === undefined) {
    throw new UsageError('--checkpoint-every needs --checkpoint-dir DIR (or --resume DIR) to know where to write');
  }
  // --backend: 'auto' (the default) trains on the GPU when one can be had and the run is one the GPU
  // trainer runs (decided below, once the run's settings are known), else on wasm when it
  // initialises here, else js; 'wasm' must initialise; 'webgpu' trains on the GPU. Evaluation and
  // everything else run on the CPU backend.
  const gpu = flags.backend === 'webgpu';
  const wanted = gpu ? 'auto' : (flags.backend ?? 'auto');
  if (wanted === 'auto' || wanted === 'wasm') {
    try {
      await initWasmBackend();
    } catch (e) {
      if (wanted === 'wasm') throw new UsageError(`--backend wasm: ${(e as Error).message}`);
    }
  }
  const known = listBackends();
  const cpuBackend = wanted === 'auto' ? (known.includes('wasm') ? 'wasm' : 'js') : wanted;
  if (!known.includes(cpuBackend)) throw new UsageError(`--backend: unknown backend '${wanted}', expected one of: ${[...new Set(['auto', 'webgpu', 'wasm', ...known])].join(', ')}`);
  setBackend(cpuBackend);

  // The run's configuration: from the flags, or from the checkpoint being resumed.
  let config: RunConfig;
  let layers: number[] | null = null;
  let resumed: Awaited<ReturnType<typeof loadLatestCheckpoint>> | null = null;
  if (flags.resume !== undefined) {
    const clash = RUN_FLAGS.filter((k) => given(k));
    if (clash.length > 0) {
      const names = clash.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ');
      throw new UsageError(
        `${names} cannot be combined with --resume: a resumed run keeps the settings it started with; only --epochs, --out, --checkpoint-dir, --checkpoint-every, --backend, --json and --quiet may be given`,
      );
    }
    resumed = await loadLatestCheckpoint(flags.resume);
    for (const w of resumed.warnings) warn(`${w}; resuming from ${resumed.file} instead`);
    config = checkRunConfig(resumed.checkpoint.config, `checkpoint ${resumed.file}`);
    if (given('epochs')) config = { ...config, epochs: flags.epochs };
  } else {
    const { layers: l, ...rest } = runConfig(flags, given);
    layers = l;
    config = { ...rest, sizes: [] };
  }

  if (!silent) progress.note(`loading ${config.data}${config.limit !== null ? ` (first ${config.limit} examples of each split)` : ''}…`);
  const splits = await loadDataset(config.data, config.limit !== null ? { limit: config.limit } : {});
  const width = splits.train.x.shape[1];
  const classes = splits.train.classes;

  let model: Sequential;
  const rngs = runRngs(config.seed);
  if (resumed) {
    model = resumed.checkpoint.model;
    if (model.sizes.join() !== config.sizes.join()) {
      throw new ModelFileError(`checkpoint ${resumed.file}: its model has sizes [${model.sizes.join(', ')}] but its configuration says [${config.sizes.join(', ')}]`);
    }
    if (width !== model.inputSize || classes !== config.sizes[config.sizes.length - 1]) {
      throw new ModelFileError(`checkpoint ${resumed.file}: the model takes ${model.inputSize} features and ${config.sizes[config.sizes.length - 1]} classes, but ${config.data} now has ${width} and ${classes}`);
    }
  } else {
    config.sizes = resolveSizes(layers!, width, classes, config.data);
    model = sequential({ sizes: config.sizes, activation: config.activation, output: config.output, cost: config.cost, init: config.init, rng: rngs.init });
  }
  const optimizer = makeOptimizer(config, splits.train.labels.length);
  const checkpointDir = flags.checkpointDir ?? flags.resume;
  const meta: ModelMeta = { dataset: config.data };
  if (splits.train.imageShape) meta.imageShape = splits.train.imageShape;
  if (splits.train.classNames) meta.classNames = splits.train.classNames;

  // Ctrl-C: stop after the current batch (a second Ctrl-C exits at once).
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    controller.abort();
    progress.note('stopping after the current batch… (Ctrl-C again to quit at once)');
  };
  process.on('SIGINT', onSigint);

  let lastCheckpoint: string | null = resumed?.file ?? null;
  if (gpu) checkGpuSettings(config);
  let result: { history: EpochRecord[]; stopped: boolean; state?: TrainState };
  // The GPU context: 'webgpu' insists on one (UnsupportedError, naming what is missing, if there is
  // none); 'auto' takes a hardware GPU (autoBackend passes over software adapters) when the GPU
  // trainer runs the run's rule. The CPU backend was chosen above.
  let gpuContext: WebGpuContext | undefined;
  let backend = cpuBackend;
  try {
    if (gpu) gpuContext = await WebGpuContext.create();
    else if (wanted === 'auto' && gpuRefusals(config).length === 0) {
      gpuContext = (await autoBackend({ activate: false, initWasm: async () => {} })).gpu ?? undefined;
    }
    const onGpu = gpuContext !== undefined;
    if (onGpu) backend = 'webgpu';
    if (!silent) {
      const what = resumed ? `resuming ${resumed.file} at epoch ${resumed.checkpoint.state.epoch + 1}, step ${resumed.checkpoint.state.step}` : `training [${config.sizes.join(', ')}]`;
      progress.note(`${what} on ${splits.train.labels.length} examples: ${config.epochs} epochs, batch ${config.batch}, ${config.rule === 'backprop' ? '' : `rule ${config.rule}, `}${optimizer.name} η ${config.eta}${config.lambda ? `, λ ${config.lambda}` : ''}, backend ${backend}${gpuContext ? ` (${gpuContext.describe()})` : ''}`);
    }
    // The same run either way: the GPU loop (fitWebGpu) takes fit's state, events and checkpoints,
    // so a checkpoint of one resumes in the other.
    let started = false; // a 'start' event came: training began
    const common = {
      epochs: config.epochs,
      batchSize: config.batch,
      rng: rngs.train,
      validation: splits.validation,
      checkpointEverySeconds: checkpointDir !== undefined && flags.checkpointEvery !== undefined ? flags.checkpointEvery * 60 : undefined,
      signal: controller.signal,
      resume: resumed ? (resumed.checkpoint.state as TrainState) : undefined,
      // A promise only for the checkpoint write: fit awaits what the listener returns, and a
      // batch event's needs no turn of the event loop.
      onEvent: (e: TrainEvent): void | Promise<void> => {
        if (e.type === 'start') started = true;
        else if (e.type === 'batch') progress.batch(e.epoch, config.epochs, e.batch, e.batches, e.cost);
        else if (e.type === 'epoch') progress.epoch(e.record, config.epochs);
        else if (e.type === 'checkpoint' && checkpointDir !== undefined) {
          return saveCheckpoint(checkpointDir, { model, state: e.state, config: { ...config }, meta }).then((file) => {
            lastCheckpoint = file;
          });
        }
      },
    };
    const rule = config.rule === 'backprop' ? undefined : ruleByName(config.rule);
    const monitor = config.monitor || config.alignment ? { dynamics: config.monitor, alignment: config.alignment } : undefined;
    const onCpu = () => fit(model, splits.train, { ...common, optimizer, rule, monitor });
    if (onGpu) {
      try {
        result = await fitWebGpu(model, splits.train, { ...common, ...gpuOptions(config, splits.train.labels.length), rule, context: gpuContext });
      } catch (e) {
        // 'auto' chose the GPU, which could not take this run (data beyond its buffers): the CPU does.
        if (!(!gpu && !started && e instanceof UnsupportedError)) throw e;
        backend = cpuBackend;
        if (!silent) progress.note(`auto: training on ${cpuBackend} instead: ${e.message}`);
        result = await onCpu();
      }
    } else {
      result = await onCpu();
    }
  } catch (e) {
    progress.stopBar();
    if (e instanceof DivergenceError) {
      const kept = lastCheckpoint
        ? `the last good checkpoint is kept: ${lastCheckpoint}`
        : checkpointDir !== undefined ? 'no checkpoint had been written yet' : 'nothing was saved';
      throw new DivergenceError(`${e.message}\n${kept}; no model file was written`, e.step, e.lastFiniteCost);
    }
    throw e;
  } finally {
    process.removeListener('SIGINT', onSigint);
    gpuContext?.destroy();
  }
  progress.stopBar();

  const report: RunReport = {
    format: 'glassbox-run',
    version: 1,
    created: new Date().toISOString(),
    command: ['glassbox', ...argv].join(' '),
    config,
    data: dataSummary(splits),
    parameters: model.parameterCount(),
    history: result.history,
    best: bestEpoch(result.history),
    test: null,
    seconds: 0,
    stopped: result.stopped,
    resumedFrom: resumed ? { file: resumed.file, step: resumed.checkpoint.state.step } : null,
    checkpoint: lastCheckpoint,
    model: null,
    runRecord: null,
    warnings,
    backend,
  };

  if (result.stopped) {
    report.seconds = (performance.now() - t0) / 1000;
    const where = checkpointDir !== undefined
      ? `checkpoint written to ${lastCheckpoint}\nresume with: glassbox train --resume ${checkpointDir}`
      : 'nothing was saved (give --checkpoint-dir DIR to be able to resume)';
    if (flags.json) printJson(report);
    else if (result.state) process.stderr.write(`stopped at step ${result.state.step} (epoch ${result.state.epoch + 1}, batch ${result.state.batchInEpoch})\n${where}\n`);
    else process.stderr.write(`stopped after epoch ${result.history.length}\n${where}\n`);
    return EXIT_INTERRUPTED;
  }

  report.test = evaluate(model, splits.test);
  report.seconds = (performance.now() - t0) / 1000;
  await saveModel(flags.out, model, { ...meta, seed: config.seed, epochs: result.state?.epoch ?? result.history.length, testAccuracy: report.test.accuracy });
  report.model = flags.out;
  report.runRecord = runRecordPath(flags.out);
  await writeFileAtomic(report.runRecord, JSON.stringify(report, null, 1) + '\n');

  if (flags.json) {
    printJson(report);
    return 0;
  }
  const out = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  if (!flags.quiet) {
    out('');
    // With --monitor alignment, one more column: each layer's mean angle between the rule's update and ∂C/∂W.
    const aligned = result.history.some((r) => r.alignment);
    const layersNamed = config.sizes.slice(1).map((_, i) => `W${i + 2}`).join(' / ');
    printTable(
      ['epoch', 'training cost', 'validation accuracy', 'seconds', ...(aligned ? [`angle to ∂C/∂W (${layersNamed})`] : [])],
      result.history.map((r) => [
        r.epoch, formatNumber(r.trainCost), r.validation ? percent(r.validation.accuracy) : '—', r.seconds.toFixed(1),
        ...(aligned ? [r.alignment ? r.alignment.map((a) => `${a.angle.toFixed(0)}°`).join(' / ') : '—'] : []),
      ]),
      out,
    );
    if (report.best) out(`best validation accuracy ${percent(report.best.validationAccuracy)} at epoch ${report.best.epoch}`);
  }
  out(`test accuracy ${percent(report.test.accuracy)} (${report.test.correct}/${report.test.total}), mean cost ${formatNumber(report.test.cost)}, ${formatSeconds(report.seconds)} in all, backend ${backend}`);
  out(`model saved to ${flags.out}`);
  if (!flags.quiet) out(`run record saved to ${report.runRecord}`);
  return 0;
}

/** Register `glassbox train` on the program. */
export function registerTrain(program: Command): void {
  const d = PRESETS.default;
  const cmd = program
    .command('train')
    .description('Train a network by backpropagation (or another --rule) and save it (MNIST by default: ≥ 95% test accuracy in about a minute)')
    .option('--data <name|folder|file.csv>', 'mnist, fashion-mnist, circle, xor, gauss, spiral, a folder of IDX files, or a CSV file (label column first)', 'mnist')
    .addOption(
      new Option('--layers <sizes>', 'hidden layer sizes (e.g. 100 or 256,128), or the full list input to output (e.g. 784,100,10)')
        .argParser(sizesFlag)
        .default(d.hidden, `${d.hidden.join(',')} (the preset's hidden layers)`),
    )
    .addOption(new Option('--activation <name>', 'activation of the hidden layers').choices(activationNames.filter((a) => a !== 'softmax')).default(d.activation))
    .addOption(new Option('--output <name>', 'activation of the output layer').choices(activationNames).default(d.output))
    .addOption(new Option('--cost <name>', 'cost function').choices(costNames).default(d.cost))
    .addOption(new Option('--init <name>', 'weight initialiser: large N(0,1), default N(0,1/n_in), xavier, he').choices(initNames).default(d.init))
    .addOption(new Option('--optimizer <name>', 'update rule').choices(OPTIMIZER_NAMES).default('sgd'))
    .addOption(
      new Option('--rule <name>', `learning rule: how the updates are found (docs/beyond-backprop.md; default η: ${TRAIN_RULES.filter((r) => r !== 'backprop').map((r) => `${r} ${RULE_ETA[r]}`).join(', ')}; forward-forward is for glassbox compare only)`)
        .choices(RULE_NAMES).default('backprop'), // forward-forward is refused with the reason (runConfig)
    )
    .option('--momentum <mu>', 'momentum coefficient μ in [0, 1) for --optimizer momentum', numberFlag(0), 0.9)
    .option('--epochs <n>', 'epochs to train', intFlag(1), d.epochs)
    .option('--batch <n>', 'mini-batch size', intFlag(1), d.batch)
    .addOption(new Option('--eta <rate>', 'learning rate η').argParser(numberFlag(0, true)).default(d.eta, `${d.eta}, or ${ADAM_ETA} with --optimizer adam, or glassbox compare's rate for another --rule`))
    .option('--lambda <λ>', "L2 regularisation λ (Nielsen's λ/n scaling)", numberFlag(0), d.lambda)
    .option('--l1 <λ1>', 'L1 regularisation λ₁ (scaled by 1/n)', numberFlag(0), 0)
    .option('--seed <n>', 'seed of every random choice (initial weights, shuffling)', intFlag(0), 1)
    .option('--limit <n>', 'use only the first n examples of each split (train, validation, test) (default: all)', intFlag(1))
    .option('--out <file>', 'where to save the model (the run record goes beside it, as .run.json)', 'models/model.json')
    .addOption(new Option('--preset <name>', `settings from the book, overridden by explicit flags: ${PRESET_NAMES.map((p) => `${p} = ${PRESETS[p].description}`).join('; ')}`).choices(PRESET_NAMES).default('default'))
    .option('--backend <name>', `kernel backend: auto (webgpu when a hardware GPU is found — in Node through the webgpu package; else wasm when this runtime has WebAssembly SIMD, else js), wasm, ${listBackends().join(', ')}, or webgpu (train on the GPU: SGD, momentum, Adam, L2, L1, --monitor, the rules backprop, feedback-alignment and direct-feedback-alignment; checkpoints resume on either)`, 'auto')
    .option('--json', 'print one JSON document (the run record) instead of tables and progress')
    .option('--quiet', 'no progress output; print only the test accuracy and where the model went')
    .option('--checkpoint-dir <dir>', 'write a checkpoint there at every epoch end (and on Ctrl-C), keeping the newest two (default: none)')
    .option('--checkpoint-every <minutes>', 'also write a checkpoint every this many minutes (with --checkpoint-dir) (default: only at epoch ends)', numberFlag(0, true))
    .option('--resume <dir>', 'continue the run whose checkpoints are in dir, bit-identical to an uninterrupted run; checkpoints keep going there (default: a new run)')
    .addOption(
      new Option(
        '--monitor <what>',
        'record every epoch, in the run record (glassbox plot draws them): dynamics = per-layer learning speed ‖∂C/∂b‖, ‖∂C/∂W‖; ' +
          "alignment = the angle between the --rule's updates of each W and backprop's gradient; or dynamics,alignment (default: off)",
      ).argParser(monitorFlag),
    );
  cmd.action(async (flags: TrainFlags, command: Command) => {
    const given = (name: string): boolean => command.getOptionValueSource(name) === 'cli';
    // Preset-dependent defaults: the flag counts only when given explicitly.
    const code = await runTrain(flags, given, process.argv.slice(2));
    if (code === EXIT_INTERRUPTED) process.exitCode = EXIT_INTERRUPTED; // main.ts keeps a code a command set
  });
}
