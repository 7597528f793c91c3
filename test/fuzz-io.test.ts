// Fuzzing the model and checkpoint file readers (issue 6): parseModel and parseCheckpoint on
// generated documents (random JSON, random model-shaped objects with hostile sizes and tensors),
// on byte-level mutations of real files, and on structural mutations of real files — half of them
// re-sealed with a correct checksum so the validation behind the checksum is reached. Only
// ModelFileErrors may come out; an accepted file must give a working model with finite weights.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { toyDataset } from '../src/data/index.js';
import { checksumOf, encodeTensor, parseCheckpoint, parseModel, serializeCheckpoint, serializeModel } from '../src/io/index.js';
import { sequential, type Sequential } from '../src/nn/index.js';
import { adam } from '../src/optim/index.js';
import { feedbackAlignment } from '../src/rules/index.js';
import { allFinite, tensor, zeros } from '../src/tensor/ops.js';
import { fit } from '../src/train/index.js';
import { ModelFileError } from '../src/util/errors.js';
import { GENERATED_RUNS, hostileJson, expandDeep, MUTATED_RUNS, mutatedJson, mutatedText, params, Tally } from './fuzz-helpers.js';

/** Give a document a correct checksum again (over everything but the checksum). */
function reseal(doc: unknown): unknown {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return doc;
  const { checksum: _old, ...body } = doc as Record<string, unknown>;
  return { ...body, checksum: checksumOf(body) };
}

function checkModel(model: Sequential): void {
  expect(model.paramTensors().every((t) => allFinite(t))).toBe(true);
  expect(model.predict(zeros([1, model.inputSize], model.dtype)).shape).toEqual([1, model.sizes[model.sizes.length - 1]]);
}

/** A model-file-shaped object with hostile parts. */
const modelShaped: fc.Arbitrary<unknown> = fc.record(
  {
    format: fc.oneof(fc.constantFrom('glassbox-model', 'glassbox-checkpoint'), hostileJson),
    version: fc.oneof(fc.constantFrom(1, 2, 0), hostileJson),
    spec: fc.oneof(
      fc.record({
        sizes: fc.array(fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constantFrom(0, -1, 1.5, 2 ** 31, 1e9, 2 ** 53)), { maxLength: 4 }),
        activations: fc.array(fc.constantFrom('sigmoid', 'tanh', 'relu', 'linear', 'softmax', 'swish'), { maxLength: 4 }),
        cost: fc.constantFrom('quadratic', 'cross-entropy', 'log-likelihood', 'hinge'),
      }),
      hostileJson,
    ),
    parameters: fc.array(
      fc.record({
        name: fc.constantFrom('W2', 'b2', 'W3', 'b3', 'W9'),
        shape: fc.array(fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom(-1, 2 ** 31, 1e9)), { maxLength: 3 }),
        dtype: fc.constantFrom('float32', 'float64', 'int8'),
        data: fc.oneof(fc.base64String({ maxLength: 48 }), hostileJson),
      }),
      { maxLength: 5 },
    ),
    meta: hostileJson,
    checksum: fc.oneof(fc.constant('sha256:' + '0'.repeat(64)), hostileJson),
  },
  { requiredKeys: ['format', 'version'] },
);

const generatedDocs = (format: string): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    fc.tuple(modelShaped, fc.boolean()).map(([doc, sealed]) => {
      const d = format === 'glassbox-checkpoint' && doc !== null && typeof doc === 'object' ? { ...doc, optimizer: { step: 0, buffers: [] }, train: {}, config: {} } : doc;
      return expandDeep(JSON.stringify(sealed ? reseal(d) : d));
    }),
  );

let modelTexts: string[];
let checkpointTexts: string[];
beforeAll(async () => {
  const models = [
    sequential({ sizes: [2, 3, 2], activation: 'sigmoid', cost: 'quadratic', rng: 1 }),
    sequential({ sizes: [4, 3], activation: 'relu', output: 'softmax', cost: 'log-likelihood', rng: 2 }),
    sequential({ sizes: [3, 2, 2, 1], activation: 'tanh', output: 'sigmoid', cost: 'cross-entropy', rng: 3, dtype: 'float64' }),
  ];
  modelTexts = [
    serializeModel(models[0], { created: '2026-01-01T00:00:00Z', dataset: 'xor' }),
    serializeModel(models[1], { created: '2026-01-01T00:00:00Z', imageShape: [2, 2], classNames: ['a', 'b', 'c'] }),
    serializeModel(models[2], { created: '2026-01-01T00:00:00Z' }),
  ];
  const data = toyDataset('xor', { samples: 40 });
  const model = sequential({ sizes: [2, 3, 2], activation: 'tanh', output: 'sigmoid', cost: 'cross-entropy', rng: 4 });
  const { state } = await fit(model, data, { epochs: 2, batchSize: 8, optimizer: adam({ eta: 0.01 }), rng: 5 });
  // A run stopped mid-epoch with both monitors on: its state carries the epoch's monitor sums.
  const monitored = sequential({ sizes: [2, 3, 2], activation: 'tanh', output: 'sigmoid', cost: 'cross-entropy', rng: 6 });
  const controller = new AbortController();
  const mid = await fit(monitored, data, {
    epochs: 2, batchSize: 8, optimizer: adam({ eta: 0.01 }), rng: 7, rule: feedbackAlignment(), monitor: { dynamics: true, alignment: true, every: 1 },
    signal: controller.signal, onEvent: (e) => (e.type === 'batch' && e.step === 7 ? controller.abort() : undefined),
  });
  checkpointTexts = [
    serializeCheckpoint({ model, state, config: { data: 'xor', sizes: [2, 3, 2] }, meta: { created: '2026-01-01T00:00:00Z' } }),
    serializeCheckpoint({ model: models[0], state: { ...state, optimizer: { step: 0, buffers: models[0].paramTensors().map(() => []) }, history: [], epoch: 0 }, config: {}, meta: {} }),
    serializeCheckpoint({ model: monitored, state: mid.state, config: {}, meta: { created: '2026-01-01T00:00:00Z' } }),
  ];
});

describe('fuzz: model files', () => {
  it('parseModel: generated documents, byte mutations and structural mutations of real files', () => {
    const tally = new Tally('model files (parseModel)');
    const read = (text: string) => () => parseModel(text, 'fuzz.json');
    const check = (r: ReturnType<typeof parseModel>) => checkModel(r.model);
    fc.assert(fc.property(generatedDocs('glassbox-model'), (text) => tally.run('generated', read(text), check)), params(GENERATED_RUNS, 11));
    const seeds = modelTexts.map((t) => JSON.parse(t) as unknown);
    fc.assert(fc.property(mutatedText(modelTexts), (text) => tally.run('mutated', read(text), check)), params(MUTATED_RUNS / 2, 12));
    fc.assert(fc.property(mutatedJson(seeds, reseal), (text) => tally.run('mutated', read(text), check)), params(MUTATED_RUNS / 2, 13));
    console.log(tally.summary());
    expect(tally.total).toBeGreaterThanOrEqual(10_000);
    expect(tally.accepted).toBeGreaterThan(0);
    expect([...tally.refused.keys()]).toEqual(['ModelFileError']);
  });
});

describe('fuzz: checkpoint files', () => {
  it('parseCheckpoint: generated documents, byte mutations and structural mutations of real checkpoints', () => {
    const tally = new Tally('checkpoint files (parseCheckpoint)');
    const read = (text: string) => () => parseCheckpoint(text, 'fuzz-checkpoint.json');
    const check = (r: ReturnType<typeof parseCheckpoint>) => {
      checkModel(r.model);
      expect(r.state.optimizer.buffers.length).toBe(r.model.parameters().length);
      // Monitor sums, when accepted, are finite and one entry per weight layer (what fit reads).
      const sums = r.state.epochMonitor;
      if (sums) {
        expect(sums.speed).toHaveLength(r.model.layers.length);
        expect(sums.align).toHaveLength(r.model.layers.length);
        for (const v of [sums.batches, ...sums.speed.flatMap((e) => [e.gradB, e.gradW]), ...sums.align.flatMap((e) => [e.angle, e.normRatio, e.count])]) expect(Number.isFinite(v)).toBe(true);
        for (const a of sums.align) expect(Number.isInteger(a.count) && a.count >= 0 && a.count <= sums.batches).toBe(true);
      }
      r.state.optimizer.buffers.forEach((list, i) => list.forEach((t) => expect(t.dtype).toBe(r.model.paramTensors()[i].dtype)));
    };
    fc.assert(fc.property(generatedDocs('glassbox-checkpoint'), (text) => tally.run('generated', read(text), check)), params(GENERATED_RUNS, 14));
    const seeds = checkpointTexts.map((t) => JSON.parse(t) as unknown);
    fc.assert(fc.property(mutatedText(checkpointTexts), (text) => tally.run('mutated', read(text), check)), params(MUTATED_RUNS / 2, 15));
    fc.assert(fc.property(mutatedJson(seeds, reseal), (text) => tally.run('mutated', read(text), check)), params(MUTATED_RUNS / 2, 16));
    console.log(tally.summary());
    expect(tally.total).toBeGreaterThanOrEqual(10_000);
    expect(tally.accepted).toBeGreaterThan(0);
    expect([...tally.refused.keys()]).toEqual(['ModelFileError']);
  });
});

describe('regressions found by the fuzzer', () => {
  // 10,000 nested lists in a field that is described in the error (meta, spec) or hashed for the
  // checksum (config, with a well-formed checksum) overflowed the stack: a RangeError, not a ModelFileError.
  const deep = '['.repeat(10_000) + ']'.repeat(10_000);
  const checksum = `"sha256:${'0'.repeat(64)}"`;
  it('parseModel refuses deeply nested JSON with a ModelFileError', () => {
    expect(() => parseModel(`{"format":"glassbox-model","version":1,"meta":${deep}}`)).toThrow(/nested more than 64 levels deep/);
    expect(() => parseModel(`{"format":"glassbox-model","version":1,"spec":${deep},"checksum":${checksum}}`)).toThrow(ModelFileError);
  });
  it('parseCheckpoint refuses deeply nested JSON with a ModelFileError', () => {
    expect(() => parseCheckpoint(`{"format":"glassbox-checkpoint","version":1,"config":${deep},"checksum":${checksum}}`)).toThrow(/nested more than 64 levels deep/);
  });
  it('parseModel refuses parameters of mixed dtypes (they loaded, then every forward pass failed)', () => {
    const doc = JSON.parse(modelTexts[0]) as { parameters: unknown[] };
    doc.parameters[1] = encodeTensor('b2', tensor([0.1, 0.2, 0.3], [3], 'float64'));
    expect(() => parseModel(JSON.stringify(reseal(doc)))).toThrow(/parameters mix dtypes \(W2 float32, b2 float64, W3 float32, b3 float32\)/);
  });
  it('parseCheckpoint refuses an optimizer buffer whose dtype differs from its parameter', () => {
    const doc = JSON.parse(checkpointTexts[0]) as { optimizer: { buffers: { dtype: string; data: string }[][] } };
    const m = doc.optimizer.buffers[0][0]; // Adam's first moment of W2, float32
    const values = new Float32Array(Uint8Array.from(Buffer.from(m.data, 'base64')).buffer);
    Object.assign(m, encodeTensor(m.dtype, tensor(Array.from(values), [values.length], 'float64')), { name: (m as unknown as { name: string }).name, shape: [3, 2] });
    expect(() => parseCheckpoint(JSON.stringify(reseal(doc)))).toThrow(/optimizer buffer W2#0: dtype float64, but W2 is float32/);
  });
  it('a real file (about 5 levels deep) is still read', () => {
    expect(parseModel(modelTexts[1]).meta.classNames).toEqual(['a', 'b', 'c']);
    expect(parseCheckpoint(checkpointTexts[0]).state.epoch).toBe(2);
  });
});
