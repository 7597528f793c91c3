// bench/explain — how fast the transparency tools answer on MNIST-sized networks (the issue's
// targets: top-10 paths of a first-layer weight of [784,100,100,100,10] and of
// [784,64,64,64,64,64,10] under 50 ms each; ripple of one weight over the 10,000 test digits under
// 1 s). Not a test: prints a table, with one plain float64 forward pass over the same 10,000 digits
// as the in-run baseline (times depend on the machine and its load; the ratio less so).
//
//   npx tsx bench/explain.ts            (trains each network for one short epoch first)
//   npx tsx bench/explain.ts --quick    (untrained networks, fewer repetitions)
import {
  cast, fit, head, loadDataset, paths, ripple, sequential, sgd, trace, type Dataset, type Sequential,
} from '../src/index.js';

const quick = process.argv.includes('--quick');
const repeats = quick ? 3 : 7;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Median milliseconds of `repeats` calls after one warm-up call: wall clock, and this process's CPU
 * time (user + system), which shared, loaded machines inflate less.
 */
function time(f: () => unknown, n = repeats): { wall: number; cpu: number } {
  f();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    f();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

/** A sigmoid / cross-entropy network, trained for one epoch on 10,000 digits unless --quick. */
async function network(sizes: number[], train: Dataset): Promise<Sequential> {
  const model = sequential({ sizes, activation: 'sigmoid', cost: 'cross-entropy', rng: 1 });
  if (!quick) await fit(model, head(train, 10_000), { epochs: 1, batchSize: 10, optimizer: sgd({ eta: 0.5 }), rng: 1 });
  return model;
}

const rows: string[][] = [];
const report = (what: string, t: { wall: number; cpu: number }, note: string): void => {
  rows.push([what, t.wall.toFixed(1), t.cpu.toFixed(1), note]);
  process.stderr.write(`  ${what}: ${t.wall.toFixed(1)} ms wall, ${t.cpu.toFixed(1)} ms CPU\n`);
};

const data = await loadDataset('mnist');
const test = data.test;
// Example 0 of the test set is a 7; pixel 409 (row 14, column 17) lies on its stroke, so the
// weights w^2_{j,409} have non-zero gradients.
const example = { x: cast(head(test, 1).x, 'float64'), y: cast(head(test, 1).y, 'float64') };
const k = 409;
if (example.x.dataSync()[k] === 0) throw new Error(`bench: pixel ${k} of test digit 0 is blank; pick one on the stroke`);
process.stderr.write(`${quick ? 'untrained networks (--quick)' : 'training each network for one epoch on 10,000 digits'}; median of ${repeats} runs\n`);

for (const sizes of [[784, 100, 100, 100, 10], [784, 64, 64, 64, 64, 64, 10]]) {
  const model = (await network(sizes, data.train)).cast('float64');
  const name = `[${sizes.join(',')}]`;
  const r = paths(model, example.x, example.y, { layer: 2, to: 7, from: k, top: 10 });
  const count = BigInt(r.pathCountExact).toLocaleString('en-US');
  report(`paths top-10, w^2_{7,${k}} of ${name}, default`, time(() => paths(model, example.x, example.y, { layer: 2, to: 7, from: k, top: 10 })), `${count} paths, ${r.method}`);
  report(`paths top-10, w^2_{7,${k}} of ${name}, k-best forced`, time(() => paths(model, example.x, example.y, { layer: 2, to: 7, from: k, top: 10, limit: 0 })), 'k-best, no enumeration');
  report(`trace (BP1–BP4) of one digit, ${name}`, time(() => trace(model, example.x, example.y)), 'every z, a, δ, ∂C/∂b, ∂C/∂w');
}

const x64 = cast(test.x, 'float64');
const y64 = cast(test.y, 'float64');
for (const sizes of [[784, 30, 10], [784, 100, 10]]) {
  const model = (await network(sizes, data.train)).cast('float64');
  const name = `[${sizes.join(',')}]`;
  const forward = time(() => model.loss(x64, y64), 3);
  report(`baseline: one float64 forward pass + cost, 10,000 digits, ${name}`, forward, '1.00× (in-run baseline)');
  for (const ref of [{ layer: 2, to: 5, from: k }, { layer: 3, to: 3, from: 5 }]) {
    const f32 = time(() => ripple(model, test.x, test.y, ref), 3);
    report(`ripple w^${ref.layer}_{${ref.to},${ref.from}} over 10,000 digits, ${name} (float32 data)`, f32, `${(f32.cpu / forward.cpu).toFixed(2)}× the forward pass (CPU); 6 Δw`);
  }
}

const headers = ['what', 'wall ms', 'CPU ms', 'note'];
const widths = headers.map((h, c) => Math.max(...rows.map((r) => r[c].length), h.length));
const line = (r: string[]): string => r.map((cell, c) => (c === 1 || c === 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ');
console.log(line(headers));
console.log(widths.map((w) => '─'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
