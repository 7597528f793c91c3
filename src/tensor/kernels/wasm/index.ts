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
 * code loads in Node and in the browser with no fetch. With two cores and a shared memory (Node, or
 * a cross-origin isolated page) the big dense kernels also run on a helper thread over the same
 * memory (threads.ts; option `threads`).
 */
import { ArgumentError, UnsupportedError } from '../../../util/errors.js';
import { registerBackend } from '../registry.js';
import type { Kernels } from '../types.js';
import { relaxedBinary, simdBinary, type WasmBinary } from './binary.generated.js';
import { WasmHeap, type HeapOptions, type HeapStats } from './heap.js';
import { makeWasmKernels, type WasmExports } from './kernels.js';
import { CONTROL_INTS, hasTwoCores, startWasmThreads, type WasmThreads } from './threads.js';

/** Options of `initWasmBackend` / `createWasmKernels`. */
export interface WasmOptions extends HeapOptions {
  /** Use the relaxed-SIMD build when available (default true); false forces plain SIMD128. */
  relaxedSimd?: boolean;
  /**
   * Threads for the big dense kernels: 1 (off) or 2 (a helper worker thread on the same shared
   * memory: worker_threads in Node, a Web Worker in a cross-origin isolated browser context).
   * Default: 2 when the runtime reports at least two cores (Node's availableParallelism,
   * navigator.hardwareConcurrency), else 1. Without a shared memory or workers it stays 1 with no
   * error (`wasmInfo().threads` says which). Results are bit-identical either way.
   */
  threads?: number;
  /**
   * Smallest batch × nIn × nOut a dense kernel must have before it is split over two threads
   * (default 2^21; below it the hand-off costs more than the second core gains).
   */
  threadMinWork?: number;
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
  /** Threads the dense kernels use (2 only while a helper thread is running or can restart; else 1). */
  threads: number;
  /**
   * The helper thread's counters (null without one): jobs it ran, workers started, pauses (a
   * busy machine made it late eight joins in a row, so kernels ran single-threaded for a second)
   * and jobs refused during pauses.
   */
  threadStats: { jobs: number; spawns: number; pauses: number; skipped: number; takenBack: number; ready: boolean; waiting: boolean } | null;
}

/** A created backend: its kernels, heap and variant. */
export interface WasmBackend {
  readonly kernels: Kernels;
  readonly heap: WasmHeap;
  readonly relaxedSimd: boolean;
  /** The helper thread (null when single-threaded). */
  readonly threads: WasmThreads | null;
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

/** Default smallest batch × nIn × nOut split over two threads. */
const THREAD_MIN_WORK = 2 ** 21;

/** Bytes at the bottom of memory kept for the module's static data and the threads' control block. */
const STATIC_RESERVE = 65536;
/** Where the helper thread's control words sit: the last 128 bytes of the reserve. */
const CONTROL_BYTE = STATIC_RESERVE - CONTROL_INTS * 4;

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
  if (!(await setV8Flag('--experimental-wasm-relaxed-simd'))) return false;
  return validate(RELAXED_PROBE);
}

let tieringFlagTried = false;

/**
 * In Node, ask V8 to compile wasm with its optimising tier up front (--no-wasm-dynamic-tiering)
 * instead of starting every function in the baseline compiler and tiering up hot ones while they
 * run: measured on a 784 → 256 dense forward at batch 128, the first ~40 calls took 1.5 → 0.9 ms
 * before settling at 0.52 ms (on both threads), about 0.1–0.2 s of a training run's first epoch.
 * The compile moves to `initWasmBackend` (the module is ~35 KB). Browsers keep their defaults.
 */
async function preferOptimisedWasm(): Promise<void> {
  const nodeVersion = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
  if (!nodeVersion || tieringFlagTried) return;
  tieringFlagTried = true;
  await setV8Flag('--no-wasm-dynamic-tiering'); // if refused: the baseline tier is correct, only slower to start
}

/** Set a V8 flag through node:v8 (Node only; a dynamic import keeps browser bundles free of it). */
async function setV8Flag(flag: string): Promise<boolean> {
  try {
    const specifier = 'node:v8';
    const v8 = (await import(/* @vite-ignore */ specifier)) as { setFlagsFromString(flags: string): void };
    v8.setFlagsFromString(flag);
    return true;
  } catch {
    return false;
  }
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
  const threadCount = options.threads ?? ((await hasTwoCores()) ? 2 : 1);
  if (threadCount !== 1 && threadCount !== 2) {
    throw new ArgumentError(`wasm backend: threads must be 1 or 2, got ${String(options.threads)}`);
  }
  const minWork = options.threadMinWork ?? THREAD_MIN_WORK;
  if (!(minWork >= 0)) {
    throw new ArgumentError(`wasm backend: threadMinWork must be a number ≥ 0, got ${String(options.threadMinWork)}`);
  }
  const relaxed = options.relaxedSimd !== false && (await detectRelaxedSimd());
  await preferOptimisedWasm();
  // The module's static data (AssemblyScript's math tables, ~5 KiB) sits below its heapBase; the
  // memory must exist before the module can say where that is, so reserve the first page for it.
  const heap = new WasmHeap(STATIC_RESERVE, options);
  const bytes = moduleBytes(relaxed ? relaxedBinary : simdBinary, heap.shared);
  let instance: WebAssembly.Instance;
  let module: WebAssembly.Module;
  try {
    ({ instance, module } = await WebAssembly.instantiate(bytes, { env: { memory: heap.memory } }));
  } catch (e) {
    throw new UnsupportedError(`wasm backend: could not instantiate the ${relaxed ? 'relaxed-SIMD' : 'SIMD'} module: ${(e as Error).message}`);
  }
  const ex = instance.exports as unknown as WasmExports;
  if (ex.heapBase() > CONTROL_BYTE) {
    throw new UnsupportedError(`wasm backend: module static data (${ex.heapBase()} B) exceeds the reserved ${CONTROL_BYTE} B`);
  }
  // The helper thread instantiates the same module on the same memory (its data segments rewrite
  // only the identical static data below heapBase); its control words sit between that data and the
  // allocator's first block.
  const threads = threadCount === 2 && heap.shared ? await startWasmThreads(module, heap.memory, CONTROL_BYTE, instance.exports) : null;
  return { kernels: makeWasmKernels(ex, heap, name, threads, minWork), heap, relaxedSimd: relaxed, threads };
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
    threads: backend?.threads?.running ? 2 : 1,
    threadStats: backend?.threads ? backend.threads.stats() : null,
  };
}
