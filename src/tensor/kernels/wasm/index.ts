/**
 * tensor/kernels/wasm — the WebAssembly SIMD backend: feature detection, instantiation, registration.
 *
 * `await initWasmBackend()` checks that the runtime has WebAssembly with 128-bit SIMD (else throws
 * UnsupportedError naming what is missing), prefers the relaxed-SIMD build (fused multiply-add) when
 * the runtime accepts it — in Node 20 that needs V8's --experimental-wasm-relaxed-simd, which is set
 * at run time through a dynamic import of node:v8 only when running under Node, so browser bundles
 * never see it — instantiates the module over a WasmHeap (shared memory where possible), and
 * registers the kernels as backend 'wasm' (it does not make it active: `setBackend('wasm')`).
 * The binaries are embedded as base64 (binary.generated.ts, from `npm run build:wasm`), so the same
 * code loads in Node and in the browser with no fetch.
 */
import { UnsupportedError } from '../../../util/errors.js';
import { registerBackend } from '../registry.js';
import type { Kernels } from '../types.js';
import { relaxedBinary, simdBinary, type WasmBinary } from './binary.generated.js';
import { WasmHeap, type HeapOptions, type HeapStats } from './heap.js';
import { makeWasmKernels, type WasmExports } from './kernels.js';

/** Options of `initWasmBackend` / `createWasmKernels`. */
export interface WasmOptions extends HeapOptions {
  /** Use the relaxed-SIMD build when available (default true); false forces plain SIMD128. */
  relaxedSimd?: boolean;
}

/** What the wasm backend runs with. */
export interface WasmInfo {
  /** Whether `initWasmBackend` has completed. */
  initialised: boolean;
  /** Whether the relaxed-SIMD (fused multiply-add) build is in use. */
  relaxedSimd: boolean;
  /** Whether the linear memory is a SharedArrayBuffer (growable without detaching views). */
  sharedMemory: boolean;
  /** Memory counters (null before initialisation). */
  heap: HeapStats | null;
}

/** A created backend: its kernels, heap and variant. */
export interface WasmBackend {
  readonly kernels: Kernels;
  readonly heap: WasmHeap;
  readonly relaxedSimd: boolean;
}

// (module (func (result v128) f32.const 0 f32x4.splat))
const SIMD_PROBE = [
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 11, 1, 9, 0, 67, 0, 0, 0, 0, 253, 19, 11,
];
// (module (func (result v128) f32.const 0 f32x4.splat (×3) f32x4.relaxed_madd))
const RELAXED_PROBE = [
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 28, 1, 26, 0, 67, 0, 0, 0, 0, 253, 19, 67,
  0, 0, 0, 0, 253, 19, 67, 0, 0, 0, 0, 253, 19, 253, 133, 2, 11,
];

/** Bytes at the bottom of memory kept for the module's static data. */
const STATIC_RESERVE = 65536;

function validate(bytes: number[] | Uint8Array): boolean {
  try {
    return WebAssembly.validate(Uint8Array.from(bytes));
  } catch {
    return false;
  }
}

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const text = atob(b64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

let relaxedFlagTried = false;

/** Whether relaxed SIMD validates, turning on V8's flag for it first when running in Node. */
async function detectRelaxedSimd(): Promise<boolean> {
  if (validate(RELAXED_PROBE)) return true;
  const nodeVersion = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
  if (!nodeVersion || relaxedFlagTried) return false;
  relaxedFlagTried = true;
  try {
    const specifier = 'node:v8';
    const v8 = (await import(/* @vite-ignore */ specifier)) as { setFlagsFromString(flags: string): void };
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return validate(RELAXED_PROBE);
}

/** The module bytes, with the memory import switched to unshared when the heap is not shared. */
function moduleBytes(binary: WasmBinary, shared: boolean): Uint8Array<ArrayBuffer> {
  const bytes = decodeBase64(binary.base64);
  if (!shared) bytes[binary.memoryFlagsOffset] = 0x01;
  return bytes;
}

/**
 * Create an independent wasm backend (own module instance and memory) without registering it.
 * Benchmarks use this to compare the SIMD and relaxed-SIMD builds side by side.
 * @throws UnsupportedError when WebAssembly or its SIMD extension is missing
 */
export async function createWasmKernels(options: WasmOptions = {}, name = 'wasm'): Promise<WasmBackend> {
  if (typeof WebAssembly === 'undefined' || typeof WebAssembly.validate !== 'function') {
    throw new UnsupportedError('wasm backend: this runtime has no WebAssembly');
  }
  if (!validate(SIMD_PROBE)) {
    throw new UnsupportedError('wasm backend: this runtime\'s WebAssembly lacks 128-bit SIMD (the "simd128" feature)');
  }
  const relaxed = options.relaxedSimd !== false && (await detectRelaxedSimd());
  // The module's static data (AssemblyScript's math tables, ~5 KiB) sits below its heapBase; the
  // memory must exist before the module can say where that is, so reserve the first page for it.
  const heap = new WasmHeap(STATIC_RESERVE, options);
  const bytes = moduleBytes(relaxed ? relaxedBinary : simdBinary, heap.shared);
  let instance: WebAssembly.Instance;
  try {
    ({ instance } = await WebAssembly.instantiate(bytes, { env: { memory: heap.memory } }));
  } catch (e) {
    throw new UnsupportedError(`wasm backend: could not instantiate the ${relaxed ? 'relaxed-SIMD' : 'SIMD'} module: ${(e as Error).message}`);
  }
  const ex = instance.exports as unknown as WasmExports;
  if (ex.heapBase() > STATIC_RESERVE) {
    throw new UnsupportedError(`wasm backend: module static data (${ex.heapBase()} B) exceeds the reserved ${STATIC_RESERVE} B`);
  }
  return { kernels: makeWasmKernels(ex, heap, name), heap, relaxedSimd: relaxed };
}

let initialised: Promise<Kernels> | null = null;
let backend: WasmBackend | null = null;

/**
 * Detect features, instantiate the best build and register it as backend 'wasm'. Later calls return
 * the same kernels (the options of the first call win).
 * @throws UnsupportedError when WebAssembly or its SIMD extension is missing
 */
export function initWasmBackend(options: WasmOptions = {}): Promise<Kernels> {
  initialised ??= createWasmKernels(options).then(
    (b) => {
      backend = b;
      registerBackend(b.kernels);
      return b.kernels;
    },
    (e: unknown) => {
      initialised = null;
      throw e;
    },
  );
  return initialised;
}

/** Which build the registered wasm backend uses, and its memory counters. */
export function wasmInfo(): WasmInfo {
  return {
    initialised: backend !== null,
    relaxedSimd: backend?.relaxedSimd ?? false,
    sharedMemory: backend?.heap.shared ?? false,
    heap: backend ? backend.heap.stats() : null,
  };
}
