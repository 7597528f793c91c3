// Checkpoints: exact round trips of the training state (momentum and Adam buffers, both Rng
// states, running sums, history), the checkpoint folder (newest two kept, a torn newest file
// falls back to the previous one with a warning), and resuming `fit` from a checkpoint — at an
// epoch end and in the middle of an epoch — ending bit-identical to an uninterrupted run.
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, type DatasetSplits } from '../src/data/index.js';
import {
  listCheckpoints, loadLatestCheckpoint, parseCheckpoint, saveCheckpoint, serializeCheckpoint, checksumOf, type Checkpoint,
} from '../src/io/index.js';
import { sequential, type Sequential } from '../src/nn/index.js';
import { adam, sgd, type Optimizer } from '../src/optim/index.js';
import { feedbackAlignment } from '../src/rules/index.js';
import { fit, type TrainState } from '../src/train/index.js';
import { ModelFileError } from '../src/util/errors.js';
import { Rng } from '../src/util/rng.js';

function bits(m: Sequential): string[] {
  return m.paramTensors().map((t) => Buffer.from(t.dataSync().buffer, t.dataSync().byteOffset, t.dataSync().byteLength).toString('base64'));
}

let data: DatasetSplits;
let dir: string;
beforeAll(async () => {
  data = await loadDataset('spiral', { samples: 300, noise: 0.1 });
  dir = await mkdtemp(join(tmpdir(), 'glassbox-ckpt-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const newModel = (): Sequential => sequential({ sizes: [2, 8, 6, 2], activation: 'tanh', output: 'sigmoid', cost: 'cross-entropy', rng: 5 });
const optimizers: Record<string, () => Optimizer> = {
  momentum: () => sgd({ eta: 0.3, momentum: 0.9, lambda: 0.1, trainingSize: 150 }),
  adam: () => adam({ eta: 0.01 }),
};

/** Train for `epochs` from scratch and return the model and its final state. */
async function straight(opt: () => Optimizer, epochs: number): Promise<{ model: Sequential; state: TrainState }> {
  const model = newModel();
  const r = await fit(model, data.train, { epochs, batchSize: 10, optimizer: opt(), rng: 11, validation: data.test });
  return { model, state: r.state };
}

describe('serializeCheckpoint / parseCheckpoint', () => {
  it('round-trips the whole training state exactly', async () => {
    const { model, state } = await straight(optimizers.adam, 2);
    const cp: Checkpoint = { model, state, config: { eta: 0.01, data: 'spiral' }, meta: { dataset: 'spiral' } };
    const back = parseCheckpoint(serializeCheckpoint(cp));
    expect(bits(back.model)).toEqual(bits(model));
    expect(back.state.optimizer.step).toBe(state.optimizer.step);
    expect(back.state.optimizer.buffers.map((l) => l.map((t) => Array.from(t.dataSync())))).toEqual(
      state.optimizer.buffers.map((l) => l.map((t) => Array.from(t.dataSync()))),
    );
    const { optimizer: _a, ...rest } = back.state;
    const { optimizer: _b, ...expected } = state;
    // Rng words are stored as unsigned 32-bit integers (Rng.state() may give them signed).
    const unsigned = (r: TrainState['rng']) => ({ s: r.s.map((w) => w >>> 0), spareNormal: r.spareNormal });
    expect(rest).toEqual({ ...expected, rng: unsigned(state.rng), epochRng: unsigned(state.epochRng) });
    expect(Rng.fromState(back.state.rng).nextUint32()).toBe(Rng.fromState(state.rng).nextUint32());
    expect(back.config).toEqual({ eta: 0.01, data: 'spiral' });
    expect(back.meta.dataset).toBe('spiral');
  });

  it('reports a torn file, a bad counter, a buffer of the wrong shape and a broken Rng state together', async () => {
    const { model, state } = await straight(optimizers.momentum, 1);
    const text = serializeCheckpoint({ model, state, config: {}, meta: {} });
    expect(() => parseCheckpoint(text.slice(0, text.length - 100), 'checkpoint c.json')).toThrow(/^checkpoint c\.json: not valid JSON/);
    const doc = JSON.parse(text) as Record<string, Record<string, unknown>>;
    doc.train.step = -1;
    doc.train.rng = { s: [0, 0, 0, 0], spareNormal: null };
    (doc.optimizer.buffers as { shape: number[] }[][])[0][0].shape = [1, 2];
    const { checksum: _c, ...body } = doc;
    const rehashed = JSON.stringify({ ...body, checksum: checksumOf(body) });
    let error: ModelFileError | undefined;
    try {
      parseCheckpoint(rehashed);
    } catch (e) {
      error = e as ModelFileError;
    }
    expect(error).toBeInstanceOf(ModelFileError);
    expect(error!.problems).toHaveLength(3);
    expect(error!.message).toMatch(/train\.step must be an integer ≥ 0, got -1/);
    expect(error!.message).toMatch(/train\.rng\.s is all zeros/);
    expect(error!.message).toMatch(/optimizer buffer W2#0: shape is \[1, 2\] but the architecture needs \[8, 2\]/);
    // Changing one value without rehashing is caught by the checksum.
    expect(() => parseCheckpoint(text.replace('"epochCostSum":0', '"epochCostSum":1'))).toThrow(/checksum mismatch/);
  });

  it('refuses a model file and a newer version', async () => {
    const { model, state } = await straight(optimizers.momentum, 1);
    const doc = JSON.parse(serializeCheckpoint({ model, state, config: {}, meta: {} })) as Record<string, unknown>;
    expect(() => parseCheckpoint(JSON.stringify({ ...doc, format: 'glassbox-model' }))).toThrow(/format is "glassbox-model", expected 'glassbox-checkpoint'/);
    expect(() => parseCheckpoint(JSON.stringify({ ...doc, version: 3 }))).toThrow(/checkpoint file version 3 is newer than this glassbox supports \(1\)/);
  });
});

describe('the checkpoint folder', () => {
  it('keeps the newest two, skips a torn newest file with a warning, and fails only when none is valid', async () => {
    const folder = join(dir, 'keep');
    const model = newModel();
    const states: TrainState[] = [];
    await fit(model, data.train, {
      epochs: 4, batchSize: 10, optimizer: optimizers.momentum(), rng: 11,
      onEvent: async (e) => {
        if (e.type === 'checkpoint') {
          states.push(JSON.parse(JSON.stringify({ step: e.state.step })) as TrainState);
          await saveCheckpoint(folder, { model, state: e.state, config: { run: 'keep' }, meta: {} });
        }
      },
    });
    expect(states.map((s) => s.step)).toEqual([15, 30, 45, 60]);
    expect((await readdir(folder)).sort()).toEqual(['checkpoint-45.json', 'checkpoint-60.json']);
    expect((await listCheckpoints(folder)).map((c) => c.step)).toEqual([60, 45]);

    let latest = await loadLatestCheckpoint(folder);
    expect(latest.file).toBe(join(folder, 'checkpoint-60.json'));
    expect(latest.warnings).toEqual([]);
    expect(latest.checkpoint.state.epoch).toBe(4);

    const newest = join(folder, 'checkpoint-60.json');
    const { size } = await import('node:fs/promises').then((fs) => fs.stat(newest));
    await truncate(newest, Math.floor(size / 2)); // a torn write
    latest = await loadLatestCheckpoint(folder);
    expect(latest.file).toBe(join(folder, 'checkpoint-45.json'));
    expect(latest.checkpoint.state.step).toBe(45);
    expect(latest.warnings).toHaveLength(1);
    expect(latest.warnings[0]).toMatch(/skipped .*checkpoint-60\.json: not valid JSON/);

    const older = join(folder, 'checkpoint-45.json');
    const text = await readFile(older, 'utf8');
    await writeFile(older, text.replace(/"data":"(.)/, (_m, c: string) => `"data":"${c === 'A' ? 'B' : 'A'}`)); // one flipped character
    await expect(loadLatestCheckpoint(folder)).rejects.toThrow(/no valid checkpoint in .*\n.*checkpoint-60\.json: not valid JSON.*\n.*checkpoint-45\.json: .*checksum mismatch/);
    await expect(loadLatestCheckpoint(join(dir, 'empty'))).rejects.toThrow(/no checkpoint \(checkpoint-<step>\.json\) in/);
  });

  it('removes temporary files left by a killed writer', async () => {
    const folder = join(dir, 'temp');
    const { model, state } = await straight(optimizers.momentum, 1);
    await saveCheckpoint(folder, { model, state, config: {}, meta: {} });
    await writeFile(join(folder, '.glassbox-tmp-checkpoint-7.json-999-0'), '{"half');
    await saveCheckpoint(folder, { model, state: { ...state, step: 16 }, config: {}, meta: {} });
    expect((await readdir(folder)).sort()).toEqual(['checkpoint-15.json', 'checkpoint-16.json']);
  });
});

describe('the monitor across a resume', () => {
  // Feedback alignment with both monitors, every 2nd batch: an epoch stopped mid-way, saved and
  // resumed is recorded over all its monitored batches, as in the uninterrupted run.
  const run = (extra: Partial<Parameters<typeof fit>[2]>) => ({
    epochs: 3, batchSize: 10, optimizer: sgd({ eta: 0.3 }), rng: 11, rule: feedbackAlignment(), monitor: { dynamics: true, alignment: true, every: 2 }, ...extra,
  });

  it('an epoch stopped, saved and resumed records the same dynamics and alignment as the uninterrupted run', async () => {
    const reference = newModel();
    const whole = await fit(reference, data.train, run({}));
    const folder = join(dir, 'monitor');
    const first = newModel();
    const controller = new AbortController();
    await fit(first, data.train, run({
      signal: controller.signal, yieldEveryMs: -1,
      onEvent: async (e) => {
        if (e.type === 'batch' && e.step === 22) controller.abort(); // 7 batches into epoch 2
        if (e.type === 'checkpoint') await saveCheckpoint(folder, { model: first, state: e.state, config: {}, meta: {} });
      },
    }));
    const { checkpoint } = await loadLatestCheckpoint(folder);
    expect(checkpoint.state.epochMonitor?.batches).toBe(4); // batches 0, 2, 4, 6 of epoch 2
    const rest = await fit(checkpoint.model, data.train, run({ resume: checkpoint.state }));
    expect(bits(checkpoint.model)).toEqual(bits(reference));
    expect(rest.history.map((h) => [h.dynamics, h.alignment])).toEqual(whole.history.map((h) => [h.dynamics, h.alignment]));
    expect(whole.history[1].alignment).toHaveLength(3);
  });

  it('a checkpoint with bad monitor sums is refused naming the field', async () => {
    const model = newModel();
    let text = '';
    const controller = new AbortController();
    await fit(model, data.train, run({
      signal: controller.signal, yieldEveryMs: -1,
      onEvent: (e) => {
        if (e.type === 'batch' && e.step === 3) controller.abort();
        if (e.type === 'checkpoint') text = serializeCheckpoint({ model, state: e.state, config: {}, meta: {} });
      },
    }));
    const doc = JSON.parse(text) as { train: { epochMonitor: { speed: unknown[]; align: { angle: unknown }[] } } };
    doc.train.epochMonitor.speed.pop();
    doc.train.epochMonitor.align[0].angle = 'wide';
    (doc.train.epochMonitor.align[1] as unknown as { count: number }).count = 1.5;
    const { checksum: _c, ...body } = doc as unknown as Record<string, unknown>;
    const rehashed = JSON.stringify({ ...body, checksum: checksumOf(body) });
    expect(() => parseCheckpoint(rehashed)).toThrow(/train\.epochMonitor\.speed must be a list of one entry per weight layer \(3\)/);
    expect(() => parseCheckpoint(rehashed)).toThrow(/train\.epochMonitor\.align\[0\]\.angle must be a finite number/);
    expect(() => parseCheckpoint(rehashed)).toThrow(/train\.epochMonitor\.align\[1\]\.count must be an integer from 0 to train\.epochMonitor\.batches/);
  });
});

describe('resuming fit from a checkpoint file is bit-identical to an uninterrupted run', () => {
  /** Rebuild everything from the newest checkpoint in `folder` and train to `epochs`. */
  async function resume(folder: string, opt: () => Optimizer, epochs: number): Promise<Sequential> {
    const { checkpoint } = await loadLatestCheckpoint(folder);
    await fit(checkpoint.model, data.train, { epochs, batchSize: 10, optimizer: opt(), rng: 11, validation: data.test, resume: checkpoint.state });
    return checkpoint.model;
  }

  for (const name of Object.keys(optimizers)) {
    it(`${name}: 3 epochs straight = 1 epoch, save, resume to 3`, async () => {
      const reference = await straight(optimizers[name], 3);
      const folder = join(dir, `epoch-${name}`);
      const first = newModel();
      await fit(first, data.train, {
        epochs: 1, batchSize: 10, optimizer: optimizers[name](), rng: 11, validation: data.test,
        onEvent: (e) => (e.type === 'checkpoint' ? saveCheckpoint(folder, { model: first, state: e.state, config: {}, meta: {} }).then(() => undefined) : undefined),
      });
      const resumed = await resume(folder, optimizers[name], 3);
      expect(bits(resumed)).toEqual(bits(reference.model));
    });

    it(`${name}: stopped mid-epoch by the signal, saved, resumed`, async () => {
      const reference = await straight(optimizers[name], 3);
      const folder = join(dir, `mid-${name}`);
      const first = newModel();
      const controller = new AbortController();
      const r = await fit(first, data.train, {
        epochs: 3, batchSize: 10, optimizer: optimizers[name](), rng: 11, validation: data.test, signal: controller.signal, yieldEveryMs: -1,
        onEvent: async (e) => {
          if (e.type === 'batch' && e.step === 22) controller.abort(); // 7 batches into epoch 2
          if (e.type === 'checkpoint') await saveCheckpoint(folder, { model: first, state: e.state, config: {}, meta: {} });
        },
      });
      expect(r.stopped).toBe(true);
      expect(r.state.step).toBe(22);
      expect((await listCheckpoints(folder)).map((c) => c.step)).toEqual([22, 15]);
      const resumed = await resume(folder, optimizers[name], 3);
      expect(bits(resumed)).toEqual(bits(reference.model));
      // And the recorded history matches too (costs are summed in the same order).
      const { checkpoint } = await loadLatestCheckpoint(folder);
      expect(checkpoint.state.history[0].trainCost).toBe(reference.state.history[0].trainCost);
    });
  }
});
