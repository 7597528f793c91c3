/**
 * io/tensor-codec — tensors in files: base64 (written here, browser-safe, strict on reading) of
 * the little-endian bytes of float32 / float64 values, with every problem of a stored tensor
 * collected rather than thrown, so a file reader can report them all at once.
 */
import { Tensor, type DType } from '../tensor/tensor.js';

/** A tensor as stored in a file. */
export interface StoredTensor {
  name: string;
  shape: number[];
  dtype: DType;
  /** Base64 of the values' little-endian bytes, row-major. */
  data: string;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Standard base64 (RFC 4648, with padding) of `bytes`. */
export function encodeBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  let chunk = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i];
    const b1 = i + 1 < bytes.length ? bytes[i + 1] : 0;
    const b2 = i + 2 < bytes.length ? bytes[i + 2] : 0;
    chunk += ALPHABET[b0 >> 2] + ALPHABET[((b0 & 3) << 4) | (b1 >> 4)];
    chunk += i + 1 < bytes.length ? ALPHABET[((b1 & 15) << 2) | (b2 >> 6)] : '=';
    chunk += i + 2 < bytes.length ? ALPHABET[b2 & 63] : '=';
    if (chunk.length >= 65536) {
      parts.push(chunk);
      chunk = '';
    }
  }
  parts.push(chunk);
  return parts.join('');
}

/** Number of bytes a well-formed base64 string of this text decodes to (−1 when its length is impossible). */
export function base64ByteLength(text: string): number {
  if (text.length % 4 !== 0) return -1;
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - pad;
}

/**
 * Decode standard padded base64. Returns a string describing the first problem instead of bytes
 * when the text is not valid base64.
 */
export function decodeBase64(text: string): Uint8Array | string {
  const length = base64ByteLength(text);
  if (length < 0) return `base64 text of length ${text.length} is not a multiple of 4 (truncated?)`;
  const out = new Uint8Array(length);
  const pad = text.length / 4 * 3 - length;
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    const values = [0, 0, 0, 0];
    for (let k = 0; k < 4; k++) {
      const code = text.charCodeAt(i + k);
      if (last && k >= 4 - pad && code === 61) continue; // '=' padding
      const v = code < 128 ? DECODE[code] : -1;
      if (v < 0) return `invalid base64 character ${JSON.stringify(text[i + k])} at position ${i + k}`;
      values[k] = v;
    }
    const triple = (values[0] << 18) | (values[1] << 12) | (values[2] << 6) | values[3];
    out[o++] = (triple >> 16) & 255;
    if (o < length) out[o++] = (triple >> 8) & 255;
    if (o < length) out[o++] = triple & 255;
  }
  return out;
}

const BYTES: Record<DType, number> = { float32: 4, float64: 8 };

/** Store a tensor: its values as little-endian bytes in base64. */
export function encodeTensor(name: string, t: Tensor): StoredTensor {
  const values = t.dataSync();
  const bytes = new Uint8Array(values.length * BYTES[t.dtype]);
  const view = new DataView(bytes.buffer);
  if (t.dtype === 'float64') for (let i = 0; i < values.length; i++) view.setFloat64(8 * i, values[i], true);
  else for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
  return { name, shape: [...t.shape], dtype: t.dtype, data: encodeBase64(bytes) };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return `[${value.slice(0, 8).map(describe).join(', ')}${value.length > 8 ? ', …' : ''}]`;
  if (value === null || typeof value !== 'object') return String(value);
  return 'an object';
}

/**
 * Read a stored tensor, checking it against the shape it must have. Every problem found is pushed
 * onto `problems` (prefixed with `where`), and null returned; nothing is allocated before the
 * stored data has been checked to have exactly the size the shape needs.
 * @param expectedShape the shape the reader requires, or undefined to accept any valid shape.
 */
export function decodeTensor(entry: unknown, where: string, expectedShape: readonly number[] | undefined, problems: string[]): Tensor | null {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    problems.push(`${where}: expected an object { name, shape, dtype, data }, got ${describe(entry)}`);
    return null;
  }
  const e = entry as Record<string, unknown>;
  const before = problems.length;
  const { shape, dtype, data } = e;
  const shapeOk = Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && (d as number) >= 0);
  if (!shapeOk) problems.push(`${where}: shape must be a list of integers ≥ 0, got ${describe(shape)}`);
  else if (expectedShape && (shape.length !== expectedShape.length || shape.some((d, i) => d !== expectedShape[i]))) {
    problems.push(`${where}: shape is [${(shape as number[]).join(', ')}] but the architecture needs [${expectedShape.join(', ')}]`);
  }
  if (dtype !== 'float32' && dtype !== 'float64') problems.push(`${where}: dtype must be 'float32' or 'float64', got ${describe(dtype)}`);
  if (typeof data !== 'string') problems.push(`${where}: data must be a base64 string, got ${describe(data)}`);
  if (problems.length > before) return null;

  const dims = shape as number[];
  const type = dtype as DType;
  const count = dims.reduce((p, d) => p * d, 1);
  const needed = count * BYTES[type];
  const text = data as string;
  const stored = base64ByteLength(text);
  if (stored < 0) {
    problems.push(`${where}: data is not valid base64 (its length ${text.length} is not a multiple of 4: truncated?)`);
    return null;
  }
  if (stored !== needed) {
    problems.push(`${where}: data holds ${stored} bytes but shape [${dims.join(', ')}] of ${type} needs ${needed} (${count} values × ${BYTES[type]} bytes)`);
    return null;
  }
  const bytes = decodeBase64(text);
  if (typeof bytes === 'string') {
    problems.push(`${where}: data is not valid base64: ${bytes}`);
    return null;
  }
  const view = new DataView(bytes.buffer);
  const values = type === 'float64' ? new Float64Array(count) : new Float32Array(count);
  let bad = 0;
  let firstBad = -1;
  for (let i = 0; i < count; i++) {
    const v = type === 'float64' ? view.getFloat64(8 * i, true) : view.getFloat32(4 * i, true);
    if (!Number.isFinite(v)) {
      if (bad === 0) firstBad = i;
      bad++;
    }
    values[i] = v;
  }
  if (bad > 0) {
    const v = type === 'float64' ? view.getFloat64(8 * firstBad, true) : view.getFloat32(4 * firstBad, true);
    problems.push(`${where}: ${bad} of ${count} values are not finite (the first, at index ${firstBad}, is ${v})`);
    return null;
  }
  return new Tensor(values, dims);
}
