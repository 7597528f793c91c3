/**
 * cli/explain — `glassbox explain trace|ripple|paths|saliency|units|dynamics MODEL`: the
 * transparency tools on a saved model and an example (or a batch) of its data, printed as tables,
 * or as the tool's JSON report with --json; saliency and units also write PNG heatmaps (blue
 * negative, white zero, red positive). Layers use Nielsen's numbering 2 … L; the weight w^L_jk is
 * `--layer L --to j --from k`, neurons counted from 0. Also the helpers gradcheck.ts shares.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import pngjs from 'pngjs';
import {
  dynamics, formatNumber, heatmapGrid, loadDataset, loadModel, ParameterRangeError, paths, ripple, saliency, sliceRows, trace, units,
  type Dataset, type ModelMeta, type ParameterRef, type RgbaImage, type Sequential, type Tensor, writeFileAtomic,
} from '../index.js';
import { intFlag, printJson, printTable, UsageError } from './common.js';
import { pickSplit, SPLIT_NAMES, type SplitName } from './eval.js';

const out = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

const fmt = (x: number): string => formatNumber(x, 4);

/** Flags every data-reading subcommand shares. */
export interface DataFlags {
  data?: string;
  split: SplitName;
}

/**
 * A saved model and the split of its data set that the flags name. `limit` keeps only the first
 * rows of each split (for one example N, N + 1 rows are enough: far less to convert).
 */
export async function loadModelAndData(file: string, flags: DataFlags, limit?: number): Promise<{ model: Sequential; meta: ModelMeta; ds: Dataset; dataName: string }> {
  const { model, meta } = await loadModel(file);
  const dataName = flags.data ?? (typeof meta.dataset === 'string' ? meta.dataset : 'mnist');
  const splits = await loadDataset(dataName, limit !== undefined ? { limit } : {});
  return { model, meta, ds: pickSplit(splits, flags.split, model, file, dataName), dataName };
}

/** Example `index` of `ds` as [1, nIn] and [1, nOut] tensors; a usage error names the valid range. */
export function exampleAt(ds: Dataset, index: number, where: string): { x: Tensor; y: Tensor; label: number } {
  const n = ds.labels.length;
  if (index >= n) throw new UsageError(`--index ${index} is out of range: ${where} has examples 0…${n - 1}`);
  return { x: sliceRows(ds.x, index, index + 1), y: sliceRows(ds.y, index, index + 1), label: ds.labels[index] };
}

/** Run a tool, turning a layer/neuron out of range into a usage error that names the flag. */
export function withFlagNames<T>(run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof ParameterRangeError) throw new UsageError(`${e.tool}: --${e.option} ${String(e.value)} is out of range: ${e.valid}`);
    throw e;
  }
}

/** Encode an RGBA image as PNG and write it atomically. */
async function writePng(file: string, img: RgbaImage): Promise<void> {
  const png = new pngjs.PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  await writeFileAtomic(file, pngjs.PNG.sync.write(png));
}

/** commander argParser: a comma-separated list of finite, non-zero numbers (the Δw of ripple). */
function deltasFlag(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const deltas = parts.map(Number);
  if (parts.some((s, i) => s === '' || !Number.isFinite(deltas[i]) || deltas[i] === 0)) {
    throw new InvalidArgumentError(`expected non-zero numbers separated by commas, like 0.1,0.01,0.001, got '${value}'`);
  }
  return deltas;
}

/** commander argParser: an image shape `28x28`. */
function shapeFlag(value: string): [number, number] {
  const m = /^(\d+)[x×,](\d+)$/.exec(value.trim());
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new InvalidArgumentError(`expected rows×columns like 28x28, got '${value}'`);
  return [Number(m[1]), Number(m[2])];
}

interface ParameterFlags {
  layer: number;
  to: number;
  from?: number;
  bias?: boolean;
}

/** The parameter the flags name; exactly one of --from and --bias. */
function parameterFrom(command: string, flags: ParameterFlags): ParameterRef {
  if ((flags.from === undefined) === !flags.bias) {
    throw new UsageError(`explain ${command}: give --from K for the weight w^L_jk (from neuron k of layer L−1), or --bias for the bias b^L_j`);
  }
  return flags.bias ? { layer: flags.layer, to: flags.to, bias: true } : { layer: flags.layer, to: flags.to, from: flags.from };
}

function addDataOptions(cmd: Command, what: string): Command {
  return cmd
    .option('--data <name|folder|file.csv>', 'the data set (default: the one the model was trained on, from its file; else mnist)')
    .addOption(new Option('--split <name>', `which split ${what} comes from`).choices(SPLIT_NAMES).default('test'));
}

function addParameterOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--layer <L>', "Nielsen's layer number of the parameter: 2 (first hidden layer) … L (output)", intFlag(0))
    .requiredOption('--to <j>', 'neuron j of layer L that the weight feeds (0-based)', intFlag(0))
    .option('--from <k>', 'neuron k of layer L−1 the weight comes from (0-based): the weight w^L_jk', intFlag(0))
    .option('--bias', 'the bias b^L_j instead of a weight');
}

/** `--full` or a short layer: every neuron; else a summary line. */
function vectorSummary(v: readonly number[]): string {
  let min = Infinity;
  let max = -Infinity;
  let sumSq = 0;
  let argMaxAbs = 0;
  v.forEach((x, i) => {
    min = Math.min(min, x);
    max = Math.max(max, x);
    sumSq += x * x;
    if (Math.abs(x) > Math.abs(v[argMaxAbs])) argMaxAbs = i;
  });
  return `min ${fmt(min)}, max ${fmt(max)}, ‖·‖ ${fmt(Math.sqrt(sumSq))}, largest |·| at neuron ${argMaxAbs}`;
}

interface TraceFlags extends DataFlags { index: number; full?: boolean; json?: boolean }

async function runTrace(file: string, flags: TraceFlags): Promise<void> {
  const { model, ds, dataName } = await loadModelAndData(file, flags, flags.index + 1);
  const where = `${dataName} ${flags.split}`;
  const ex = exampleAt(ds, flags.index, where);
  const r = trace(model, ex.x, ex.y);
  if (flags.json) {
    printJson({ model: file, data: dataName, split: flags.split, index: flags.index, label: ex.label, ...r });
    return;
  }
  out(`trace of ${where} #${flags.index} (class ${ex.label}) through [${r.sizes.join(', ')}], ${r.cost} cost: C = ${fmt(r.costValue)}`);
  out(`BP1 ${r.bp1}`);
  out("BP2 δ^l = ((W^{l+1})ᵀ δ^{l+1}) ⊙ σ'(z^l)   BP3 ∂C/∂b^l = δ^l   BP4 ∂C/∂w^l_jk = a^{l−1}_k δ^l_j");
  for (const layer of r.layers) {
    const n = layer.z.length;
    out('');
    out(`layer ${layer.layer} (${layer.activation}, ${n} neurons)`);
    if (flags.full || n <= 12) {
      printTable(['neuron j', 'z', 'a', 'δ = ∂C/∂b'], layer.z.map((z, j) => [j, fmt(z), fmt(layer.a[j]), fmt(layer.delta[j])]), out);
    } else {
      out(`  z        ${vectorSummary(layer.z)}`);
      out(`  a        ${vectorSummary(layer.a)}`);
      out(`  δ = ∂C/∂b ${vectorSummary(layer.delta)}`);
    }
    let best = { j: 0, k: 0, v: 0 };
    layer.dW.forEach((rowW, j) => rowW.forEach((v, k) => { if (Math.abs(v) > Math.abs(best.v)) best = { j, k, v }; }));
    const norm = Math.sqrt(layer.dW.reduce((s, rowW) => s + rowW.reduce((t, v) => t + v * v, 0), 0));
    out(`  ∂C/∂w    ${n}×${layer.dW[0].length}, ‖·‖ ${fmt(norm)}, largest |∂C/∂w| = ${fmt(best.v)} at w^${layer.layer}_{${best.j},${best.k}} (--json for every entry)`);
  }
}

interface RippleFlags extends DataFlags, ParameterFlags { index?: number; batch?: boolean; limit?: number; delta?: number[]; json?: boolean }

async function runRipple(file: string, flags: RippleFlags): Promise<void> {
  if (flags.batch && flags.index !== undefined) throw new UsageError('explain ripple: give --index N (one example) or --batch (the whole split), not both');
  if (flags.limit !== undefined && !flags.batch) throw new UsageError('explain ripple: --limit goes with --batch');
  const ref = parameterFrom('ripple', flags);
  const { model, ds, dataName } = await loadModelAndData(file, flags, flags.batch ? flags.limit : (flags.index ?? 0) + 1);
  const where = `${dataName} ${flags.split}`;
  let x: Tensor;
  let y: Tensor;
  let input: string;
  if (flags.batch) {
    ({ x, y } = ds);
    input = `all ${ds.labels.length} examples of ${where} (mean cost)`;
  } else {
    const index = flags.index ?? 0;
    const ex = exampleAt(ds, index, where);
    ({ x, y } = ex);
    input = `${where} #${index} (class ${ex.label})`;
  }
  const t0 = performance.now();
  const r = withFlagNames(() => ripple(model, x, y, flags.delta ? { ...ref, deltas: flags.delta } : ref));
  const seconds = (performance.now() - t0) / 1000;
  if (flags.json) {
    printJson({ model: file, data: dataName, split: flags.split, index: flags.batch ? null : (flags.index ?? 0), seconds, ...r });
    return;
  }
  out(`ripple: nudge ${r.parameter.name} = ${fmt(r.parameter.value)} by Δw on ${input}; C = ${fmt(r.cost)}`);
  out(`∂C/∂w by forward mode (JVP, one pass): Ċ = ${r.costDot}`);
  out(`∂C/∂w by backprop (reverse mode):       ${r.gradient}`);
  if (r.costDot === 0 && r.gradient === 0) {
    out('(nothing flows through this weight here: its input neuron is silent (a = 0, e.g. a blank pixel) or the');
    out(' neuron it feeds does not respond; pick a weight whose input is active, or average over --batch)');
  }
  out('');
  printTable(
    ['Δw', 'ΔC measured (re-run)', 'Ċ·Δw (JVP)', '(∂C/∂w)·Δw', '|measured − linear|', 'ΔC/Δw'],
    r.steps.map((s) => [fmt(s.delta), fmt(s.measuredCost), fmt(s.predictedCost), fmt(s.linearCost), fmt(s.linearError), fmt(s.slope)]),
    out,
  );
  out(r.observedOrder === null
    ? 'observed order of the error: not measurable (the errors are at round-off level)'
    : `observed order of the error: ${r.observedOrder.toFixed(2)} over ${r.orderSteps} steps (Taylor says 2: the error shrinks like Δw²)`);
  const small = r.steps[r.steps.length - 1];
  out('');
  out(`the change rippling forward, Δw = ${fmt(small.delta)}: per layer the neurons that move most (ȧ = ∂a/∂w from the JVP)`);
  r.layers.forEach((layer, h) => {
    const ranked = layer.aDot.map((v, n) => ({ n, v })).sort((p, q) => Math.abs(q.v) - Math.abs(p.v)).slice(0, 5).filter((e) => e.v !== 0);
    const moved = ranked.map((e) => `a_${e.n}: ȧΔw ${fmt(e.v * small.delta)} vs Δa ${fmt(small.layers[h].measured[e.n])}`).join('; ');
    out(`  layer ${layer.layer}: ${moved || 'no neuron moves'}`);
  });
  out(`(${fmt(seconds)} s)`);
}

interface PathsFlags extends DataFlags, ParameterFlags { index: number; top: number; enumerateUpTo: number; json?: boolean }

async function runPaths(file: string, flags: PathsFlags): Promise<void> {
  const ref = parameterFrom('paths', flags);
  const { model, ds, dataName } = await loadModelAndData(file, flags, flags.index + 1);
  const where = `${dataName} ${flags.split}`;
  const ex = exampleAt(ds, flags.index, where);
  const t0 = performance.now();
  const r = withFlagNames(() => paths(model, ex.x, ex.y, { ...ref, top: flags.top, limit: flags.enumerateUpTo }));
  const seconds = (performance.now() - t0) / 1000;
  if (flags.json) {
    printJson({ model: file, data: dataName, split: flags.split, index: flags.index, label: ex.label, seconds, ...r });
    return;
  }
  const count = BigInt(r.pathCountExact).toLocaleString('en-US');
  out(`paths from ${r.parameter.name} to the cost C, on ${where} #${flags.index} (class ${ex.label})`);
  out(`${count} paths through layers ${r.layers.join(' → ')}, each a product of ${r.factorsPerPath} rates: ∂a/∂w · ∂a/∂a · … · ∂C/∂a`);
  out(r.method === 'enumeration'
    ? `every path enumerated; the ${r.paths.length} largest by |contribution|:`
    : `too many to enumerate (over ${flags.enumerateUpTo.toLocaleString('en-US')}): the ${r.paths.length} largest by |contribution|, found exactly by k-best paths:`);
  printTable(
    ['rank', `neurons (layers ${r.layers[0]}…${r.layers[r.layers.length - 1]})`, 'contribution', 'rates along the path'],
    r.paths.map((p, i) => [i + 1, p.neurons.join(' → '), fmt(p.contribution), p.factors.map(fmt).join(' · ')]),
    out,
  );
  out('');
  out(`sum of the ${r.paths.length} listed:      ${r.listedSum}`);
  out(`remainder (all the others): ${r.remainder}`);
  if (r.enumeratedSum !== null) out(`sum over every path:        ${r.enumeratedSum}`);
  out(`∂C/∂w from backprop:        ${r.total}`);
  out('');
  const w = r.work;
  out(`work: enumerating every path takes ${count} × ${r.factorsPerPath - 1} = ${w.enumerationMultiplications.toLocaleString('en-US')} multiplications for this one parameter;`);
  out(`one backward sweep takes ${w.backpropThisParameter.toLocaleString('en-US')} multiply-adds for it, ${w.backpropAllParameters.toLocaleString('en-US')} for all ${model.parameterCount().toLocaleString('en-US')} parameters at once`);
  out(`(${fmt(seconds)} s)`);
}

interface SaliencyFlags extends DataFlags { index: number; output?: number; out?: string; zoom: number; imageShape?: [number, number]; json?: boolean }

async function runSaliency(file: string, flags: SaliencyFlags): Promise<void> {
  const { model, meta, ds, dataName } = await loadModelAndData(file, flags, flags.index + 1);
  const where = `${dataName} ${flags.split}`;
  const ex = exampleAt(ds, flags.index, where);
  const imageShape = flags.imageShape ?? meta.imageShape ?? ds.imageShape;
  const r = withFlagNames(() => saliency(model, ex.x, ex.y, { ...(flags.output !== undefined ? { output: flags.output } : {}), ...(imageShape ? { imageShape } : {}) }));
  const shape = r.imageShape ?? [1, r.dCdx.length];
  if (flags.out) {
    const input = Array.from(ex.x.dataSync());
    await writePng(flags.out, heatmapGrid([input, r.dCdx, r.dOutputdx], shape, { columns: 3, zoom: flags.zoom, pad: 2 }));
  }
  if (flags.json) {
    printJson({ model: file, data: dataName, split: flags.split, index: flags.index, png: flags.out ?? null, ...r });
    return;
  }
  out(`saliency of ${where} #${flags.index}: class ${r.label}, predicted ${r.predicted} (a^L_${r.predicted} = ${fmt(r.outputs[r.predicted])}), C = ${fmt(r.cost)}`);
  out(`∂C/∂x:          ${vectorSummary(r.dCdx).replace(/neuron/g, 'pixel')}`);
  out(`∂a^L_${r.output}/∂x:      ${vectorSummary(r.dOutputdx).replace(/neuron/g, 'pixel')}`);
  if (flags.out) out(`wrote ${flags.out}: the input, ∂C/∂x and ∂a^L_${r.output}/∂x side by side (${shape[0]}×${shape[1]} each, blue negative, red positive, each map scaled to its largest |value|)`);
}

interface UnitsFlags { out?: string; zoom: number; columns?: number; shared?: boolean; imageShape?: [number, number]; json?: boolean }

async function runUnits(file: string, flags: UnitsFlags): Promise<void> {
  const { model, meta } = await loadModel(file);
  const imageShape = flags.imageShape ?? meta.imageShape;
  const r = units(model, imageShape ? { imageShape } : {});
  const shape = r.imageShape ?? [1, model.inputSize];
  if (flags.out) {
    await writePng(flags.out, heatmapGrid(r.units.map((u) => u.weights), shape, { zoom: flags.zoom, shared: Boolean(flags.shared), ...(flags.columns ? { columns: flags.columns } : {}) }));
  }
  if (flags.json) {
    printJson({ model: file, png: flags.out ?? null, ...r });
    return;
  }
  out(`${r.units.length} neurons in layer 2; each one's weights w^2_j· over the ${model.inputSize} inputs${r.imageShape ? ` (${shape[0]}×${shape[1]})` : ''}`);
  printTable(
    ['neuron j', 'bias b^2_j', '‖w^2_j·‖', 'min weight', 'max weight'],
    r.units.map((u) => [u.neuron, fmt(u.bias), fmt(u.norm), fmt(Math.min(...u.weights)), fmt(Math.max(...u.weights))]),
    out,
  );
  if (flags.out) out(`wrote ${flags.out}: one tile per neuron, blue negative, red positive, ${flags.shared ? 'one colour scale for all' : 'each tile scaled to its largest |weight|'}`);
}

interface DynamicsFlags extends DataFlags { examples: number; json?: boolean }

async function runDynamics(file: string, flags: DynamicsFlags): Promise<void> {
  const { model, ds, dataName } = await loadModelAndData(file, flags, flags.examples);
  const r = dynamics(model, ds, { examples: flags.examples });
  if (flags.json) {
    printJson({ model: file, data: dataName, split: flags.split, ...r });
    return;
  }
  out(`speed of learning per layer (Nielsen ch. 5): ‖∂C/∂b^l‖ and ‖∂C/∂W^l‖ of the mean cost over ${r.examples} ${dataName} ${flags.split} examples`);
  printTable(['layer l', 'neurons', '‖∂C/∂b^l‖', '‖∂C/∂W^l‖'], r.layers.map((l) => [l.layer, r.sizes[l.layer - 1], fmt(l.gradB), fmt(l.gradW)]), out);
  if (r.firstOverLastHidden !== null) out(`first hidden layer / last hidden layer: ${fmt(r.firstOverLastHidden)}`);
}

/** Register `glassbox explain …` on the program. */
export function registerExplain(program: Command): void {
  const explain = program
    .command('explain')
    .description("Open the black box: BP1–BP4 (trace), the ripple of a nudged weight, the paths to the cost, saliency, hidden units, per-layer speed")
    .addHelpText('after', "\nLayers use Nielsen's numbering: layer 1 is the input, 2 the first hidden layer, L the output.\nThe weight w^L_jk (to neuron j of layer L from neuron k of layer L−1) is --layer L --to j --from k; neurons count from 0.");

  addDataOptions(explain.command('trace').description("Nielsen's BP1–BP4 for one example: every layer's z, a, δ, ∂C/∂b and ∂C/∂w"), 'the example')
    .argument('<model>', 'a model file saved by glassbox train')
    .option('--index <n>', 'which example (0-based)', intFlag(0), 0)
    .option('--full', 'print every neuron of wide layers, not a summary')
    .option('--json', 'print the full report (every z, a, δ, ∂C/∂b, ∂C/∂w) as JSON')
    .action(runTrace);

  addParameterOptions(addDataOptions(explain.command('ripple').description('Nudge one weight or bias by Δw; follow Δa layer by layer to ΔC: forward mode (JVP) vs backprop vs a real re-run'), 'the examples'))
    .argument('<model>', 'a model file saved by glassbox train')
    .option('--delta <list>', 'the Δw to try, comma-separated (default 0.1,0.01,…,1e-6)', deltasFlag)
    .option('--index <n>', 'one example (0-based; default 0)', intFlag(0))
    .option('--batch', 'the mean cost over the whole split instead of one example')
    .option('--limit <n>', 'with --batch: only the first n examples', intFlag(1))
    .option('--json', 'print the report as JSON')
    .action(runRipple);

  addParameterOptions(addDataOptions(explain.command('paths').description('Every path from a weight or bias to the cost, each with its product of rates; their sum is ∂C/∂w'), 'the example'))
    .argument('<model>', 'a model file saved by glassbox train')
    .option('--index <n>', 'which example (0-based)', intFlag(0), 0)
    .option('--top <k>', 'how many paths to list, largest |contribution| first', intFlag(1), 10)
    .option('--enumerate-up-to <n>', 'enumerate every path when there are at most n; else find the top k without enumerating', intFlag(0), 100_000)
    .option('--json', 'print the report as JSON')
    .action(runPaths);

  addDataOptions(explain.command('saliency').description('∂C/∂x and ∂(output j)/∂x for one example, as images'), 'the example')
    .argument('<model>', 'a model file saved by glassbox train')
    .option('--index <n>', 'which example (0-based)', intFlag(0), 0)
    .option('--output <j>', 'the output neuron j for ∂a^L_j/∂x (default: the predicted class)', intFlag(0))
    .option('--out <file.png>', 'write the input, ∂C/∂x and ∂a^L_j/∂x side by side as a PNG')
    .option('--zoom <z>', 'pixels per input value in the PNG', intFlag(1), 8)
    .option('--image-shape <rows×cols>', "the input's image shape (default: from the model file or data; else square)", shapeFlag)
    .option('--json', 'print the report as JSON')
    .action(runSaliency);

  explain.command('units').description("Each first-layer neuron's weights as an image: what the hidden units have learned")
    .argument('<model>', 'a model file saved by glassbox train')
    .option('--out <file.png>', 'write a grid of the neurons as a PNG')
    .option('--zoom <z>', 'pixels per weight in the PNG', intFlag(1), 3)
    .option('--columns <c>', 'tiles per row (default about √neurons)', intFlag(1))
    .option('--shared', 'one colour scale for every tile (default: each tile its own)')
    .option('--image-shape <rows×cols>', "the input's image shape (default: from the model file; else square)", shapeFlag)
    .option('--json', 'print the report as JSON')
    .action(runUnits);

  const dyn = explain.command('dynamics').description("Per-layer speed of learning ‖∂C/∂b^l‖ (Nielsen ch. 5) of the mean cost over a set of examples")
    .argument('<model>', 'a model file saved by glassbox train')
    .option('--data <name|folder|file.csv>', 'the data set (default: the one the model was trained on, from its file; else mnist)')
    .addOption(new Option('--split <name>', 'which split the examples come from').choices(SPLIT_NAMES).default('train'))
    .option('--examples <n>', 'how many examples to average over (Nielsen: 1000)', intFlag(1), 1000)
    .option('--json', 'print the report as JSON');
  dyn.action(runDynamics);
}
