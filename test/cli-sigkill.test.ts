// Crash safety of `glassbox train` as a real process: a run killed with SIGKILL at random moments
// (seeded), then resumed with --resume, ends with weights bit-identical to an uninterrupted run,
// and leaves no temporary files behind.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/util/rng.js';
import { buildCli, finished, parameterBits, spawnCli } from './cli-helpers.js';

/** A run of well under a second of training: 250 steps per epoch, so kills land mid-epoch as well as between epochs. */
const RUN = ['train', '--data', 'gauss', '--layers', '128,128', '--batch', '1', '--epochs', '6', '--optimizer', 'momentum', '--eta', '0.01', '--lambda', '0', '--seed', '7', '--quiet'];

let dir: string;
beforeAll(async () => {
  await buildCli();
  dir = await mkdtemp(join(tmpdir(), 'glassbox-sigkill-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function checkpointsIn(folder: string): Promise<string[]> {
  try {
    return (await readdir(folder)).filter((n) => /^checkpoint-\d+\.json$/.test(n));
  } catch {
    return [];
  }
}

/**
 * Start `args` and SIGKILL it at a random moment: once a checkpoint at or past `target` steps is
 * on disk (so there is something to resume from), after a further random 0–50 ms.
 */
async function killAfter(args: string[], folder: string, target: number, rng: Rng): Promise<{ signal: NodeJS.Signals | null; code: number | null; stderr: string }> {
  const child = spawnCli(args);
  const done = finished(child);
  let exited = false;
  void done.then(() => (exited = true));
  while (!exited && newestStep(await checkpointsIn(folder)) < target) await sleep(10);
  await sleep(rng.int(50));
  child.kill('SIGKILL');
  return done;
}

function newestStep(names: string[]): number {
  return Math.max(0, ...names.map((n) => Number(/\d+/.exec(n)![0])));
}

describe('SIGKILL at random moments, then --resume', () => {
  let reference: Record<string, string>;
  beforeAll(async () => {
    const out = join(dir, 'reference.json');
    const r = await finished(spawnCli([...RUN, '--out', out]));
    expect(r.code, r.stderr).toBe(0);
    reference = await parameterBits(out);
  });

  for (const [seed, kills] of [[1, 2], [2, 1], [3, 1]] as const) {
    it(`kill seed ${seed}: ${kills} kill(s), resumed, weights bit-identical to the uninterrupted run`, async () => {
      const rng = new Rng(seed);
      const folder = join(dir, `ck-${seed}`);
      const out = join(dir, `model-${seed}.json`);
      const killedAt: number[] = [];
      let args = [...RUN, '--checkpoint-dir', folder, '--checkpoint-every', '0.001', '--out', out];
      let target = 150 + rng.int(450); // first kill between 10% and 40% of the 1500 steps
      for (let k = 0; k < kills; k++) {
        const r = await killAfter(args, folder, target, rng);
        expect(r.signal, `the run ended before the kill: ${r.stderr}`).toBe('SIGKILL');
        killedAt.push(newestStep(await checkpointsIn(folder)));
        target = killedAt[k] + 50 + rng.int(150); // a later kill of the resumed run, before about 70%
        args = ['train', '--resume', folder, '--checkpoint-every', '0.001', '--quiet', '--out', out];
      }
      expect(killedAt.every((step) => step > 0 && step < 1500)).toBe(true);
      const r = await finished(spawnCli(args));
      expect(r.code, r.stderr).toBe(0);
      expect(await parameterBits(out)).toEqual(reference);
      // Only the newest two checkpoints remain, and no temporary file.
      const left = await readdir(folder);
      expect(left).toHaveLength(2);
      expect(left.every((n) => /^checkpoint-\d+\.json$/.test(n))).toBe(true);
      expect(newestStep(left)).toBe(1500);
    });
  }
});
