/**
 * cli/compare — `glassbox compare`: several learning rules trained on the same network, data, seed,
 * batch order and budget (epochs, seconds of training, or examples seen), then one table — test
 * accuracy, examples needed to reach a target accuracy (data hunger), training time, forward and
 * backward passes — and the learning curves as a hand-written SVG.
 *
 * Fairness: every rule starts from the same initial weights (one seed) and sees the same batches in
 * the same order; each rule's own randomness (feedback matrices, directions, noise, wrong labels)
 * comes from a generator of its own, so it cannot shift the batch order of the others. Curves are
 * measured on held-out examples (the validation set when there is one) and the time spent measuring
 * them is not counted as training time. Only the learning rate differs between rules: each has a
 * default tuned for it (RULE_ETA), and --eta overrides it.
 */
import { performance } from 'node:perf_hooks';
import { Command, Option } from 'commander';
import {
  activationNames, adam, ArgumentError, costNames, DivergenceError, evaluate, fit, formatNumber, formatSeconds, initNames, loadDataset,
  isolatedRule, ruleAlignment, warmUpRule, Rng, RULE_NAMES, ruleByName, sequential, sgd, sliceDataset, writeFileAtomic,
  type Dataset, type LearningRule, type Optimizer, type RuleName, type Sequential,
} from '../index.js';
import { intFlag, numberFlag, printJson, printTable, sizesFlag, UsageError } from './common.js';
import { percent } from './progress.js';
import { ADAM_ETA, RULE_ETA } from './rule-rates.js';
import { resolveSizes, type RunConfig, type TrainFlags } from './train.js';

/** One point of a learning curve. */
export interface CurvePoint {
  /** Training examples seen so far. */
  examples: number;
  /** Training seconds so far, wall clock (curve measurements excluded). */
  seconds: number;
  /** Training CPU seconds so far (curve measurements excluded). */
  cpuSeconds: number;
  /** Accuracy on the curve's held-out examples. */
  accuracy: number;
  /**
   * Degrees between the rule's update of W2 and backprop's ∂C/∂W2 on the first PROBE_EXAMPLES
   * training rows at these weights (rules/alignment); null for forward-forward (another objective)
   * or where either is zero.
   */
  angle: number | null;
}

/** The first this many training rows: the batch each curve point's angle to the gradient is measured on. */
export const PROBE_EXAMPLES = 100;

/** The outcome of one rule. */
export interface RuleResult {
  rule: RuleName;
  description: string;
  eta: number;
  /** Accuracy on the full test split at the end (null when training diverged). */
  testAccuracy: number | null;
  /** Examples seen when the curve first reached the target accuracy (null: never). */
  examplesToTarget: number | null;
  /** Training seconds, wall clock (curve measurements excluded). */
  seconds: number;
  /**
   * CPU seconds this process spent training (user + system, curve measurements excluded): on a
   * shared machine a fairer measure of the work than the wall clock.
   */
  cpuSeconds: number;
  examples: number;
  steps: number;
  /** Forward passes through the network over a mini-batch, summed over the steps. */
  forwardPasses: number;
  /** Backward passes through the network over a mini-batch, summed over the steps. */
  backwardPasses: number;
  /** Why training stopped early, e.g. divergence (null when it ran its budget). */
  failure: string | null;
  curve: CurvePoint[];
}

/** The whole comparison, as printed by --json. */
export interface CompareReport {
  format: 'glassbox-compare';
  version: 1;
  created: string;
  command: string;
  config: Pick<RunConfig, 'data' | 'limit' | 'sizes' | 'activation' | 'output' | 'cost' | 'init' | 'batch' | 'seed'> & {
    optimizer: 'sgd' | 'adam';
    budget: Budget;
    target: number;
    evalEvery: number;
    evalSize: number;
    /** Which split the curves are measured on. */
    curveSplit: 'validation' | 'test';
  };
  parameters: number;
  results: RuleResult[];
  svg: string | null;
}

/** How long each rule trains. */
export type Budget = { kind: 'epochs'; value: number } | { kind: 'seconds'; value: number } | { kind: 'examples'; value: number };

/** `glassbox compare`'s option values; the network's come as `glassbox train` takes them. */
interface CompareFlags extends Pick<TrainFlags, 'data' | 'layers' | 'activation' | 'output' | 'cost' | 'init'> {
  rules: string;
  optimizer: 'sgd' | 'adam';
  eta?: string;
  batch: number;
  epochs?: number;
  seconds?: number;
  examples?: number;
  target: number;
  evalEvery?: number;
  evalSize: number;
  seed: number;
  limit?: number;
  out?: string;
  json?: boolean;
  quiet?: boolean;
}

/** `--rules a,b,c` (or `all`) → rule names, checked, without repeats. */
export function parseRuleList(value: string): RuleName[] {
  if (value.trim() === 'all') return [...RULE_NAMES];
  const names = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new UsageError(`--rules: expected a comma-separated list of rules (${RULE_NAMES.join(', ')}) or 'all', got '${value}'`);
  const unknown = names.filter((n) => !(RULE_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) throw new UsageError(`--rules: unknown rule '${unknown[0]}', expected some of: ${RULE_NAMES.join(', ')} (or 'all')`);
  return [...new Set(names)] as RuleName[];
}

/**
 * `--eta 0.3` (every rule) or `--eta backprop=0.5,forward-gradient=0.002` (those rules; the rest keep
 * their defaults) → a rate per rule.
 */
export function parseEta(value: string | undefined, chosen: readonly RuleName[], defaults: (rule: RuleName) => number): Record<string, number> {
  const eta: Record<string, number> = Object.fromEntries(chosen.map((r) => [r, defaults(r)]));
  if (value === undefined) return eta;
  const positive = (text: string, what: string): number => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`--eta: ${what} must be a number > 0, got '${text}'`);
    return n;
  };
  if (!value.includes('=')) {
    const n = positive(value, 'the learning rate');
    for (const r of chosen) eta[r] = n;
    return eta;
  }
  for (const part of value.split(',')) {
    const [name, rate, extra] = part.split('=').map((s) => s.trim());
    if (rate === undefined || extra !== undefined) throw new UsageError(`--eta: expected rule=rate pairs like backprop=0.5,forward-gradient=0.01, got '${part}'`);
    if (!chosen.includes(name as RuleName)) {
      throw new UsageError(`--eta: '${name}' is not among the rules being compared (${chosen.join(', ')})`);
    }
    eta[name] = positive(rate, `the rate of ${name}`);
  }
  return eta;
}

/** Exactly one of --epochs, --seconds, --examples (default: 1 epoch). */
export function parseBudget(flags: Pick<CompareFlags, 'epochs' | 'seconds' | 'examples'>): Budget {
  const given = (['epochs', 'seconds', 'examples'] as const).filter((k) => flags[k] !== undefined);
  if (given.length > 1) throw new UsageError(`give one budget, not ${given.map((k) => `--${k}`).join(' and ')}: --epochs N, --seconds S or --examples N`);
  if (flags.seconds !== undefined) return { kind: 'seconds', value: flags.seconds };
  if (flags.examples !== undefined) return { kind: 'examples', value: flags.examples };
  return { kind: 'epochs', value: flags.epochs ?? 1 };
}

/** The budget in words: `2 epochs`, `30 s of training`, `10000 examples`. */
function budgetText(b: Budget): string {
  if (b.kind === 'epochs') return `${b.value} epoch${b.value === 1 ? '' : 's'}`;
  if (b.kind === 'seconds') return `${b.value} s of training`;
  return `${b.value} examples`;
}

interface RunSetup {
  sizes: number[];
  flags: CompareFlags;
  budget: Budget;
  train: Dataset;
  curveSet: Dataset;
  test: Dataset;
  evalEvery: number;
  eta: number;
  /** Called with a line of progress (stderr), or not at all when silent. */
  note: (line: string) => void;
}

function makeModel(setup: RunSetup): Sequential {
  const { flags, sizes } = setup;
  return sequential({ sizes, activation: flags.activation, output: flags.output, cost: flags.cost, init: flags.init, rng: new Rng(flags.seed).fork() });
}

function makeOptimizer(kind: 'sgd' | 'adam', eta: number): Optimizer {
  return kind === 'adam' ? adam({ eta }) : sgd({ eta });
}

/** CPU seconds (user + system) this process has used so far. */
function cpuNow(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Train one rule under the budget, measuring its curve; never throws for divergence. */
async function runRule(name: RuleName, setup: RunSetup): Promise<RuleResult> {
  const { flags, budget, train, curveSet, test, evalEvery } = setup;
  const rule = ruleByName(name);
  const counts = { forward: 0, backward: 0 };
  const wrapped = isolatedRule(rule, flags.seed, counts);
  const predict = rule.predict?.bind(rule);
  const model = makeModel(setup);
  const n = train.labels.length;
  warmUpRule(rule, makeModel(setup), train.x, train.y, flags.batch); // JIT warm-up, untimed
  // The rule's state as the wrapped rule draws it (same seed and name: the same fixed matrices), kept
  // apart, and a fixed batch: the angle of its update of W2 to the gradient at each curve point.
  const probeState = isolatedRule(rule, flags.seed, { forward: 0, backward: 0 }).init(model, new Rng(0)).inner;
  const probeSet = sliceDataset(train, 0, Math.min(PROBE_EXAMPLES, n));
  const angle = (): number | null => {
    if (name === 'forward-forward') return null;
    const a = ruleAlignment(rule, probeState, model, { x: probeSet.x, y: probeSet.y })[0].angle;
    return Number.isFinite(a) ? a : null;
  };
  const measure = (): { accuracy: number; angle: number | null } => ({ accuracy: evaluate(model, curveSet, 1000, predict).accuracy, angle: angle() });

  const curve: CurvePoint[] = [{ examples: 0, seconds: 0, cpuSeconds: 0, ...measure() }];
  const controller = new AbortController();
  let examples = 0;
  let steps = 0;
  let seconds = 0;
  let cpuSeconds = 0;
  let nextEval = evalEvery;
  let mark = performance.now();
  let cpuMark = cpuNow();
  const epochs = budget.kind === 'epochs' ? budget.value : budget.kind === 'examples' ? Math.ceil(budget.value / n) : 1_000_000;
  let failure: string | null = null;
  try {
    await fit(model, train, {
      epochs,
      batchSize: flags.batch,
      optimizer: makeOptimizer(flags.optimizer, setup.eta),
      rule: wrapped as LearningRule,
      rng: new Rng(`${flags.seed}:batches`), // the batch order: the same for every rule
      onEvent: (e) => {
        if (e.type !== 'batch') return;
        seconds += (performance.now() - mark) / 1000;
        cpuSeconds += cpuNow() - cpuMark;
        steps++;
        examples += e.batch < e.batches ? flags.batch : n - (e.batches - 1) * flags.batch;
        const done = (budget.kind === 'examples' && examples >= budget.value) || (budget.kind === 'seconds' && seconds >= budget.value);
        if (done) controller.abort();
        if (examples >= nextEval || done || (budget.kind === 'epochs' && e.epoch === epochs && e.batch === e.batches)) {
          curve.push({ examples, seconds, cpuSeconds, ...measure() });
          while (nextEval <= examples) nextEval += evalEvery;
        }
        mark = performance.now(); // measuring the curve is not training time
        cpuMark = cpuNow();
      },
      signal: controller.signal,
    });
  } catch (e) {
    if (!(e instanceof DivergenceError)) throw e;
    failure = `diverged at step ${e.step} (η ${setup.eta} too large?)`;
  }
  const testAccuracy = failure ? null : evaluate(model, test, 1000, predict).accuracy;
  const reached = curve.find((p) => p.accuracy >= flags.target);
  const result: RuleResult = {
    rule: name,
    description: rule.description,
    eta: setup.eta,
    testAccuracy,
    examplesToTarget: reached ? reached.examples : null,
    seconds,
    cpuSeconds,
    examples,
    steps,
    forwardPasses: counts.forward,
    backwardPasses: counts.backward,
    failure,
    curve,
  };
  setup.note(
    `${name}: ${failure ?? `test accuracy ${percent(testAccuracy!)}`}, ${examples} examples in ${formatSeconds(seconds)}` +
      (reached ? `, ${percent(flags.target)} after ${reached.examples} examples` : ''),
  );
  return result;
}

// ---------------------------------------------------------------------------------------------
// The SVG: accuracy against examples seen and against training time; the angle to the gradient.

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A coordinate with one decimal. */
function px(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

/** Round ticks covering [0, hi]: steps of 1, 2 or 5 × 10^n. */
function ticksTo(hi: number, count = 6): number[] {
  const top = hi > 0 ? hi : 1;
  const raw = top / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * magnitude).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let t = 0; t <= top + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1] < top) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

/** What a chart plots upwards: a value per curve point (null: not measured), its axis, and a dashed mark. */
interface ChartY {
  value: (p: CurvePoint) => number | null;
  ticks: number[];
  label: string;
  mark: { at: number; text: string };
}

/** One chart of `y` against `x` for every rule (a rule with no value drawn is left out), the mark dashed. */
function curveChart(results: readonly RuleResult[], x: (p: CurvePoint) => number, xLabel: string, y: ChartY, title: string, y0: number, width: number, height: number): string {
  const left = 64;
  const right = 210;
  const top = 30;
  const bottom = 44;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const xTicks = ticksTo(Math.max(...results.flatMap((r) => r.curve.map(x))));
  const xMax = xTicks[xTicks.length - 1];
  const yMax = y.ticks[y.ticks.length - 1];
  const sx = (v: number): number => left + (v / xMax) * plotW;
  const sy = (v: number): number => y0 + top + plotH - (v / yMax) * plotH;
  const out: string[] = [`<g class="chart">`, `<text x="${left}" y="${px(y0 + 18)}" font-size="14" font-weight="bold">${escapeXml(title)}</text>`];
  for (const t of y.ticks) {
    out.push(`<line x1="${left}" y1="${px(sy(t))}" x2="${px(left + plotW)}" y2="${px(sy(t))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${left - 6}" y="${px(sy(t) + 4)}" text-anchor="end">${t}</text>`);
  }
  for (const t of xTicks) {
    const xx = sx(t);
    out.push(`<line x1="${px(xx)}" y1="${px(y0 + top + plotH)}" x2="${px(xx)}" y2="${px(y0 + top + plotH + 5)}" stroke="#333"/>`);
    out.push(`<text x="${px(xx)}" y="${px(y0 + top + plotH + 18)}" text-anchor="middle">${escapeXml(formatNumber(t, 4))}</text>`);
  }
  out.push(`<line x1="${left}" y1="${px(sy(y.mark.at))}" x2="${px(left + plotW)}" y2="${px(sy(y.mark.at))}" stroke="#999" stroke-dasharray="5,4"/>`);
  out.push(`<rect x="${left}" y="${px(y0 + top)}" width="${px(plotW)}" height="${px(plotH)}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${px(left + plotW / 2)}" y="${px(y0 + height - 6)}" text-anchor="middle">${escapeXml(xLabel)}</text>`);
  const cy = y0 + top + plotH / 2;
  out.push(`<text x="16" y="${px(cy)}" text-anchor="middle" transform="rotate(-90 16 ${px(cy)})">${escapeXml(y.label)}</text>`);
  let row = 0;
  results.forEach((r, i) => {
    const color = PALETTE[i % PALETTE.length]; // by the rule's place in the report: the same in every chart
    const drawn = r.curve.flatMap((p) => {
      const v = y.value(p);
      return v === null ? [] : [`${px(sx(x(p)))},${px(sy(v))}`];
    });
    if (drawn.length === 0) return;
    out.push(`<polyline class="curve" data-rule="${escapeXml(r.rule)}" fill="none" stroke="${color}" stroke-width="2" points="${drawn.join(' ')}"/>`);
    const ly = y0 + top + 10 + row++ * 18;
    const lx = left + plotW + 14;
    out.push(`<line x1="${px(lx)}" y1="${px(ly)}" x2="${px(lx + 22)}" y2="${px(ly)}" stroke="${color}" stroke-width="2"/>`);
    out.push(`<text x="${px(lx + 28)}" y="${px(ly + 4)}">${escapeXml(r.rule)}</text>`);
  });
  const ly = y0 + top + 10 + row * 18;
  out.push(`<line x1="${px(left + plotW + 14)}" y1="${px(ly)}" x2="${px(left + plotW + 36)}" y2="${px(ly)}" stroke="#999" stroke-dasharray="5,4"/>`);
  out.push(`<text x="${px(left + plotW + 42)}" y="${px(ly + 4)}" fill="#666">${escapeXml(y.mark.text)}</text>`);
  out.push('</g>');
  return out.join('\n');
}

/**
 * The learning curves of a comparison as a self-contained SVG document: accuracy against examples
 * seen, and against CPU time (steadier than the wall clock on a shared machine); then, when any
 * rule's was measured, the angle of its update of W2 to backprop's gradient against examples seen.
 */
export function compareSvg(report: Pick<CompareReport, 'results' | 'config'>, title: string): string {
  const width = 760;
  const chartHeight = 300;
  const titleH = 30;
  const curveOn = report.config.curveSplit;
  const accuracy: ChartY = {
    value: (p) => 100 * p.accuracy, ticks: [0, 20, 40, 60, 80, 100], label: 'accuracy (%)',
    mark: { at: 100 * report.config.target, text: `target ${percent(report.config.target)}` },
  };
  const angles = report.results.flatMap((r) => r.curve.map((p) => p.angle).filter((a): a is number => a !== null));
  const yMax = Math.min(180, 30 * Math.ceil(Math.max(90, ...angles) / 30));
  const angle: ChartY = {
    value: (p) => p.angle, ticks: Array.from({ length: yMax / 30 + 1 }, (_, k) => 30 * k), label: 'angle (degrees)',
    mark: { at: 90, text: '90°: a random direction' },
  };
  const charts = [
    curveChart(report.results, (p) => p.examples, 'training examples seen', accuracy, `${curveOn} accuracy against examples seen (data hunger)`, titleH, width, chartHeight),
    curveChart(report.results, (p) => p.cpuSeconds, 'training CPU seconds', accuracy, `${curveOn} accuracy against training CPU time`, titleH + chartHeight, width, chartHeight),
  ];
  if (angles.length > 0) {
    charts.push(curveChart(report.results, (p) => p.examples, 'training examples seen', angle, "angle between the rule's update of W2 and backprop's ∂C/∂W2", titleH + 2 * chartHeight, width, chartHeight));
  }
  const height = titleH + charts.length * chartHeight;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="21" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...charts,
    '</svg>',
  ].join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------

/** Run `glassbox compare` with parsed flags; returns the report (also printed). */
export async function runCompare(flags: CompareFlags, argv: readonly string[]): Promise<CompareReport> {
  const chosen = parseRuleList(flags.rules);
  const budget = parseBudget(flags);
  if (!(flags.target > 0 && flags.target <= 1)) throw new UsageError(`--target must be an accuracy in (0, 1], got ${flags.target}`);
  if (flags.activation === 'softmax') throw new UsageError('--activation softmax is for the output layer only: use --output softmax (with --cost log-likelihood)');
  const eta = parseEta(flags.eta, chosen, (r) => (flags.optimizer === 'adam' ? ADAM_ETA : RULE_ETA[r]));
  const silent = Boolean(flags.json || flags.quiet);
  const note = (line: string): void => {
    if (!silent) process.stderr.write(`${line}\n`);
  };

  note(`loading ${flags.data}${flags.limit !== undefined ? ` (first ${flags.limit} examples of each split)` : ''}…`);
  const splits = await loadDataset(flags.data, flags.limit !== undefined ? { limit: flags.limit } : {});
  const sizes = resolveSizes(flags.layers ?? [100], splits.train.x.shape[1], splits.train.classes, flags.data);
  const heldOut = splits.validation ?? splits.test;
  const curveSet = sliceDataset(heldOut, 0, Math.min(flags.evalSize, heldOut.labels.length));
  const n = splits.train.labels.length;
  const plannedExamples = budget.kind === 'epochs' ? budget.value * n : budget.kind === 'examples' ? budget.value : 2 * n; // seconds: every tenth of an epoch
  const evalEvery = flags.evalEvery ?? Math.max(flags.batch, Math.round(plannedExamples / 20));

  let model: Sequential;
  try {
    model = sequential({ sizes, activation: flags.activation, output: flags.output, cost: flags.cost, init: flags.init, rng: 0 });
  } catch (e) {
    if (e instanceof ArgumentError) throw new UsageError(e.message.replace(/^sequential: /, ''));
    throw e;
  }
  // Every rule must accept the network before any training starts (forward-forward has needs).
  for (const r of chosen) {
    try {
      ruleByName(r).init(model, new Rng(0));
    } catch (e) {
      if (e instanceof ArgumentError) throw new UsageError(`--rules ${r}: ${e.message.replace(/^[a-z-]+: /, '')}; leave it out or change the network`);
      throw e;
    }
  }

  const report: CompareReport = {
    format: 'glassbox-compare',
    version: 1,
    created: new Date().toISOString(),
    command: ['glassbox', ...argv].join(' '),
    config: {
      data: flags.data, limit: flags.limit ?? null, sizes, activation: flags.activation, output: flags.output, cost: flags.cost, init: flags.init,
      optimizer: flags.optimizer, batch: flags.batch, seed: flags.seed, budget, target: flags.target, evalEvery,
      evalSize: curveSet.labels.length, curveSplit: splits.validation ? 'validation' : 'test',
    },
    parameters: model.parameterCount(),
    results: [],
    svg: null,
  };
  note(`comparing ${chosen.length} rules on [${sizes.join(', ')}] (${model.parameterCount()} parameters), ${n} training examples, ${budgetText(budget)} each, batch ${flags.batch}`);
  for (const r of chosen) {
    report.results.push(await runRule(r, { sizes, flags, budget, train: splits.train, curveSet, test: splits.test, evalEvery, eta: eta[r], note }));
  }
  if (flags.out !== undefined) {
    const title = `${flags.data}, [${sizes.join(', ')}], ${budgetText(budget)}, batch ${flags.batch}, seed ${flags.seed}`;
    await writeFileAtomic(flags.out, compareSvg(report, title));
    report.svg = flags.out;
  }

  if (flags.json) {
    printJson(report);
    return report;
  }
  const out = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  out('');
  printTable(
    ['rule', 'η', 'test accuracy', `examples to ${percent(flags.target)}`, 'training time', 'CPU time', 'forward passes', 'backward passes', 'W2 angle to ∂C/∂W2'],
    report.results.map((r) => [
      r.rule,
      formatNumber(r.eta),
      r.testAccuracy === null ? r.failure! : percent(r.testAccuracy),
      r.examplesToTarget === null ? 'not reached' : String(r.examplesToTarget),
      formatSeconds(r.seconds),
      formatSeconds(r.cpuSeconds),
      r.forwardPasses,
      r.backwardPasses,
      angleSpan(r.curve),
    ]),
    out,
  );
  out(
    `examples to target: the first ${report.config.curveSplit} measurement (every ${evalEvery} examples, on ${curveSet.labels.length} examples) at or above ${percent(flags.target)}; ` +
      `times exclude those measurements; passes are over mini-batches of ${flags.batch}; ` +
      `angle: between the rule's update of W2 and backprop's gradient on the first ${Math.min(PROBE_EXAMPLES, n)} training examples, at the first and last measurement (90°: a random direction)`,
  );
  if (report.svg) out(`learning curves saved to ${report.svg}`);
  return report;
}

/** A rule's angle to the gradient at its first and last measured curve point: `88° → 41°`, or — where none was measured. */
function angleSpan(curve: readonly CurvePoint[]): string {
  const angles = curve.map((p) => p.angle).filter((a): a is number => a !== null);
  return angles.length === 0 ? '—' : `${angles[0].toFixed(0)}° → ${angles[angles.length - 1].toFixed(0)}°`;
}

/** Register `glassbox compare` on the program. */
export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('Train the same network with several learning rules (backprop and its alternatives) and compare accuracy, data hunger and cost')
    .option('--rules <list>', `comma-separated rules, or 'all': ${RULE_NAMES.join(', ')}`, 'all')
    .option('--data <name|folder|file.csv>', 'mnist, fashion-mnist, circle, xor, gauss, spiral, a folder of IDX files, or a CSV file', 'mnist')
    .option('--layers <sizes>', 'hidden layer sizes (e.g. 100), or the full list input to output (e.g. 784,100,10); default 100', sizesFlag)
    .addOption(new Option('--activation <name>', 'activation of the hidden layers').choices(activationNames.filter((a) => a !== 'softmax')).default('sigmoid'))
    .addOption(new Option('--output <name>', 'activation of the output layer').choices(activationNames).default('sigmoid'))
    .addOption(new Option('--cost <name>', 'cost function').choices(costNames).default('cross-entropy'))
    .addOption(new Option('--init <name>', 'weight initialiser').choices(initNames).default('default'))
    .addOption(new Option('--optimizer <name>', 'update rule applied to every rule\'s directions').choices(['sgd', 'adam']).default('sgd'))
    .option('--eta <rates>', `learning rate for every rule (0.3), or per rule (backprop=0.5,forward-gradient=0.01); default per rule with sgd: ${RULE_NAMES.map((r) => `${r} ${RULE_ETA[r]}`).join(', ')}; ${ADAM_ETA} with adam`)
    .option('--batch <n>', 'mini-batch size', intFlag(1), 10)
    .option('--epochs <n>', 'budget: epochs per rule (the default, 1)', intFlag(1))
    .option('--seconds <s>', 'budget: seconds of training per rule', numberFlag(0, true))
    .option('--examples <n>', 'budget: training examples per rule', intFlag(1))
    .option('--target <accuracy>', 'the accuracy whose data cost is measured, as a fraction', numberFlag(0, true), 0.9)
    .option('--eval-every <n>', 'measure the learning curve every n examples (default: about 20 points per run; a tenth of an epoch with --seconds)', intFlag(1))
    .option('--eval-size <n>', 'held-out examples each curve point is measured on', intFlag(1), 2000)
    .option('--seed <n>', 'seed of the initial weights, the batch order and every rule\'s randomness', intFlag(0), 1)
    .option('--limit <n>', 'use only the first n examples of each split', intFlag(1))
    .option('--out <file.svg>', 'write the learning curves there as SVG')
    .option('--json', 'print one JSON document (the report, curves included)')
    .option('--quiet', 'no progress lines')
    .action(async (flags: CompareFlags) => {
      await runCompare(flags, process.argv.slice(2));
    });
}
