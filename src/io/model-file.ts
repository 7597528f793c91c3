/**
 * io/model-file — the glassbox model file: a versioned, checksummed JSON document holding the
 * architecture (ModelSpec) and every parameter as base64 little-endian floats. Pure functions
 * over text (browser-safe: the explorer parses a dropped file); reading and writing files is in
 * node-files.ts.
 *
 *   { format: 'glassbox-model', version: 1, spec, parameters: [{ name, shape, dtype, data }],
 *     meta: { created, dataset, … }, checksum: 'sha256:…' }
 *
 * The checksum is SHA-256 of the canonical JSON (sorted keys, no spaces) of every other field, so a
 * flipped bit anywhere is caught, while re-indenting the file is not mistaken for corruption.
 */
import { activationNames, type ActivationName } from '../nn/activations.js';
import { costNames, type CostName } from '../nn/costs.js';
import { Sequential, type ModelSpec } from '../nn/model.js';
import * as T from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import { collectProblems, GlassboxError, ModelFileError } from '../util/errors.js';
import { checksumOf } from './checksum.js';
import { decodeTensor, encodeTensor, type StoredTensor } from './tensor-codec.js';

/** The `format` field of a model file. */
export const MODEL_FORMAT = 'glassbox-model';
/** The newest model file version this glassbox reads and the one it writes. */
export const MODEL_VERSION = 1;

/** Free-form facts about a model, saved beside it: when it was made, from which data, how well it did. */
export interface ModelMeta {
  /** ISO 8601 time the file was written (filled in by `serializeModel` when absent). */
  created?: string;
  /** The data set it was trained on, e.g. `mnist`. */
  dataset?: string;
  /** [rows, columns] when the inputs are images (e.g. [28, 28]); `predict` reads it. */
  imageShape?: [number, number];
  /** A name per output class, when known. */
  classNames?: string[];
  /** Anything else worth keeping (JSON values only). */
  [key: string]: unknown;
}

/** A model file in memory, as written to disk. */
export interface ModelDocument {
  format: typeof MODEL_FORMAT;
  version: number;
  spec: ModelSpec;
  parameters: StoredTensor[];
  meta: ModelMeta;
  checksum: string;
}

/** What `parseModel` returns. */
export interface ParsedModel {
  model: Sequential;
  meta: ModelMeta;
}

/** The architecture and parameters of a model in file form, checking that every parameter is finite. */
export function encodeModel(model: Sequential): { spec: ModelSpec; parameters: StoredTensor[] } {
  const params = model.parameters();
  for (const p of params) {
    if (!T.allFinite(p.value)) throw new ModelFileError(`cannot save the model: parameter ${p.name} holds non-finite values (did training diverge?)`);
  }
  return { spec: model.spec(), parameters: params.map((p) => encodeTensor(p.name, p.value)) };
}

/**
 * The model file text for `model`.
 * @throws ModelFileError when a parameter is NaN or infinite (such a file could not be loaded).
 */
export function serializeModel(model: Sequential, meta: ModelMeta = {}): string {
  const { spec, parameters } = encodeModel(model);
  const body = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    spec,
    parameters,
    meta: { ...meta, created: meta.created ?? new Date().toISOString() },
  };
  return JSON.stringify({ ...body, checksum: checksumOf(body) }, null, 1) + '\n';
}

/** Deepest nesting of lists and objects accepted in a model or checkpoint file (real ones nest about 5 deep). */
export const MAX_JSON_DEPTH = 64;

/** The nesting depth of a parsed JSON value, counted without recursion; stops counting past `limit`. */
function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limit) break;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * Parse JSON text, pushing a problem instead of throwing. Documents nested deeper than
 * MAX_JSON_DEPTH are refused here, so the recursive checks after it (checksums, messages) cannot
 * overflow the stack (found by test/fuzz-io.test.ts: 10,000 nested lists gave a RangeError).
 */
export function parseJson(text: string, problems: string[]): unknown {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    problems.push(`not valid JSON (${reason}); the file is truncated or corrupt`);
    return undefined;
  }
  if (nestingDepth(doc, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    problems.push(`lists and objects nested more than ${MAX_JSON_DEPTH} levels deep; the file is corrupt (a glassbox file nests about 5)`);
    return undefined;
  }
  return doc;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return `[${value.slice(0, 8).map(describe).join(', ')}${value.length > 8 ? ', …' : ''}]`;
  if (value === null || typeof value !== 'object') return String(value);
  return 'an object';
}

/**
 * Check `format` and `version`, pushing problems. Returns false when the rest of the document
 * cannot be read by this version (so checking its fields would only add noise).
 */
export function checkHeader(doc: Record<string, unknown>, format: string, newest: number, kind: string, problems: string[]): boolean {
  let ok = true;
  if (doc.format !== format) {
    problems.push(`format is ${describe(doc.format)}, expected '${format}' (is this a glassbox ${kind} file?)`);
    ok = false;
  }
  const v = doc.version;
  if (!Number.isInteger(v) || (v as number) < 1) {
    problems.push(`version must be an integer ≥ 1, got ${describe(v)}`);
    ok = false;
  } else if ((v as number) > newest) {
    problems.push(`${kind} file version ${v} is newer than this glassbox supports (${newest}); upgrade glassbox to read it`);
    ok = false;
  }
  return ok;
}

/** Check a ModelSpec field by field, pushing every problem; returns it when sound. */
export function checkSpec(spec: unknown, where: string, problems: string[]): ModelSpec | null {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    problems.push(`${where}: expected an object { sizes, activations, cost }, got ${describe(spec)}`);
    return null;
  }
  const s = spec as Record<string, unknown>;
  const before = problems.length;
  const { sizes, activations, cost } = s;
  const sizesOk = Array.isArray(sizes) && sizes.length >= 2 && sizes.every((n) => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 2 ** 31);
  if (!sizesOk) problems.push(`${where}.sizes must list at least two positive integers (e.g. [784, 30, 10]), got ${describe(sizes)}`);
  if (!Array.isArray(activations) || activations.some((a) => !activationNames.includes(a as ActivationName))) {
    problems.push(`${where}.activations must be a list of ${activationNames.join(' | ')}, got ${describe(activations)}`);
  } else if (sizesOk && activations.length !== (sizes as number[]).length - 1) {
    problems.push(`${where}: ${(sizes as number[]).length - 1} weight layers (sizes ${describe(sizes)}) but ${activations.length} activations`);
  }
  if (!costNames.includes(cost as CostName)) problems.push(`${where}.cost must be one of ${costNames.join(', ')}, got ${describe(cost)}`);
  if (problems.length > before) return null;
  return { sizes: [...(sizes as number[])], activations: [...(activations as ActivationName[])], cost: cost as CostName };
}

/** The parameter names and shapes a spec requires, in `Sequential.parameters()` order. */
export function expectedParameters(spec: ModelSpec): { name: string; shape: number[] }[] {
  return spec.sizes.slice(1).flatMap((nOut, i) => [
    // Nielsen's layer l = i + 2: W^l is [n_l, n_(l−1)], b^l is [n_l].
    { name: `W${i + 2}`, shape: [nOut, spec.sizes[i]] },
    { name: `b${i + 2}`, shape: [nOut] },
  ]);
}

/**
 * Read the `spec` + `parameters` pair of a document into a model, pushing every problem (unknown,
 * missing, duplicated or misshapen parameters, bad data, non-finite values, an impossible
 * architecture). Returns null when anything is wrong.
 */
export function decodeModel(spec: unknown, parameters: unknown, where: string, problems: string[]): Sequential | null {
  const before = problems.length;
  const s = checkSpec(spec, `${where}spec`, problems);
  if (!Array.isArray(parameters)) {
    problems.push(`${where}parameters must be a list of { name, shape, dtype, data }, got ${describe(parameters)}`);
    return null;
  }
  if (!s) return null;
  const expected = expectedParameters(s);
  const byName = new Map<string, unknown>();
  parameters.forEach((p, i) => {
    const name = p !== null && typeof p === 'object' ? (p as Record<string, unknown>).name : undefined;
    if (typeof name !== 'string') problems.push(`${where}parameters[${i}]: name must be a string, got ${describe(name)}`);
    else if (byName.has(name)) problems.push(`${where}parameters: ${name} appears more than once`);
    else byName.set(name, p);
  });
  for (const name of byName.keys()) {
    if (!expected.some((e) => e.name === name)) {
      problems.push(`${where}parameters: unexpected parameter ${name} (the architecture ${describe(s.sizes)} has ${expected.map((e) => e.name).join(', ')})`);
    }
  }
  const tensors: (Tensor | null)[] = expected.map((e) => {
    const entry = byName.get(e.name);
    if (entry === undefined) {
      problems.push(`${where}parameters: missing parameter ${e.name} [${e.shape.join(', ')}]`);
      return null;
    }
    return decodeTensor(entry, `${where}parameter ${e.name}`, e.shape, problems);
  });
  if (problems.length > before) return null;
  // One dtype for the whole model: mixed float32/float64 parameters load but cannot run (found by
  // test/fuzz-io.test.ts: every forward pass then failed with "dense: dtypes must match").
  const dtypes = (tensors as Tensor[]).map((t, i) => `${expected[i].name} ${t.dtype}`);
  if (new Set((tensors as Tensor[]).map((t) => t.dtype)).size > 1) {
    problems.push(`${where}parameters mix dtypes (${dtypes.join(', ')}); every parameter of a model must have the same dtype`);
    return null;
  }
  try {
    return Sequential.fromSpec(s, tensors as Tensor[]);
  } catch (e) {
    if (e instanceof GlassboxError) {
      problems.push(`${where}spec: ${e.message}`);
      return null;
    }
    throw e;
  }
}

/** Check the stored checksum against the document's contents, pushing a problem when they differ. */
export function checkChecksum(doc: Record<string, unknown>, problems: string[]): void {
  const { checksum, ...body } = doc;
  if (typeof checksum !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(checksum)) {
    problems.push(`checksum must be 'sha256:' and 64 hex digits, got ${describe(checksum)}`);
    return;
  }
  const actual = checksumOf(body);
  if (actual !== checksum) {
    problems.push(`checksum mismatch: the file says ${checksum.slice(0, 19)}… but its contents hash to ${actual.slice(0, 19)}… — the file is corrupt or was edited`);
  }
}

/** Check the fields of `meta` that glassbox itself reads (imageShape, classNames), pushing problems. */
export function checkMeta(meta: unknown, problems: string[]): void {
  if (meta === undefined) return;
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) {
    problems.push(`meta must be an object, got ${describe(meta)}`);
    return;
  }
  const { imageShape, classNames, created } = meta as Record<string, unknown>;
  if (imageShape !== undefined && !(Array.isArray(imageShape) && imageShape.length === 2 && imageShape.every((n) => Number.isInteger(n) && (n as number) >= 1))) {
    problems.push(`meta.imageShape must be [rows, columns] of positive integers, got ${describe(imageShape)}`);
  }
  if (classNames !== undefined && !(Array.isArray(classNames) && classNames.every((c) => typeof c === 'string'))) {
    problems.push(`meta.classNames must be a list of strings, got ${describe(classNames)}`);
  }
  if (created !== undefined && typeof created !== 'string') problems.push(`meta.created must be a string, got ${describe(created)}`);
}

/**
 * Read a model file's text, validating everything: format and version, the architecture, each
 * parameter's name, shape, dtype, base64 length and values (no NaN or ±∞), and the checksum.
 * @param what names the file in the error (e.g. its path).
 * @throws ModelFileError listing every problem found.
 */
export function parseModel(text: string, what = 'model file'): ParsedModel {
  const problems: string[] = [];
  const doc = parseJson(text, problems);
  const fail = (): never => {
    throw collectProblems(ModelFileError, what, problems);
  };
  if (problems.length > 0) fail();
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    problems.push(`expected a JSON object with format '${MODEL_FORMAT}', got ${describe(doc)}`);
    fail();
  }
  const d = doc as Record<string, unknown>;
  if (d.format === 'glassbox-checkpoint') {
    problems.push(`this is a training checkpoint, not a model file (resume it with 'glassbox train --resume DIR', or load it with loadCheckpoint)`);
    fail();
  }
  if (!checkHeader(d, MODEL_FORMAT, MODEL_VERSION, 'model', problems)) fail();
  checkChecksum(d, problems);
  const model = decodeModel(d.spec, d.parameters, '', problems);
  const meta = d.meta;
  checkMeta(meta, problems);
  const known = new Set(['format', 'version', 'spec', 'parameters', 'meta', 'checksum']);
  for (const key of Object.keys(d)) if (!known.has(key)) problems.push(`unexpected field ${JSON.stringify(key)}`);
  const imageShape = (meta as ModelMeta | undefined)?.imageShape;
  if (model && Array.isArray(imageShape) && imageShape.length === 2 && imageShape[0] * imageShape[1] !== model.inputSize) {
    problems.push(`meta.imageShape [${imageShape.join(', ')}] has ${imageShape[0] * imageShape[1]} pixels but the model takes ${model.inputSize} inputs`);
  }
  if (problems.length > 0 || !model) fail();
  return { model: model!, meta: { ...((meta as ModelMeta | undefined) ?? {}) } };
}
