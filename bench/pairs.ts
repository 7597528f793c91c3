/**
 * bench/pairs — how many 4-blocks the dense forward's pairs list (the union of two images' non-zero
 * blocks), for several ways of pairing the samples of a batch: consecutive (batch order), sorted by
 * first then last non-zero block (what dense.ts does, `pairOrder`), sorted by the count of non-zero
 * blocks, and greedy best-partner matching; and the pixels non-zero in at least one image of the
 * whole batch (the columns of W a batch's SGD update could skip if L2 decay did not touch every
 * weight). Random batches of the training set. A measurement for docs/performance.md (item 21 and
 * "Left to do"), never a test.
 *
 *   npx tsx bench/pairs.ts                     Fashion-MNIST when installed, else MNIST
 *   npx tsx bench/pairs.ts --dataset mnist --batches 10,128
 */
import { Command } from 'commander';
import { loadDataset } from '../src/data/index.js';
import { Rng } from '../src/util/rng.js';

const opts = new Command('bench-pairs')
  .option('--dataset <name>', 'fashion-mnist or mnist (default: Fashion-MNIST when installed)')
  .option('--batches <list>', 'batch sizes', '10,128')
  .option('--trials <n>', 'random batches per size', '300')
  .parse()
  .opts<{ dataset?: string; batches: string; trials: string }>();

const data = opts.dataset ? await loadDataset(opts.dataset) : await loadDataset('fashion-mnist').catch(() => loadDataset('mnist'));
const X = data.train.x.dataSync();
const nIn = data.train.x.shape[1];
const nb = nIn >> 2;
const rows = data.train.labels.length;

/** Non-zero 4-blocks of sample s: a 0/1 mask, and the first / last non-zero block. */
function blocksOf(s: number): { mask: Uint8Array; first: number; last: number; count: number } {
  const mask = new Uint8Array(nb);
  let first = nb, last = 0, count = 0;
  for (let q = 0; q < nb; q++) {
    for (let t = 0; t < 4; t++) if (X[s * nIn + 4 * q + t] !== 0) mask[q] = 1;
    if (mask[q]) {
      count++;
      first = Math.min(first, q);
      last = q + 1;
    }
  }
  return { mask, first, last, count };
}

type Sample = ReturnType<typeof blocksOf>;
const union = (a: Sample, b: Sample) => {
  let c = 0;
  for (let q = 0; q < nb; q++) c += a.mask[q] | b.mask[q];
  return c;
};

const orderings: Record<string, (batch: Sample[]) => Sample[]> = {
  'batch order': (b) => b,
  'sorted by first, last block': (b) => [...b].sort((p, q) => p.first - q.first || p.last - q.last),
  'sorted by block count': (b) => [...b].sort((p, q) => p.count - q.count),
  'greedy best partner': (b) => {
    const free = new Set(b.map((_, i) => i));
    const out: Sample[] = [];
    for (let i = 0; i < b.length; i++) {
      if (!free.has(i)) continue;
      free.delete(i);
      let best = -1, bestUnion = Infinity;
      for (const j of free) {
        const u = union(b[i], b[j]);
        if (u < bestUnion) [best, bestUnion] = [j, u];
      }
      out.push(b[i]);
      if (best >= 0) {
        free.delete(best);
        out.push(b[best]);
      }
    }
    return out;
  },
};

console.log(`${data.train.name}: listed 4-blocks as a fraction of the pairs' blocks, ${opts.trials} random batches per size`);
const rng = new Rng(1);
for (const batch of opts.batches.split(',').map(Number)) {
  const listed: Record<string, number> = {};
  let pairs = 0;
  let pixels = 0; // pixels non-zero in some image of the batch, summed over the batches
  for (let trial = 0; trial < Number(opts.trials); trial++) {
    const picked = Array.from({ length: batch }, () => rng.int(rows));
    const samples = picked.map(blocksOf);
    const any = new Uint8Array(nIn);
    for (const r of picked) for (let i = 0; i < nIn; i++) if (X[r * nIn + i] !== 0) any[i] = 1;
    pixels += any.reduce((sum, v) => sum + v, 0);
    for (const [name, order] of Object.entries(orderings)) {
      const o = order(samples);
      for (let g = 0; g < batch; g += 2) listed[name] = (listed[name] ?? 0) + (g + 1 < batch ? union(o[g], o[g + 1]) : o[g].count);
    }
    pairs += Math.ceil(batch / 2);
  }
  console.log(`batch ${batch}: ${Object.entries(listed).map(([k, v]) => `${k} ${(100 * v / pairs / nb).toFixed(1)} %`).join(' · ')}`);
  console.log(`  pixels non-zero in at least one of the batch's images: ${(100 * pixels / Number(opts.trials) / nIn).toFixed(1)} %`);
}
