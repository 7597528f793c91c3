// `glassbox train` as a real process: Ctrl-C (SIGINT) stops after the current batch, writes a
// checkpoint, says how to resume and exits 130, and the resumed run ends bit-identical to an
// uninterrupted one; usage and data errors give exit codes 2 and 1 through the real executable.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, finished, parameterBits, spawnCli } from './cli-helpers.js';

const RUN = ['train', '--data', 'xor', '--layers', '128,128', '--batch', '1', '--epochs', '3', '--optimizer', 'adam', '--seed', '3', '--quiet'];

let dir: string;
beforeAll(async () => {
  await buildCli();
  dir = await mkdtemp(join(tmpdir(), 'glassbox-sigint-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('Ctrl-C', () => {
  it('stops cleanly with a checkpoint, exits 130, says how to resume; the resumed run matches an uninterrupted one bit for bit', async () => {
    const straight = finished(spawnCli([...RUN, '--out', join(dir, 'straight.json')]));

    const folder = join(dir, 'ck');
    const out = join(dir, 'model.json');
    const child = spawnCli([...RUN, '--checkpoint-dir', folder, '--out', out]);
    const done = finished(child);
    let exited = false;
    void done.then(() => (exited = true));
    // Interrupt once the first epoch's checkpoint exists (the run is well under way).
    while (!exited && (await readdir(folder).catch(() => [] as string[])).length === 0) await sleep(10);
    child.kill('SIGINT');
    const r = await done;
    expect(r.code, r.stderr).toBe(130);
    const stop = /^stopped at step (\d+) \(epoch (\d+), batch (\d+)\)$/m.exec(r.stderr);
    expect(stop, r.stderr).not.toBeNull();
    const step = Number(stop![1]);
    expect(r.stderr).toContain(`checkpoint written to ${join(folder, `checkpoint-${step}.json`)}`);
    expect(r.stderr).toContain(`resume with: glassbox train --resume ${folder}`);
    expect(await readdir(dir)).not.toContain('model.json');
    expect(step).toBeLessThan(750);

    const resumed = await finished(spawnCli(['train', '--resume', folder, '--quiet', '--out', out]));
    expect(resumed.code, resumed.stderr).toBe(0);
    const s = await straight;
    expect(s.code, s.stderr).toBe(0);
    expect(await parameterBits(out)).toEqual(await parameterBits(join(dir, 'straight.json')));
  });
});

describe('exit codes of the real executable', () => {
  it('2 for a usage error (one line and a hint), 1 for a data error (the message only)', async () => {
    const usage = await finished(spawnCli(['train', '--epochs', 'many', '--out', join(dir, 'bad.json')]));
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^error: option '--epochs <n>' argument 'many' is invalid\. expected an integer ≥ 1, got 'many'\n\(run with --help for usage\)\n$/);
    const data = await finished(spawnCli(['eval', join(dir, 'missing-model.json')]));
    expect(data.code).toBe(1);
    expect(data.stderr).toBe(`glassbox: cannot read model file ${join(dir, 'missing-model.json')}: no such file or folder\n`);
  });
});
