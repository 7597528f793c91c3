/**
 * bench/webgpu — the GPU measurement of the WebGPU issue, as one prepared script: one epoch of
 * W1, W3 and W4 on random data (50,000 × 784, 10 classes) with the WebGPU trainer, and the tiled
 * matrix multiply's TFLOP/s at 4096². Needs a WebGPU device: in Node the `webgpu` package (Dawn)
 * and a Vulkan driver (scripts/gpu-bench.sh prepares and runs it on an NVIDIA machine; see
 * docs/webgpu.md). Prints a table and, with --json, writes the rows. A benchmark, never a test.
 *
 *   npx tsx bench/webgpu.ts [--only W1,W3,W4,matmul] [--examples 50000] [--epochs 2] [--matmul 4096,1024]
 *                           [--json FILE] [--dawn backend=vulkan,...]   (options for Dawn's create())
 *                           [--compare huge,huge4 | vec4]   (or GLASSBOX_COMPARE_TILE=…) [--mix huge4/huge4u,…]
 * The matrix multiply runs chooseTile's pick at each size; --compare TILE,… also times it with each
 * TILE, and W4 with each 128 × 128 or 128 × 64 TILE in place of chooseTile's pick (the trainer's `tiles: {
 * huge4uw: TILE }`), in the same run, and prints both and the ratio; --mix U/R times W4 with tile U
 * for the weight updates and R for the other big products.
 * --only W4products (also W1products, W3products) times each matrix multiply of one training step
 * alone, at the trainer's shapes and tiles, and sums them (scripts/gpu-bench.sh adds W4products;
 * not in the default list, as W4's products take minutes on a software adapter). --only W1fit (W3fit,
 * W4fit; with W1 …) also trains the workload through fitWebGpu, the CLI's loop, and prints its epoch
 * time beside the trainer's; --only W1mon (W3mon, W4mon) the same with the dynamics monitor on
 * (`--monitor dynamics`: gradient norms of every 10th batch), beside both; --only W4fa, W4dfa (W1…,
 * W3…) trains the workload by feedback alignment or direct feedback alignment, beside backprop.
 * Smaller --examples and --matmul make a quick end-to-end check on a software adapter; --cpu also
 * times one epoch of the CPU engine (`fit`, js backend) on the same data, beside the GPU trainer.
 */
import { writeFile } from 'node:fs/promises';
import { datasetFromArrays } from '../src/data/types.js';
import { sequential } from '../src/nn/model.js';
import { sgd } from '../src/optim/optimizers.js';
import { fit } from '../src/train/fit.js';
import { fitWebGpu } from '../src/train/fit-webgpu.js';
import { Rng } from '../src/util/rng.js';
import {
  TILES, WebGpuContext, WebGpuKernels, chooseTile, createWebGpuTrainer, isVec4Tile, type FeedbackRule, type TileChoice, type TileName,
} from '../src/tensor/kernels/webgpu/index.js';
import { drawDirectFeedback } from '../src/rules/direct-feedback-alignment.js';
import { drawFeedback } from '../src/rules/feedback-alignment.js';
import { GPU_WORKLOADS as WORKLOADS, randomData, type GpuWorkload } from './gpu-workloads.js';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const only = new Set(option('only', 'W1,W3,W4,matmul').split(','));
const examples = Number(option('examples', '50000'));
const epochs = Number(option('epochs', '2'));
const jsonFile = option('json', '');
const dawn = option('dawn', '').split(',').filter((s) => s !== '');
const matmulSizes = option('matmul', '4096,1024').split(',').map(Number);
if (!matmulSizes.every((n) => Number.isInteger(n) && n > 0)) {
  console.error(`--matmul: expected sizes like 4096,1024, got '${option('matmul', '')}'`);
  process.exit(2);
}
const withCpu = process.argv.includes('--cpu');
// --compare: tiles timed beside chooseTile's (a comma list; 'vec4' = every vec4 tile).
const compareOption = option('compare', process.env.GLASSBOX_COMPARE_TILE ?? '');
const compareNames = compareOption.split(',').filter((s) => s !== '');
// --mix U/R,…: W4 with tile U for the weight updates and R for the other big products.
const mixes = option('mix', '').split(',').filter((s) => s !== '');
for (const mix of mixes) {
  const parts = mix.split('/');
  if (parts.length !== 2 || !parts.every((t) => t in TILES)) {
    console.error(`--mix: expected UPDATE_TILE/OTHER_TILE, got '${mix}'; tiles: ${Object.keys(TILES).join(', ')}`);
    process.exit(2);
  }
}
for (const name of compareNames) {
  if (name !== 'vec4' && !(name in TILES)) {
    console.error(`--compare: unknown tile '${name}'; tiles: vec4 (all of them), ${Object.keys(TILES).join(', ')}`);
    process.exit(2);
  }
}

/** Floating-point operations of one training example: forward, dW for every layer, dX for all but the first. */
function flopsPerExample(sizes: number[]): number {
  let f = 0;
  for (let l = 1; l < sizes.length; l++) f += 2 * sizes[l - 1] * sizes[l] * (l === 1 ? 2 : 3);
  return f;
}

/**
 * Seconds per call of `run` (one matrix multiply): the first run compiles the pipeline, then ≥ 0.3 s
 * of warm-up and ≥ 0.1 s timed. With one run of warm-up and 10 timed, tiles timed after a slow
 * compile read up to 2× slower than when timed first (the GPU's clock falling while it idles
 * through the compile is the likely cause).
 */
async function timeMatmul(ctx: WebGpuContext, run: () => void): Promise<number> {
  run();
  await ctx.sync();
  let reps = 1;
  for (let warm = performance.now(); performance.now() - warm < 300; reps *= 2) {
    for (let r = 0; r < reps; r++) run();
    await ctx.sync();
  }
  const w0 = performance.now();
  for (let r = 0; r < 4; r++) run();
  await ctx.sync();
  reps = Math.max(10, Math.ceil(100 / ((performance.now() - w0) / 4)));
  const s0 = performance.now();
  for (let r = 0; r < reps; r++) run();
  await ctx.sync();
  return (performance.now() - s0) / 1000 / reps;
}

interface Row {
  what: string;
  seconds: number;
  detail: string;
  [k: string]: unknown;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const ctx = await WebGpuContext.create({ dawnOptions: dawn });
  const lim = ctx.device.limits;
  console.log(`adapter: ${ctx.describe()}`);
  console.log(`limits: maxStorageBufferBindingSize ${lim.maxStorageBufferBindingSize}, maxBufferSize ${lim.maxBufferSize}, workgroup storage ${lim.maxComputeWorkgroupStorageSize} B, invocations per workgroup ${lim.maxComputeInvocationsPerWorkgroup}`);
  console.log(`adapter features: ${ctx.info.features.join(', ') || '(none reported)'}`);
  const rows: Row[] = [];
  const compared: TileName[] = [...new Set(compareNames.flatMap((name) =>
    name === 'vec4' ? (Object.keys(TILES) as TileName[]).filter(isVec4Tile) : [name as TileName]))];
  // W4's big products all get chooseTile's 128 × 128 pick; --compare tiles stand in for it there.
  const bigTile = chooseTile(1024, 4096, 4096);

  if (only.has('matmul')) {
    for (const n of matmulSizes) {
      const k = new WebGpuKernels(ctx);
      const rng = new Rng(1);
      const a = new Float32Array(n * n);
      for (let i = 0; i < a.length; i++) a[i] = rng.uniform() - 0.5;
      const ga = ctx.upload(a);
      const gb = ctx.upload(a);
      const gc = ctx.array(n * n);
      // chooseTile's pick first, then the compared tiles: A·B and A·Bᵀ (the forward and δ products)
      // and Aᵀ·B (the weight update's).
      const pick = chooseTile(n, n, n);
      const matmulTiles: TileName[] = [pick, ...compared.filter((t) => t !== pick)];
      const pairs: [boolean, boolean][] = [[false, false], [false, true], [true, false]];
      const name = (transA: boolean, transB: boolean) => `${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'}`;
      const tflopsOf = new Map<string, number>();
      for (const tile of matmulTiles) {
        for (const [transA, transB] of pairs) {
          const seconds = await timeMatmul(ctx, () => k.matmul(ga, gb, gc, n, n, n, transA, transB, false, tile));
          const tflops = (2 * n ** 3) / seconds / 1e12;
          const what = `matmul ${n}³ ${name(transA, transB)} ${tile} tile${tile === pick ? ' (chooseTile)' : ''}`;
          rows.push({ what, seconds, detail: `${tflops.toPrecision(3)} TFLOP/s (target ≥ 20 at 4096³; a naive 16×16 WGSL kernel: 7.9 on an H200)`, tflops });
          console.log(`${what}: ${(seconds * 1000).toFixed(3)} ms, ${tflops.toPrecision(3)} TFLOP/s`);
          tflopsOf.set(`${tile}:${transA}:${transB}`, tflops);
        }
      }
      for (const tile of matmulTiles.slice(1)) {
        for (const [transA, transB] of pairs) {
          const base = tflopsOf.get(`${pick}:${transA}:${transB}`)!;
          const other = tflopsOf.get(`${tile}:${transA}:${transB}`)!;
          const what = `matmul ${n}³ ${name(transA, transB)}: ${tile} vs ${pick}`;
          const detail = `${other.toPrecision(3)} vs ${base.toPrecision(3)} TFLOP/s: ${tile} ÷ ${pick} = ${(other / base).toFixed(2)}× (same run, same GPU)`;
          rows.push({ what, seconds: (2 * n ** 3) / other / 1e12, detail, ratio: other / base });
          console.log(`${what}: ${detail}`);
        }
      }
      [ga, gb, gc].forEach((g) => ctx.release(g));
    }
  }

  // --only W4products (or W1products, W3products): each matrix multiply of one training step of that workload,
  // at the shape, transposes and tile the trainer uses (the forward x·Wᵀ, the δ product δ·W, the
  // update δᵀ·[a | 1]), timed alone as a plain product (no fused epilogue), to see which product
  // holds an epoch back; their sum × steps per epoch beside the measured epoch tells what the
  // rest of the step (epilogues, the output kernel, dispatch) costs.
  for (const w of WORKLOADS.filter((x) => only.has(`${x.id}products`))) {
    const k = new WebGpuKernels(ctx);
    const B = w.batch;
    const products: { what: string; m: number; n: number; kk: number; transA: boolean; transB: boolean }[] = [];
    for (let l = 1; l < w.sizes.length; l++) {
      const [nIn, nOut] = [w.sizes[l - 1], w.sizes[l]];
      products.push({ what: `forward ${l + 1}: x·Wᵀ`, m: B, n: nOut, kk: nIn, transA: false, transB: true });
      if (l > 1) products.push({ what: `δ ${l}: δ·W`, m: B, n: nIn, kk: nOut, transA: false, transB: false });
      products.push({ what: `update ${l + 1}: δᵀ·[a | 1]`, m: nOut, n: nIn + 1, kk: B, transA: true, transB: false });
    }
    let stepSeconds = 0;
    for (const p of products) {
      const rng = new Rng(3);
      const fill = (n: number) => Float32Array.from({ length: n }, () => rng.uniform() - 0.5);
      const ga = ctx.upload(fill(p.m * p.kk));
      const gb = ctx.upload(fill(p.kk * p.n));
      const gc = ctx.array(p.m * p.n);
      const tile = chooseTile(p.m, p.n, p.kk);
      const seconds = await timeMatmul(ctx, () => k.matmul(ga, gb, gc, p.m, p.n, p.kk, p.transA, p.transB, false, tile));
      stepSeconds += seconds;
      const tflops = (2 * p.m * p.n * p.kk) / seconds / 1e12;
      const what = `${w.id} ${p.what} [${p.m}×${p.n}, k ${p.kk}] ${tile} tile`;
      rows.push({ what, seconds, detail: `${tflops.toPrecision(3)} TFLOP/s`, tflops });
      console.log(`${what}: ${(seconds * 1000).toFixed(3)} ms, ${tflops.toPrecision(3)} TFLOP/s`);
      [ga, gb, gc].forEach((g) => ctx.release(g));
    }
    const steps = Math.ceil(examples / B);
    const what = `${w.id} products of one step, summed`;
    const detail = `${(stepSeconds * 1000).toFixed(3)} ms a step, ${(stepSeconds * steps).toFixed(3)} s for ${steps} steps (${examples} examples)`;
    rows.push({ what, seconds: stepSeconds * steps, detail });
    console.log(`${what}: ${detail}`);
  }

  const workloads = WORKLOADS.filter((w) => only.has(w.id));
  if (workloads.length > 0) {
    const { x, labels } = randomData(examples);
    const data = datasetFromArrays(x, labels, 784, { name: `random ${examples}×784`, classes: 10 });
    // W4 once more with each compared big tile (128 × 128 or 128 × 64) in place of its big products'
    // tile (W1 and W3 have no such product), and with each --mix U/R: tile U for the weight updates
    // (the products summed over the batch), R for the other big ones.
    const runs: { w: GpuWorkload; tile: string; rule?: FeedbackRule }[] = workloads.map((w) => ({ w, tile: '' }));
    const big = (t: TileName) => TILES[t].BM * TILES[t].BN >= 128 * 64;
    for (const tile of [...compared.filter((t) => t !== bigTile && big(t)), ...mixes]) runs.push(...workloads.filter((w) => w.id === 'W4').map((w) => ({ w, tile })));
    // --only W4fa, W4dfa (W1…, W3…): the same workload trained by feedback alignment or DFA.
    for (const w of workloads) {
      if (only.has(`${w.id}fa`)) runs.push({ w, tile: '', rule: 'feedback-alignment' });
      if (only.has(`${w.id}dfa`)) runs.push({ w, tile: '', rule: 'direct-feedback-alignment' });
    }
    const bestOf = new Map<string, number>();
    for (const { w, tile, rule } of runs) {
      const model = sequential({ sizes: w.sizes, activation: w.hidden, output: w.output, cost: w.cost, init: w.init, rng: 1 });
      const build0 = performance.now();
      const [update, rest] = tile.split('/') as TileName[];
      const tiles: TileChoice = tile === '' ? 'auto'
        : rest === undefined ? { [bigTile]: tile as TileName }
        : (M, N, K) => (chooseTile(M, N, K) !== bigTile ? chooseTile(M, N, K) : K === w.batch ? update : rest);
      const feedback = rule === undefined ? undefined
        : { rule, matrices: (rule === 'feedback-alignment' ? drawFeedback : drawDirectFeedback)(model, new Rng(7)).feedback };
      const trainer = await createWebGpuTrainer(model, data, { context: ctx, batchSize: w.batch, eta: w.eta, momentum: w.momentum, tiles, feedback });
      await trainer.runEpoch(new Rng(0).permutation(examples), { batches: Math.min(3, trainer.batchesPerEpoch) }); // compile, first submit
      const setup = (performance.now() - build0) / 1000;
      const times: number[] = [];
      let last = { cost: NaN, accuracy: NaN };
      for (let e = 0; e < epochs; e++) {
        const r = await trainer.runEpoch(new Rng(e + 1).permutation(examples));
        times.push(r.seconds);
        last = r;
      }
      trainer.destroy();
      const best = Math.min(...times);
      const tflops = (flopsPerExample(w.sizes) * examples) / best / 1e12;
      const q = w.quoted;
      const quoted = examples === 50000
        ? `quoted (H200, not this run): PyTorch CUDA ${q.pytorchCuda} s (ours takes ${(best / q.pytorchCuda).toFixed(2)}× that), TF.js webgpu ${q.tfjsWebgpu} s; target ≤ ${q.target} s`
        : 'the quoted H200 figures are for 50,000 examples';
      const detail =
        `epochs ${times.map((t) => t.toFixed(3)).join(', ')} s; ${trainer.batchesPerEpoch} batches × ${trainer.dispatchesPerBatch} dispatches; ` +
        `${tflops.toPrecision(3)} TFLOP/s; train cost ${last.cost.toFixed(4)}; setup ${setup.toFixed(2)} s | ${quoted}`;
      const id = rule ? `${w.id} by ${rule}` : tile === '' ? w.id : `${w.id} (${tile} for ${bigTile})`;
      rows.push({ what: `${id} ${w.title}`, seconds: best, detail, epochs: times, tflops });
      console.log(`${id}: ${best.toFixed(3)} s per epoch — ${detail}`);
      if (rule) {
        const base = bestOf.get(`${w.id}:`)!;
        const detail2 = `${best.toFixed(3)} s vs ${base.toFixed(3)} s per epoch: ${rule} ÷ backprop time = ${(best / base).toFixed(2)} (same run, same GPU; another computation, not a speed-up of backprop)`;
        rows.push({ what: `${w.id}: ${rule} vs backprop`, seconds: best, detail: detail2, ratio: best / base });
        console.log(`${w.id}: ${rule} vs backprop: ${detail2}`);
        continue;
      }
      bestOf.set(`${w.id}:${tile}`, best);
      if (tile !== '') {
        const base = bestOf.get(`${w.id}:`)!;
        const detail2 = `${best.toFixed(3)} s vs ${base.toFixed(3)} s per epoch: ${tile} ÷ ${bigTile} time = ${(best / base).toFixed(2)} (< 1: faster; same run, same GPU)`;
        rows.push({ what: `${w.id}: ${tile} vs ${bigTile}`, seconds: best, detail: detail2, ratio: best / base });
        console.log(`${w.id}: ${tile} vs ${bigTile}: ${detail2}`);
      }
      let fitBest: number | undefined;
      if (only.has(`${w.id}fit`) && tile === '') {
        // The same workload through fitWebGpu, as `glassbox train --backend webgpu` runs it: calls of
        // about 0.25 s with batch events, the stop signal and the checkpoint timer between them.
        const viaFit = sequential({ sizes: w.sizes, activation: w.hidden, output: w.output, cost: w.cost, init: w.init, rng: 1 });
        const r = await fitWebGpu(viaFit, data, { epochs: epochs + 1, batchSize: w.batch, eta: w.eta, momentum: w.momentum, rng: 5, context: ctx });
        const fitTimes = r.history.slice(1).map((h) => h.seconds); // the first epoch warms the calls' size up
        fitBest = Math.min(...fitTimes);
        const fitDetail = `epochs ${fitTimes.map((t) => t.toFixed(3)).join(', ')} s; fitWebGpu ÷ trainer time = ${(fitBest / best).toFixed(2)} (same run, same GPU)`;
        rows.push({ what: `${w.id} through fitWebGpu (the CLI's loop)`, seconds: fitBest, detail: fitDetail, epochs: fitTimes, ratio: fitBest / best });
        console.log(`${w.id} through fitWebGpu: ${fitBest.toFixed(3)} s per epoch — ${fitDetail}`);
      }
      if (only.has(`${w.id}mon`) && tile === '') {
        // fitWebGpu with the dynamics monitor: the update dispatches also sum ‖∂C/∂W‖², ‖∂C/∂b‖² on every 10th batch.
        const monitored = sequential({ sizes: w.sizes, activation: w.hidden, output: w.output, cost: w.cost, init: w.init, rng: 1 });
        const r = await fitWebGpu(monitored, data, { epochs: epochs + 1, batchSize: w.batch, eta: w.eta, momentum: w.momentum, rng: 5, context: ctx, monitor: { dynamics: true } });
        const monTimes = r.history.slice(1).map((h) => h.seconds);
        const monBest = Math.min(...monTimes);
        const monDetail = `epochs ${monTimes.map((t) => t.toFixed(3)).join(', ')} s; ÷ trainer time = ${(monBest / best).toFixed(2)}` +
          `${fitBest !== undefined ? `, ÷ unmonitored fitWebGpu time = ${(monBest / fitBest).toFixed(2)}` : ''} (same run, same GPU)`;
        rows.push({ what: `${w.id} through fitWebGpu with --monitor dynamics`, seconds: monBest, detail: monDetail, epochs: monTimes, ratio: monBest / (fitBest ?? best) });
        console.log(`${w.id} with the dynamics monitor: ${monBest.toFixed(3)} s per epoch — ${monDetail}`);
      }
      if (withCpu && tile === '') {
        const c0 = performance.now();
        const result = await fit(model, data, { epochs: 1, batchSize: w.batch, rng: 3, optimizer: sgd({ eta: w.eta, momentum: w.momentum }) });
        const seconds = (performance.now() - c0) / 1000;
        const cpuDetail = `train cost ${result.history[0].trainCost.toFixed(4)}; CPU time ÷ WebGPU time = ${(seconds / best).toFixed(2)} (WebGPU on ${ctx.describe()})`;
        rows.push({ what: `${w.id} CPU engine (fit, js backend)`, seconds, detail: cpuDetail });
        console.log(`${w.id} CPU engine: ${seconds.toFixed(3)} s per epoch — ${cpuDetail}`);
      }
    }
  }

  console.log('\n| measurement | seconds | detail |\n| --- | ---: | --- |');
  for (const r of rows) console.log(`| ${r.what} | ${r.seconds.toFixed(r.seconds < 0.01 ? 5 : 3)} | ${r.detail} |`);
  console.log(`\nadapter: ${ctx.describe()}; ${examples} examples; total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (jsonFile) await writeFile(jsonFile, JSON.stringify({ adapter: ctx.describe(), info: ctx.info, examples, rows }, null, 2));
  ctx.destroy();
}

main().then(
  // Dawn keeps the process alive while its GPU object exists; the work is done, so leave.
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
    process.exit(1);
  },
);
