// Shared machinery of the fuzz tests (test/fuzz-*.test.ts): fast-check arbitraries that mutate
// valid files (bit flips, truncation, splices from other files, inserted, deleted and duplicated
// runs, "interesting" integers such as 0xFFFFFFFF written over header fields, in both byte orders),
// structural mutations of JSON documents (any value replaced by a hostile one, keys deleted, deep
// nesting), and a tally that runs one reader on one input, lets GlassboxErrors through (counted
// by kind) and fails the property on any other exception.
import fc from 'fast-check';
import { GlassboxError } from '../src/util/errors.js';

/** Cases per reader: generated inputs and mutated valid files. */
export const GENERATED_RUNS = 4000;
/** Mutated valid files per reader. */
export const MUTATED_RUNS = 8000;
/** Seed of every fuzz run (fast-check prints it, with the failing case, on a failure). */
export const FUZZ_SEED = 20260601;

/** Integers that break careless header arithmetic. */
const INTERESTING = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 1_000_000, 60_000, 784];

/** One edit of a byte string; positions are reduced modulo the current length. */
export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'splice'; at: number; donor: number; from: number; length: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'interesting'; at: number; width: 1 | 2 | 4 | 8; value: number; littleEndian: boolean; nearStart: boolean };

/** An arbitrary single mutation. */
export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), donor: fc.nat(), from: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 32 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('interesting' as const),
      at: fc.nat(),
      width: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const),
      value: fc.constantFrom(...INTERESTING),
      littleEndian: fc.boolean(),
      nearStart: fc.boolean(),
    }),
    weight: 3,
  },
);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Apply `mutations` to a copy of `seed`; splices take bytes from `donors`. */
export function applyMutations(seed: Uint8Array, donors: readonly Uint8Array[], mutations: readonly Mutation[]): Uint8Array {
  let b: Uint8Array = seed.slice();
  for (const m of mutations) {
    const at = m.at % (b.length + 1);
    switch (m.kind) {
      case 'flip':
        if (b.length > 0) b[m.at % b.length] ^= 1 << m.bit;
        break;
      case 'truncate':
        b = b.slice(0, at);
        break;
      case 'splice': {
        const donor = donors[m.donor % donors.length];
        const from = m.from % (donor.length + 1);
        b = concat(b.subarray(0, at), donor.subarray(from, from + m.length), b.subarray(Math.min(b.length, at + m.length)));
        break;
      }
      case 'insert':
        b = concat(b.subarray(0, at), m.bytes, b.subarray(at));
        break;
      case 'delete':
        b = concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + m.length)));
        break;
      case 'duplicate': {
        const end = Math.min(b.length, at + m.length);
        b = concat(b.subarray(0, end), b.subarray(at, end), b.subarray(end));
        break;
      }
      case 'interesting': {
        // Header fields sit near the start: half of these land in the first 32 bytes.
        const pos = (m.nearStart ? m.at % 32 : m.at) % Math.max(1, b.length);
        if (pos + m.width > b.length) break;
        const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
        if (m.width === 1) view.setUint8(pos, m.value & 0xff);
        else if (m.width === 2) view.setUint16(pos, m.value & 0xffff, m.littleEndian);
        else if (m.width === 4) view.setUint32(pos, m.value >>> 0, m.littleEndian);
        else view.setBigUint64(pos, BigInt(m.value) * (m.value > 0xffff ? 0x100000000n : 1n), m.littleEndian);
        break;
      }
    }
  }
  return b;
}

/** Byte strings made by 1–`max` mutations of one of `seeds`. */
export function mutatedBytes(seeds: readonly Uint8Array[], max = 4): fc.Arbitrary<Uint8Array> {
  return fc
    .record({ seed: fc.nat({ max: seeds.length - 1 }), mutations: fc.array(mutationArb, { minLength: 1, maxLength: max }) })
    .map(({ seed, mutations }) => applyMutations(seeds[seed], seeds, mutations));
}

/** Text made by mutating the UTF-8 bytes of `seeds` (decoded leniently: bad bytes become U+FFFD). */
export function mutatedText(seeds: readonly string[], max = 4): fc.Arbitrary<string> {
  const encoded = seeds.map((s) => new TextEncoder().encode(s));
  return mutatedBytes(encoded, max).map((b) => new TextDecoder().decode(b));
}

/** Every path to a value inside a JSON document (keys and indices), the root included. */
export function jsonPaths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => jsonPaths(v, [...prefix, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) jsonPaths(v, [...prefix, k], out);
  return out;
}

/** Values hostile to a validator: wrong types, huge and negative numbers, deep nesting, long strings. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1, 0.5, -0.0, 1e308, -1e308, 2 ** 31, 2 ** 31 - 1, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 1e9, 65536, 784, '', 'NaN', 'Infinity', '__proto__', 'constructor'),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 12 }),
  fc.base64String({ maxLength: 64 }),
  fc.array(fc.integer({ min: -3, max: 2 ** 31 }), { maxLength: 5 }),
  fc.constantFrom([], {}, [[]], { s: [0, 0, 0, 0] }, [1e9, 1e9], [2 ** 31 - 1, 2 ** 31 - 1, 2 ** 31 - 1]),
  // Deep nesting goes in as a placeholder, expanded in the text (JSON.stringify itself overflows the stack).
  fc.tuple(fc.constantFrom('array', 'object'), fc.oneof({ arbitrary: fc.integer({ min: 2, max: 100 }), weight: 18 }, { arbitrary: fc.constant(1000), weight: 1 }, { arbitrary: fc.constant(20000), weight: 1 })).map(([kind, depth]) => `@@deep-${kind}-${depth}@@`),
  fc.jsonValue({ maxDepth: 3 }),
);

/** JSON text with each deep-nesting placeholder replaced by that many nested arrays or objects. */
export function expandDeep(text: string): string {
  return text.replace(/"@@deep-(array|object)-(\d+)@@"/g, (_, kind: string, depth: string) => {
    const d = Number(depth);
    return kind === 'array' ? '['.repeat(d) + ']'.repeat(d) : '{"a":'.repeat(d) + '1' + '}'.repeat(d);
  });
}

/** One structural edit of a JSON document. */
export type JsonEdit =
  | { kind: 'replace'; path: number; value: unknown }
  | { kind: 'delete'; path: number }
  | { kind: 'add'; path: number; key: string; value: unknown }
  | { kind: 'retype'; path: number };

/**
 * A stored tensor { dtype, data } re-encoded in the other dtype with consistent base64 data, so it
 * passes every per-tensor check (float32 ↔ float64); anything else is left alone.
 */
function retype(target: unknown): void {
  if (target === null || typeof target !== 'object') return;
  const t = target as { dtype?: unknown; data?: unknown };
  if ((t.dtype !== 'float32' && t.dtype !== 'float64') || typeof t.data !== 'string') return;
  const bytes = Buffer.from(t.data, 'base64');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const from = t.dtype === 'float32' ? 4 : 8;
  const count = Math.floor(bytes.length / from);
  const out = Buffer.alloc(count * (12 - from));
  const outView = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < count; i++) {
    if (from === 4) outView.setFloat64(8 * i, view.getFloat32(4 * i, true), true);
    else outView.setFloat32(4 * i, view.getFloat64(8 * i, true), true);
  }
  t.dtype = from === 4 ? 'float64' : 'float32';
  t.data = out.toString('base64');
}

const jsonEditArb: fc.Arbitrary<JsonEdit> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('replace' as const), path: fc.nat(), value: hostileJson }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), path: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('add' as const), path: fc.nat(), key: fc.constantFrom('extra', '__proto__', 'constructor', 'checksum', 'shape', 'data'), value: hostileJson }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('retype' as const), path: fc.nat() }), weight: 2 },
);

/** Apply `edits` to a deep copy of `doc`. */
export function applyJsonEdits(doc: unknown, edits: readonly JsonEdit[]): unknown {
  let root = structuredClone(doc);
  for (const e of edits) {
    const paths = jsonPaths(root);
    const path = paths[e.path % paths.length];
    if (path.length === 0) {
      if (e.kind === 'replace') root = e.value;
      continue;
    }
    if (e.kind === 'retype') {
      // Aim at stored tensors: the nearest object on the path that has a dtype.
      let node: unknown = root;
      let best: unknown;
      for (const key of path) {
        if (node !== null && typeof node === 'object' && 'dtype' in node) best = node;
        node = (node as Record<string | number, unknown>)[key];
      }
      retype(node !== null && typeof node === 'object' && 'dtype' in node ? node : best);
      continue;
    }
    let parent = root as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const last = path[path.length - 1];
    if (e.kind === 'replace') parent[last] = structuredClone(e.value);
    else if (e.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
    } else {
      const target = parent[last];
      if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
        Object.defineProperty(target, e.key, { value: structuredClone(e.value), enumerable: true, writable: true, configurable: true });
      }
    }
  }
  return root;
}

/**
 * JSON documents made by 1–`max` structural edits of `seeds`; when `reseal` is given, half of
 * them get a correct checksum again (so the validator past the checksum is reached).
 */
export function mutatedJson(seeds: readonly unknown[], reseal?: (doc: unknown) => unknown, max = 3): fc.Arbitrary<string> {
  return fc
    .record({ seed: fc.nat({ max: seeds.length - 1 }), edits: fc.array(jsonEditArb, { minLength: 1, maxLength: max }), sealed: fc.boolean() })
    .map(({ seed, edits, sealed }) => {
      const doc = applyJsonEdits(seeds[seed], edits);
      return expandDeep(JSON.stringify(sealed && reseal ? reseal(doc) : doc));
    });
}

/** What one reader did with all its inputs. */
export class Tally {
  generated = 0;
  mutated = 0;
  accepted = 0;
  readonly refused = new Map<string, number>();
  constructor(readonly reader: string) {}

  /** Run `read` on one input: a GlassboxError counts as a refusal, anything else is rethrown. */
  run<T>(kind: 'generated' | 'mutated', read: () => T, check?: (result: T) => void): void {
    this[kind]++;
    let result: T;
    try {
      result = read();
    } catch (e) {
      this.refuse(e);
      return;
    }
    this.accepted++;
    check?.(result);
  }

  /** The asynchronous form of `run`. */
  async runAsync<T>(kind: 'generated' | 'mutated', read: () => Promise<T>, check?: (result: T) => void): Promise<void> {
    this[kind]++;
    let result: T;
    try {
      result = await read();
    } catch (e) {
      this.refuse(e);
      return;
    }
    this.accepted++;
    check?.(result);
  }

  private refuse(e: unknown): void {
    if (!(e instanceof GlassboxError)) throw e;
    this.refused.set(e.name, (this.refused.get(e.name) ?? 0) + 1);
  }

  get total(): number {
    return this.generated + this.mutated;
  }

  /** One line for the log: how many inputs of each kind, and what became of them. */
  summary(): string {
    const refused = [...this.refused].map(([name, n]) => `${n} ${name}`).join(', ') || 'none';
    return `fuzz ${this.reader}: ${this.total} inputs (${this.generated} generated + ${this.mutated} mutated): ${this.accepted} accepted, refused: ${refused}; 0 crashes`;
  }
}

/** fast-check parameters shared by every fuzz property. */
export function params(numRuns: number, salt: number): fc.Parameters<unknown> {
  return { numRuns, seed: FUZZ_SEED + salt, endOnFailure: false };
}
