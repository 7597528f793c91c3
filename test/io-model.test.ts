// Model files: SHA-256 and base64 against Node's own implementations, exact round trips (float32
// and float64), every kind of bad file reported (all problems in one ModelFileError), mutated files
// never crash the parser, and atomic saving that leaves nothing half-written.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, checksumOf, decodeBase64, encodeBase64, loadModel, parseModel, saveModel, serializeModel, sha256Hex } from '../src/io/index.js';
import { sequential, type Sequential } from '../src/nn/index.js';
import { tensor } from '../src/tensor/index.js';
import { ModelFileError } from '../src/util/errors.js';
import { Rng } from '../src/util/rng.js';

function randomBytes(rng: Rng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = rng.int(256);
  return b;
}

function modelError(f: () => unknown): ModelFileError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFileError);
    return e as ModelFileError;
  }
  throw new Error('expected a ModelFileError, nothing was thrown');
}

/** Rewrite a model file's JSON with `edit` and a fresh checksum (so only the edit is wrong). */
function edited(text: string, edit: (doc: Record<string, unknown>) => void, rehash = true): string {
  const doc = JSON.parse(text) as Record<string, unknown>;
  edit(doc);
  if (rehash) {
    const { checksum: _old, ...body } = doc;
    doc.checksum = checksumOf(body);
  }
  return JSON.stringify(doc);
}

function bitsEqual(a: Sequential, b: Sequential): boolean {
  const pa = a.paramTensors();
  const pb = b.paramTensors();
  return pa.length === pb.length && pa.every((t, i) => t.dtype === pb[i].dtype && Buffer.from(t.dataSync().buffer).equals(Buffer.from(pb[i].dataSync().buffer)));
}

const model = sequential({ sizes: [4, 3, 2], activation: 'tanh', output: 'softmax', cost: 'log-likelihood', init: 'large', rng: 7 });

describe('sha256Hex', () => {
  it('matches node:crypto on the FIPS example and on every length around the block boundaries', () => {
    expect(sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const rng = new Rng(1);
    for (const n of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4097]) {
      const bytes = randomBytes(rng, n);
      expect(sha256Hex(bytes), `length ${n}`).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });

  it('canonical JSON ignores key order and spacing but not values', () => {
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: 'x' }] })).toBe('{"a":[1,{"c":"x","d":2}],"b":1}');
    expect(checksumOf(JSON.parse('{ "x": 1,  "y": 2 }'))).toBe(checksumOf({ y: 2, x: 1 }));
    expect(checksumOf({ x: 1, y: 2 })).not.toBe(checksumOf({ x: 1, y: 3 }));
  });
});

describe('base64', () => {
  it('agrees with Buffer on random bytes of every length mod 3, and decodes back', () => {
    const rng = new Rng(2);
    for (let n = 0; n < 40; n++) {
      const bytes = randomBytes(rng, n * 7 + (n % 3));
      const text = encodeBase64(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64'));
      expect(decodeBase64(text)).toEqual(bytes);
    }
  });

  it('reports bad characters and impossible lengths instead of guessing', () => {
    expect(decodeBase64('abc')).toMatch(/not a multiple of 4/);
    expect(decodeBase64('ab!d')).toMatch(/invalid base64 character "!" at position 2/);
    expect(decodeBase64('a=cd')).toMatch(/invalid base64 character "=" at position 1/);
  });
});

describe('serializeModel / parseModel', () => {
  it('round-trips architecture, meta and every parameter bit for bit (float32 and float64)', () => {
    for (const m of [model, model.cast('float64')]) {
      const text = serializeModel(m, { dataset: 'toy', imageShape: [2, 2], classNames: ['a', 'b'] });
      const { model: back, meta } = parseModel(text);
      expect(back.spec()).toEqual(m.spec());
      expect(back.dtype).toBe(m.dtype);
      expect(bitsEqual(back, m)).toBe(true);
      expect(meta.dataset).toBe('toy');
      expect(meta.classNames).toEqual(['a', 'b']);
      expect(typeof meta.created).toBe('string');
      const x = tensor([[0.1, -0.2, 0.3, 0.9]], undefined, m.dtype);
      expect(Array.from(back.predict(x).dataSync())).toEqual(Array.from(m.predict(x).dataSync()));
    }
  });

  it('stores little-endian floats in base64, one entry per parameter in Nielsen order', () => {
    const doc = JSON.parse(serializeModel(model)) as { format: string; version: number; parameters: { name: string; shape: number[]; data: string }[] };
    expect(doc.format).toBe('glassbox-model');
    expect(doc.version).toBe(1);
    expect(doc.parameters.map((p) => `${p.name}:${p.shape.join('x')}`)).toEqual(['W2:3x4', 'b2:3', 'W3:2x3', 'b3:2']);
    const bytes = Buffer.from(doc.parameters[0].data, 'base64');
    expect(bytes.readFloatLE(4 * 5)).toBe(model.layers[0].W.dataSync()[5]);
  });

  it('accepts a re-indented file (the checksum is over canonical JSON)', () => {
    const text = JSON.stringify(JSON.parse(serializeModel(model)), null, 4);
    expect(bitsEqual(parseModel(text).model, model)).toBe(true);
  });

  it('refuses to serialise a model with NaN weights', () => {
    const bad = model.clone();
    bad.layers[1].W.dataSync()[0] = NaN;
    expect(modelError(() => serializeModel(bad)).message).toMatch(/W3 holds non-finite values/);
  });
});

describe('parseModel rejects bad files with every problem listed', () => {
  const good = serializeModel(model, { dataset: 'toy' });

  it('not JSON, truncated, or not an object', () => {
    expect(modelError(() => parseModel('')).message).toMatch(/not valid JSON/);
    expect(modelError(() => parseModel(good.slice(0, good.length / 2), 'model file m.json')).message).toMatch(/^model file m\.json: not valid JSON.*truncated or corrupt/);
    expect(modelError(() => parseModel('[1, 2]')).message).toMatch(/expected a JSON object/);
  });

  it('another format, or a checkpoint', () => {
    expect(modelError(() => parseModel(edited(good, (d) => (d.format = 'keras')))).message).toMatch(/format is "keras", expected 'glassbox-model'/);
    expect(modelError(() => parseModel(edited(good, (d) => (d.format = 'glassbox-checkpoint')))).message).toMatch(/training checkpoint, not a model file/);
  });

  it('a newer or impossible version', () => {
    const e = modelError(() => parseModel(edited(good, (d) => (d.version = 2)), 'model file m.json'));
    expect(e.message).toBe('model file m.json: model file version 2 is newer than this glassbox supports (1); upgrade glassbox to read it');
    expect(modelError(() => parseModel(edited(good, (d) => (d.version = 0)))).message).toMatch(/version must be an integer ≥ 1, got 0/);
    expect(modelError(() => parseModel(edited(good, (d) => (d.version = '1')))).message).toMatch(/version must be an integer ≥ 1, got "1"/);
  });

  it('missing, extra and misshapen parameters, all at once', () => {
    const text = edited(good, (d) => {
      const ps = d.parameters as { name: string; shape: number[] }[];
      ps.splice(1, 1); // drop b2
      ps.push({ ...ps[0], name: 'W9' });
      ps[1].shape = [3, 2]; // W3 should be [2, 3]
    });
    const e = modelError(() => parseModel(text));
    expect(e.problems).toHaveLength(3);
    expect(e.message).toMatch(/3 problems/);
    expect(e.message).toMatch(/unexpected parameter W9/);
    expect(e.message).toMatch(/missing parameter b2 \[3\]/);
    expect(e.message).toMatch(/parameter W3: shape is \[3, 2\] but the architecture needs \[2, 3\]/);
  });

  it('duplicated parameters, bad dtype, base64 of the wrong length or with bad characters', () => {
    const text = edited(good, (d) => {
      const ps = d.parameters as { name: string; dtype: string; data: string }[];
      ps[1].dtype = 'int8';
      ps[2].data = ps[2].data.slice(0, -4); // 3 bytes short → 21 bytes for 24
      ps[3].data = ps[3].data.replace(/^./, '*');
      ps.push({ ...ps[0] });
    });
    const e = modelError(() => parseModel(text));
    expect(e.message).toMatch(/W2 appears more than once/);
    expect(e.message).toMatch(/parameter b2: dtype must be 'float32' or 'float64', got "int8"/);
    expect(e.message).toMatch(/parameter W3: data holds 21 bytes but shape \[2, 3\] of float32 needs 24 \(6 values × 4 bytes\)/);
    expect(e.message).toMatch(/parameter b3: data is not valid base64: invalid base64 character "\*" at position 0/);
    expect(e.problems).toHaveLength(4);
  });

  it('NaN and infinite weights', () => {
    const text = edited(good, (d) => {
      const ps = d.parameters as { data: string }[];
      const bytes = Buffer.from(ps[0].data, 'base64');
      bytes.writeFloatLE(NaN, 8);
      bytes.writeFloatLE(Infinity, 20);
      ps[0].data = bytes.toString('base64');
    });
    expect(modelError(() => parseModel(text)).message).toMatch(/parameter W2: 2 of 12 values are not finite \(the first, at index 2, is NaN\)/);
  });

  it('a flipped bit: checksum mismatch, the file is corrupt', () => {
    const doc = JSON.parse(good) as { parameters: { data: string }[] };
    const data = doc.parameters[0].data;
    doc.parameters[0].data = (data[0] === 'A' ? 'B' : 'A') + data.slice(1);
    const e = modelError(() => parseModel(JSON.stringify(doc)));
    expect(e.problems).toHaveLength(1);
    expect(e.message).toMatch(/checksum mismatch: .* the file is corrupt or was edited/);
    expect(modelError(() => parseModel(edited(good, (d) => delete d.checksum, false))).message).toMatch(/checksum must be 'sha256:'/);
  });

  it('an impossible architecture: bad sizes, unknown names, wrong pairing, meta that disagrees', () => {
    let e = modelError(() => parseModel(edited(good, (d) => (d.spec = { sizes: [4, 0], activations: ['swish'], cost: 'hinge' }))));
    expect(e.message).toMatch(/spec\.sizes must list at least two positive integers/);
    expect(e.message).toMatch(/spec\.activations must be a list of sigmoid \| tanh/);
    expect(e.message).toMatch(/spec\.cost must be one of quadratic, cross-entropy, log-likelihood, got "hinge"/);
    e = modelError(() => parseModel(edited(good, (d) => ((d.spec as { cost: string }).cost = 'cross-entropy'))));
    expect(e.message).toMatch(/cross-entropy cost needs a sigmoid output layer, got softmax/);
    e = modelError(() => parseModel(edited(good, (d) => ((d.spec as { activations: string[] }).activations = ['tanh']))));
    expect(e.message).toMatch(/2 weight layers .* but 1 activations/);
    e = modelError(() => parseModel(edited(good, (d) => ((d.meta as Record<string, unknown>).imageShape = [3, 3]))));
    expect(e.message).toMatch(/meta\.imageShape \[3, 3\] has 9 pixels but the model takes 4 inputs/);
    e = modelError(() => parseModel(edited(good, (d) => (d.extra = 1))));
    expect(e.message).toMatch(/unexpected field "extra"/);
  });

  it('refuses a header that claims a huge tensor without allocating it', () => {
    const text = edited(good, (d) => {
      d.spec = { sizes: [1_000_000, 1_000_000, 2], activations: ['tanh', 'softmax'], cost: 'log-likelihood' };
      const ps = d.parameters as { shape: number[] }[];
      ps[0].shape = [1_000_000, 1_000_000];
      ps[1].shape = [1_000_000];
      ps[2].shape = [2, 1_000_000];
    });
    const e = modelError(() => parseModel(text));
    expect(e.message).toMatch(/W2: data holds 48 bytes but shape \[1000000, 1000000\] of float32 needs 4000000000000/);
  });

  it('never throws anything but ModelFileError on mutated files (fast-check)', () => {
    const small = serializeModel(sequential({ sizes: [2, 2], cost: 'quadratic', rng: 3 }), {});
    fc.assert(
      fc.property(fc.nat(small.length - 1), fc.nat(small.length), fc.string({ maxLength: 4 }), (at, cut, insert) => {
        const mutated = small.slice(0, at) + insert + small.slice(at + 1, Math.max(at + 1, cut));
        try {
          parseModel(mutated);
        } catch (e) {
          if (!(e instanceof ModelFileError)) throw e;
        }
      }),
      { numRuns: 1000, seed: 42 },
    );
  });
});

describe('saveModel / loadModel on disk', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glassbox-io-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('saves atomically into a new folder and loads back the same bits; no temporary file is left', async () => {
    const file = join(dir, 'deep', 'er', 'model.json');
    await saveModel(file, model, { dataset: 'toy' });
    expect(await readdir(join(dir, 'deep', 'er'))).toEqual(['model.json']);
    const { model: back, meta } = await loadModel(file);
    expect(bitsEqual(back, model)).toBe(true);
    expect(meta.dataset).toBe('toy');
  });

  it('names the file when it is missing or corrupt', async () => {
    const missing = join(dir, 'nope.json');
    await expect(loadModel(missing)).rejects.toThrow(`cannot read model file ${missing}: no such file or folder`);
    const corrupt = join(dir, 'corrupt.json');
    const text = serializeModel(model);
    await writeFile(corrupt, text.slice(0, 200));
    await expect(loadModel(corrupt)).rejects.toThrow(new RegExp(`^model file ${corrupt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON`));
  });

  it('a failed save leaves the previous file intact and no temporary file behind', async () => {
    const file = join(dir, 'keep', 'model.json');
    await saveModel(file, model);
    const before = await readFile(file, 'utf8');
    const bad = model.clone();
    bad.layers[0].b.dataSync()[1] = Infinity;
    await expect(saveModel(file, bad)).rejects.toBeInstanceOf(ModelFileError);
    expect(await readFile(file, 'utf8')).toBe(before);
    // Writing where a folder stands fails at the rename: the temporary file is removed.
    await expect(saveModel(join(dir, 'keep'), model)).rejects.toThrow(/cannot write .*keep: /);
    expect((await readdir(join(dir, 'keep'))).sort()).toEqual(['model.json']);
    expect((await readdir(dir)).filter((n) => n.startsWith('.glassbox-tmp'))).toEqual([]);
  });
});
