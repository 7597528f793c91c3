/**
 * tensor/kernels/wasm/kernels — the `Kernels` object of the wasm backend: the typed-array boundary
 * in front of the AssemblyScript exports.
 *
 * Each kernel works out a byte pointer for every array it touches. An array from this backend's
 * `allocate` already lives in the wasm memory and is used in place (`byteOffset`); any other
 * Float32Array is copied into the scratch block first (and results copied back). Every float32
 * kernel that rounds (matmul, dense, unary, sums, axpy, softmax) runs in wasm wherever its arrays
 * live, copying foreign ones; the exact ones (binary +−×÷ — float64 arithmetic rounded once to
 * float32 equals float32 arithmetic —, max, gather, argmax) use the js backend for foreign arrays,
 * so gathering a batch from a big data set never copies the whole set. The wasm rounding kernels
 * (vector exp, SIMD sums) differ from the js backend's in the last bits, so sending foreign arrays to js
 * would make results depend on where a tensor happened to be allocated — a model resumed from a
 * checkpoint (ordinary arrays) or trained past a full arena would drift from the uninterrupted run
 * and the same seed would no longer give a bit-identical model. Float64Array inputs (the exact explain tools) always go to the js
 * backend, as does any call whose arrays are shorter than the sizes say (so a bad call can never
 * write outside its arrays) or that cannot get scratch memory.
 */
import { jsKernels } from '../js.js';
import type { FloatArray, Kernels } from '../types.js';
import { ACTIVATION_CODE, BINARY_CODE, UNARY_CODE } from './codes.js';
import type { WasmHeap } from './heap.js';
import {
  floatBits, OP_ADAM, OP_BACKWARD_ROWS, OP_FORWARD_OWN_UNITS, OP_FORWARD_ROWS, OP_GATHER, OP_MOMENTUM, OP_SGD_UNITS, type WasmThreads,
} from './threads.js';

/** The functions the AssemblyScript module exports (pointers are byte addresses). */
export interface WasmExports {
  heapBase(): number;
  matmulScratchBytes(m: number, n: number, k: number, transA: number, transB: number): number;
  matmul(a: number, b: number, c: number, m: number, n: number, k: number, transA: number, transB: number, accumulate: number, scratch: number): void;
  denseScratchBytes(batch: number, nIn: number, nOut: number): number;
  denseForward(x: number, W: number, b: number, z: number, a: number, batch: number, nIn: number, nOut: number, act: number, scratch: number): void;
  denseBackward(
    x: number, W: number, z: number, a: number, dA: number, delta: number, dW: number, db: number, dX: number,
    hasDX: number, batch: number, nIn: number, nOut: number, act: number, accumulate: number, scratch: number,
  ): void;
  denseForwardPrepare(x: number, batch: number, nIn: number, nOut: number, scratch: number): number;
  forwardRowsSplit(batch: number, nOut: number): number;
  denseForwardRows(
    x: number, W: number, b: number, z: number, a: number,
    batch: number, nIn: number, nOut: number, act: number, scratch: number, sparse: number, s0: number, s1: number,
  ): void;
  denseBackwardPrepare(
    x: number, z: number, a: number, dA: number, delta: number, db: number,
    batch: number, nIn: number, nOut: number, act: number, accumulate: number,
  ): number;
  denseBackwardRows(
    x: number, W: number, delta: number, dW: number, dX: number, hasDX: number, batch: number, nIn: number, nOut: number,
    accumulate: number, scratch: number, sparse: number, j0: number, j1: number, s0: number, s1: number,
  ): void;
  denseForwardOwnUnits(
    x: number, W: number, b: number, z: number, a: number, batch: number, nIn: number, nOut: number, act: number, scratch: number, j0: number, j1: number,
  ): void;
  denseSgdPrepare(
    x: number, W: number, z: number, a: number, dA: number, delta: number, b: number, dX: number,
    hasDX: number, batch: number, nIn: number, nOut: number, act: number, eta: number, scratch: number,
  ): number;
  denseSgdUnits(
    x: number, W: number, batch: number, nIn: number, nOut: number, decay: number, scratch: number, gemmScratch: number,
    sparse: number, j0: number, j1: number,
  ): void;
  activate(act: number, z: number, a: number, n: number): void;
  denseSgdScratchBytes(batch: number, nIn: number, nOut: number): number;
  denseBackwardSgd(
    x: number, W: number, z: number, a: number, dA: number, delta: number, b: number, dX: number,
    hasDX: number, batch: number, nIn: number, nOut: number, act: number, eta: number, decay: number, scratch: number,
  ): void;
  unary(op: number, x: number, out: number, n: number): void;
  binary(op: number, a: number, b: number, out: number, rank: number, dims: number, index: number): void;
  sumAxis(x: number, out: number, outer: number, mid: number, inner: number): void;
  maxAxis(x: number, out: number, outer: number, mid: number, inner: number): void;
  gatherRows(src: number, rowLength: number, indices: number, count: number, out: number): void;
  axpy(alpha: number, x: number, y: number, n: number): void;
  momentumStep(theta: number, v: number, g: number, n: number, muMinus1: number, minusEta: number, l2: number, i0: number, i1: number): void;
  adamStep(
    theta: number, m: number, v: number, g: number, n: number,
    beta1: number, beta2: number, c1: number, c2: number, stepSize: number, epsilon: number, i0: number, i1: number,
  ): void;
  softmaxRows(x: number, out: number, rows: number, cols: number): void;
  logSoftmaxRows(x: number, out: number, rows: number, cols: number): void;
  argmaxRows(x: number, out: number, rows: number, cols: number): void;
}

const IN = 1;
const OUT = 2;
const INOUT = 3;
/** A frame slot whose array is in the heap: used in place, never copied. */
const DIRECT = 4;

/** Room for one kernel call's arrays: which are in wasm memory, which need copying. Reused. */
class Frame {
  readonly #heap: WasmHeap;
  readonly #arrays: (Float32Array | Int32Array)[] = [];
  readonly #counts: number[] = [];
  readonly #modes: number[] = [];
  readonly #ptrs: number[] = [];
  #len = 0;
  #ok = true;
  /** Whether any registered array is foreign (copied in by `bind`; else `finish` has nothing to copy back). */
  #anyForeign = false;
  /** Start of the kernel's own scratch after `bind`. */
  scratch = 0;

  constructor(heap: WasmHeap) {
    this.#heap = heap;
  }

  reset(): this {
    for (let i = 0; i < this.#len; i++) this.#arrays[i] = EMPTY;
    this.#len = 0;
    this.#ok = true;
    this.#anyForeign = false;
    return this;
  }

  /**
   * Register an array the kernel uses `count` elements of. An array in the heap gets its pointer
   * at once (the training step's case: nothing to copy); a foreign one registered twice shares a
   * slot, so it is copied in and out once.
   */
  add(array: Float32Array | Int32Array, count: number, mode: number): number {
    if (array.length < count) this.#ok = false;
    const i = this.#len;
    const ptr = this.#heap.pointerOf(array);
    if (ptr >= 0) {
      this.#len++;
      this.#arrays[i] = array;
      this.#counts[i] = count;
      this.#modes[i] = DIRECT;
      this.#ptrs[i] = ptr;
      return i;
    }
    for (let j = 0; j < i; j++) {
      if (this.#arrays[j] === array) {
        this.#modes[j] |= mode;
        this.#counts[j] = Math.max(this.#counts[j], count);
        return j;
      }
    }
    this.#len++;
    this.#arrays[i] = array;
    this.#counts[i] = count;
    this.#modes[i] = mode;
    this.#ptrs[i] = -1;
    this.#anyForeign = true;
    return i;
  }

  /**
   * Give every array a pointer and find `kernelBytes` of scratch. Foreign float arrays are copied
   * in (when read) only if `copy`; otherwise, or when memory is short, returns false.
   */
  bind(kernelBytes: number, copy: boolean): boolean {
    if (!this.#ok) return false;
    const heap = this.#heap;
    let foreign = 0;
    if (this.#anyForeign) {
      for (let i = 0; i < this.#len; i++) {
        if (this.#modes[i] === DIRECT) continue;
        if (!copy && this.#arrays[i] instanceof Float32Array) return false;
        foreign += (this.#counts[i] * 4 + 15) & ~15;
      }
    }
    const base = heap.scratch(foreign + kernelBytes + 16);
    if (base < 0) return false;
    let off = (base + 15) & ~15;
    if (foreign > 0) {
      const f32 = heap.f32;
      const i32 = heap.i32;
      for (let i = 0; i < this.#len; i++) {
        if (this.#modes[i] === DIRECT) continue;
        const a = this.#arrays[i];
        const n = this.#counts[i];
        this.#ptrs[i] = off;
        if (this.#modes[i] & IN && n > 0) {
          if (a instanceof Float32Array) f32.set(n === a.length ? a : a.subarray(0, n), off >> 2);
          else i32.set(n === a.length ? a : a.subarray(0, n), off >> 2);
        }
        off += (n * 4 + 15) & ~15;
      }
    }
    this.scratch = off;
    return true;
  }

  /** The byte pointer of the array registered as slot i. */
  ptr(i: number): number {
    return this.#ptrs[i];
  }

  /** Copy results back into foreign arrays. */
  finish(): void {
    if (!this.#anyForeign) {
      this.reset();
      return;
    }
    const heap = this.#heap;
    for (let i = 0; i < this.#len; i++) {
      const a = this.#arrays[i];
      const n = this.#counts[i];
      if (!(this.#modes[i] & OUT) || n === 0) continue; // (DIRECT has no OUT bit)
      const p = this.#ptrs[i] >> 2;
      if (a instanceof Float32Array) a.set(heap.f32.subarray(p, p + n));
      else a.set(heap.i32.subarray(p, p + n));
    }
    this.reset();
  }
}

const EMPTY = new Float32Array(0);

function f32s(...arrays: (FloatArray | null)[]): boolean {
  for (const a of arrays) if (a !== null && !(a instanceof Float32Array)) return false;
  return true;
}

/** Collapse a broadcast iteration into runs: [length, aStride, bStride] per axis, merged where contiguous. */
function collapse(aStrides: readonly number[], bStrides: readonly number[], outShape: readonly number[]): number[][] {
  const dims: number[][] = [];
  for (let d = 0; d < outShape.length; d++) {
    const len = outShape[d];
    if (len === 1) continue;
    const sa = aStrides[d], sb = bStrides[d];
    const last = dims[dims.length - 1];
    if (last && last[1] === sa * len && last[2] === sb * len) {
      last[0] *= len;
      last[1] = sa;
      last[2] = sb;
    } else {
      dims.push([len, sa, sb]);
    }
  }
  if (dims.length === 0) dims.push([1, 0, 0]);
  return dims;
}

/** n/2 rounded up to a multiple of `step`: where two threads split n rows. */
function splitPoint(n: number, step: number): number {
  return Math.ceil(n / 2 / step) * step;
}

/**
 * The wasm backend's kernels over an instantiated module and its heap.
 * @param name backend name to report (normally 'wasm')
 * @param threads the helper thread for the big dense kernels (null: single-threaded)
 * @param threadMinWork smallest batch × nIn × nOut split over the two threads
 */
export function makeWasmKernels(
  ex: WasmExports, heap: WasmHeap, name = 'wasm', threads: WasmThreads | null = null, threadMinWork = Infinity,
): Kernels {
  const frame = new Frame(heap);
  const js = jsKernels;
  // The frame slots of the last bindInOut (the same array as input and output shares one slot).
  let inSlot = 0;
  let outSlot = 0;
  /**
   * Bind a one-input (nx floats), one-output (nOut elements) kernel's arrays, copying foreign
   * float inputs in only when `copy`; false (frame reset) when it cannot run in wasm. The kernel
   * then reads frame.ptr(inSlot), writes frame.ptr(outSlot), and calls frame.finish().
   */
  const bindInOut = (x: FloatArray, nx: number, out: FloatArray | Int32Array, nOut: number, copy: boolean): boolean => {
    const f = frame.reset();
    inSlot = f.add(x as Float32Array, nx, IN);
    outSlot = f.add(out as Float32Array | Int32Array, nOut, OUT);
    if (f.bind(0, copy)) return true;
    f.reset();
    return false;
  };

  /**
   * Where momentumStep and adamStep split θ [n / rowLength, rowLength] between the two threads (the
   * worker takes elements [at, n)), or 0 for one thread: by rows at a multiple of 8, exactly where
   * the dense kernels of a layer of that shape run on `batch` samples split its units, so each
   * thread updates the rows whose ∂C/∂W it computed; at a multiple of 4 elements, so every element
   * takes the SIMD or scalar form it takes in one call.
   */
  const updateSplit = (n: number, rowLength: number, batch: number): number => {
    if (threads === null || batch * n < threadMinWork) return 0;
    const rows = rowLength > 0 ? Math.floor(n / rowLength) : 0;
    const at = rows > 0 && rows * rowLength === n ? splitPoint(rows, 8) * rowLength : 0;
    return at > 0 && at < n && at % 4 === 0 ? at : 0;
  };

  /**
   * The row indices of a background gather, in the heap (the worker reads them while other kernels
   * reuse the frame's copy area): a float block viewed as int32, grown when a gather needs more.
   */
  let backgroundIndices: { block: Float32Array; view: Int32Array } | null = null;
  const joinBackground = (): void => threads!.join();

  return {
    name,

    allocate(dtype, n) {
      return dtype === 'float64' ? new Float64Array(n) : heap.allocate(n);
    },

    release(array) {
      if (array instanceof Float32Array) heap.release(array);
    },

    allocateDataset(n) {
      return heap.allocateUncapped(n);
    },

    matmul(a, b, c, m, n, k, transA, transB, accumulate) {
      if (!f32s(a, b, c)) return js.matmul(a, b, c, m, n, k, transA, transB, accumulate);
      if (m === 0 || n === 0) return;
      const f = frame.reset();
      const ia = f.add(a as Float32Array, m * k, IN);
      const ib = f.add(b as Float32Array, k * n, IN);
      const ic = f.add(c as Float32Array, m * n, accumulate ? INOUT : OUT);
      if (!f.bind(ex.matmulScratchBytes(m, n, k, +transA, +transB), true)) {
        f.reset();
        return js.matmul(a, b, c, m, n, k, transA, transB, accumulate);
      }
      ex.matmul(f.ptr(ia), f.ptr(ib), f.ptr(ic), m, n, k, +transA, +transB, +accumulate, f.scratch);
      f.finish();
    },

    denseForward(x, W, b, z, a, batch, nIn, nOut, act) {
      if (!f32s(x, W, b, z, a)) return js.denseForward(x, W, b, z, a, batch, nIn, nOut, act);
      if (batch === 0 || nOut === 0) return;
      const f = frame.reset();
      const ix = f.add(x as Float32Array, batch * nIn, IN);
      const iw = f.add(W as Float32Array, nOut * nIn, IN);
      const ib = f.add(b as Float32Array, nOut, IN);
      const iz = f.add(z as Float32Array, batch * nOut, OUT);
      const ia = f.add(a as Float32Array, batch * nOut, OUT);
      const split = threads !== null && batch * nIn * nOut >= threadMinWork;
      const kernelBytes = (ex.denseScratchBytes(batch, nIn, nOut) + 15) & ~15;
      // With two threads the worker gets scratch of its own after this thread's (the element-sparse
      // path writes its Wᵀ and lists there; the pairs' lists stay in the first, which both read).
      if (!f.bind(split ? 2 * kernelBytes : kernelBytes, true)) {
        f.reset();
        return js.denseForward(x, W, b, z, a, batch, nIn, nOut, act);
      }
      const code = ACTIVATION_CODE[act];
      const px = f.ptr(ix), pw = f.ptr(iw), pb = f.ptr(ib), pz = f.ptr(iz), pa = f.ptr(ia);
      try {
        if (split) {
          // Two threads split the output units at a multiple of 8, the worker taking [jHalf, nOut):
          // each reads only its own rows of W, which the update (split the same way) leaves in its
          // cache, and lists the batch's non-zero blocks into its own scratch (denseForwardOwnUnits).
          // With few units, or a batch so large that x outweighs W (evaluation's chunks of 1000: a
          // units split read all of x on both cores, 107 against 70 ms one thread, on
          // [784,100,10]), the batch rows instead, at the slot the module names (its pairing order
          // keeps each side's rows apart): then each thread reads half of x.
          const jHalf = splitPoint(nOut, 8);
          const half = ex.forwardRowsSplit(batch, nOut);
          const byUnits = half >= batch && jHalf < nOut;
          if (byUnits && threads.start(OP_FORWARD_OWN_UNITS, [px, pw, pb, pz, pa, batch, nIn, nOut, code, f.scratch + kernelBytes, jHalf, nOut])) {
            ex.denseForwardOwnUnits(px, pw, pb, pz, pa, batch, nIn, nOut, code, f.scratch, 0, jHalf);
            threads.join();
            return;
          }
          const sparse = ex.denseForwardPrepare(px, batch, nIn, nOut, f.scratch);
          const workerScratch = sparse === 2 ? f.scratch + kernelBytes : f.scratch;
          // (A worker that declined the units split is not asked again for the rows split.)
          if (!byUnits && half < batch && threads.start(OP_FORWARD_ROWS, [px, pw, pb, pz, pa, batch, nIn, nOut, code, workerScratch, sparse, half, batch])) {
            ex.denseForwardRows(px, pw, pb, pz, pa, batch, nIn, nOut, code, f.scratch, sparse, 0, half);
            threads.join();
            return;
          }
          ex.denseForwardRows(px, pw, pb, pz, pa, batch, nIn, nOut, code, f.scratch, sparse, 0, batch);
          return;
        }
        ex.denseForward(px, pw, pb, pz, pa, batch, nIn, nOut, code, f.scratch);
      } finally {
        f.finish();
      }
    },

    denseBackward(x, W, z, a, dA, delta, dW, db, dX, batch, nIn, nOut, act, accumulate) {
      if (!f32s(x, W, z, a, dA, delta, dW, db, dX)) {
        return js.denseBackward(x, W, z, a, dA, delta, dW, db, dX, batch, nIn, nOut, act, accumulate);
      }
      const f = frame.reset();
      const bo = batch * nOut;
      const ix = f.add(x as Float32Array, batch * nIn, IN);
      const iw = f.add(W as Float32Array, dX ? nOut * nIn : 0, IN);
      const iz = f.add(z as Float32Array, act === 'relu' ? bo : 0, IN);
      const ia = f.add(a as Float32Array, act === 'sigmoid' || act === 'tanh' ? bo : 0, IN);
      const idA = f.add(dA as Float32Array, bo, IN);
      const idelta = f.add(delta as Float32Array, bo, OUT);
      const idW = f.add(dW as Float32Array, nOut * nIn, accumulate ? INOUT : OUT);
      const idb = f.add(db as Float32Array, nOut, accumulate ? INOUT : OUT);
      const idX = dX ? f.add(dX as Float32Array, batch * nIn, OUT) : -1;
      const kernelBytes = (ex.denseScratchBytes(batch, nIn, nOut) + 15) & ~15;
      const split = threads !== null && batch * nIn * nOut >= threadMinWork && nOut > 8;
      // With two threads each needs its own GEMM scratch: this thread's first, the worker's after.
      if (!f.bind(split ? 2 * kernelBytes : kernelBytes, true)) {
        f.reset();
        return js.denseBackward(x, W, z, a, dA, delta, dW, db, dX, batch, nIn, nOut, act, accumulate);
      }
      if (split) {
        // delta, db and the sparsity test here; then dW split by output rows j (at a multiple of 8)
        // and dX by batch rows s (at a multiple of 16), the worker taking the upper halves.
        const sparse = ex.denseBackwardPrepare(
          f.ptr(ix), f.ptr(iz), f.ptr(ia), f.ptr(idA), f.ptr(idelta), f.ptr(idb), batch, nIn, nOut, ACTIVATION_CODE[act], +accumulate,
        );
        const jHalf = splitPoint(nOut, 8);
        const sHalf = idX >= 0 ? Math.min(batch, splitPoint(batch, 16)) : 0;
        const pdX = idX >= 0 ? f.ptr(idX) : 0;
        const hasDX = idX >= 0 ? 1 : 0;
        const common = [f.ptr(ix), f.ptr(iw), f.ptr(idelta), f.ptr(idW), pdX, hasDX, batch, nIn, nOut, +accumulate];
        if (threads.start(OP_BACKWARD_ROWS, [...common, f.scratch + kernelBytes, sparse, jHalf, nOut, sHalf, batch])) {
          ex.denseBackwardRows(f.ptr(ix), f.ptr(iw), f.ptr(idelta), f.ptr(idW), pdX, hasDX, batch, nIn, nOut, +accumulate, f.scratch, sparse, 0, jHalf, 0, sHalf);
          try {
            threads.join();
          } finally {
            f.finish();
          }
          return;
        }
        ex.denseBackwardRows(f.ptr(ix), f.ptr(iw), f.ptr(idelta), f.ptr(idW), pdX, hasDX, batch, nIn, nOut, +accumulate, f.scratch, sparse, 0, nOut, 0, batch);
        f.finish();
        return;
      }
      ex.denseBackward(
        f.ptr(ix), f.ptr(iw), f.ptr(iz), f.ptr(ia), f.ptr(idA), f.ptr(idelta), f.ptr(idW), f.ptr(idb),
        idX >= 0 ? f.ptr(idX) : 0, idX >= 0 ? 1 : 0, batch, nIn, nOut, ACTIVATION_CODE[act], +accumulate, f.scratch,
      );
      f.finish();
    },

    denseBackwardSgd(x, W, z, a, dA, delta, b, dX, batch, nIn, nOut, act, eta, decay) {
      if (!f32s(x, W, z, a, dA, delta, b, dX)) {
        return js.denseBackwardSgd!(x, W, z, a, dA, delta, b, dX, batch, nIn, nOut, act, eta, decay);
      }
      const f = frame.reset();
      const bo = batch * nOut;
      const ix = f.add(x as Float32Array, batch * nIn, IN);
      const iw = f.add(W as Float32Array, nOut * nIn, INOUT);
      const iz = f.add(z as Float32Array, act === 'relu' ? bo : 0, IN);
      const ia = f.add(a as Float32Array, act === 'sigmoid' || act === 'tanh' ? bo : 0, IN);
      const idA = f.add(dA as Float32Array, bo, IN);
      const idelta = f.add(delta as Float32Array, bo, OUT);
      const ib = f.add(b as Float32Array, nOut, INOUT);
      const idX = dX ? f.add(dX as Float32Array, batch * nIn, OUT) : -1;
      const kernelBytes = (ex.denseSgdScratchBytes(batch, nIn, nOut) + 15) & ~15;
      const split = threads !== null && batch * nIn * nOut >= threadMinWork && nOut >= 16;
      // With two threads the worker needs its own GEMM scratch, after this thread's whole block.
      if (!f.bind(split ? 2 * kernelBytes : kernelBytes, true)) {
        f.reset();
        return js.denseBackwardSgd!(x, W, z, a, dA, delta, b, dX, batch, nIn, nOut, act, eta, decay);
      }
      const px = f.ptr(ix), pw = f.ptr(iw);
      try {
        if (!split) {
          ex.denseBackwardSgd(
            px, pw, f.ptr(iz), f.ptr(ia), f.ptr(idA), f.ptr(idelta), f.ptr(ib),
            idX >= 0 ? f.ptr(idX) : 0, idX >= 0 ? 1 : 0, batch, nIn, nOut, ACTIVATION_CODE[act], eta, decay, f.scratch,
          );
          return;
        }
        // delta, x̄ with the old W, −η·delta and b here; then the W update split by output units at a
        // multiple of 8, the worker taking [jHalf, nOut).
        const sparse = ex.denseSgdPrepare(
          px, pw, f.ptr(iz), f.ptr(ia), f.ptr(idA), f.ptr(idelta), f.ptr(ib),
          idX >= 0 ? f.ptr(idX) : 0, idX >= 0 ? 1 : 0, batch, nIn, nOut, ACTIVATION_CODE[act], eta, f.scratch,
        );
        const gemm = f.scratch + ((batch * nOut * 4 + 15) & ~15);
        const jHalf = splitPoint(nOut, 8);
        if (threads.start(OP_SGD_UNITS, [px, pw, batch, nIn, nOut, floatBits(decay), f.scratch, f.scratch + kernelBytes, sparse, jHalf, nOut])) {
          ex.denseSgdUnits(px, pw, batch, nIn, nOut, decay, f.scratch, gemm, sparse, 0, jHalf);
          threads.join();
        } else {
          ex.denseSgdUnits(px, pw, batch, nIn, nOut, decay, f.scratch, gemm, sparse, 0, nOut);
        }
      } finally {
        f.finish();
      }
    },

    unary(op, x, out, n) {
      if (n > 0 && f32s(x, out) && bindInOut(x, n, out, n, true)) {
        ex.unary(UNARY_CODE[op], frame.ptr(inSlot), frame.ptr(outSlot), n);
        frame.finish();
        return;
      }
      js.unary(op, x, out, n);
    },

    binary(op, a, aStrides, b, bStrides, out, outShape) {
      let total = 1;
      for (const d of outShape) total *= d;
      if (total > 0 && f32s(a, b, out)) {
        const dims = collapse(aStrides, bStrides, outShape);
        let extA = 1, extB = 1;
        for (const [len, sa, sb] of dims) {
          extA += (len - 1) * sa;
          extB += (len - 1) * sb;
        }
        const f = frame.reset();
        const ia = f.add(a as Float32Array, extA, IN);
        const ib = f.add(b as Float32Array, extB, IN);
        const io = f.add(out as Float32Array, total, OUT);
        const rank = dims.length;
        if (dims.every((d) => d[1] >= 0 && d[2] >= 0) && f.bind(rank * 16, false)) {
          const dimsPtr = f.scratch;
          const i32 = heap.i32;
          for (let d = 0; d < rank; d++) {
            i32[(dimsPtr >> 2) + 3 * d] = dims[d][0];
            i32[(dimsPtr >> 2) + 3 * d + 1] = dims[d][1];
            i32[(dimsPtr >> 2) + 3 * d + 2] = dims[d][2];
          }
          ex.binary(BINARY_CODE[op], f.ptr(ia), f.ptr(ib), f.ptr(io), rank, dimsPtr, dimsPtr + rank * 12);
          f.finish();
          return;
        }
        f.reset();
      }
      js.binary(op, a, aStrides, b, bStrides, out, outShape);
    },

    sumAxis(x, out, outer, mid, inner) {
      if (outer * inner > 0 && f32s(x, out) && bindInOut(x, outer * mid * inner, out, outer * inner, true)) {
        ex.sumAxis(frame.ptr(inSlot), frame.ptr(outSlot), outer, mid, inner);
        frame.finish();
        return;
      }
      js.sumAxis(x, out, outer, mid, inner);
    },

    maxAxis(x, out, outer, mid, inner) {
      if (outer * inner > 0 && f32s(x, out) && bindInOut(x, outer * mid * inner, out, outer * inner, false)) {
        ex.maxAxis(frame.ptr(inSlot), frame.ptr(outSlot), outer, mid, inner);
        frame.finish();
        return;
      }
      js.maxAxis(x, out, outer, mid, inner);
    },

    gatherRows(src, rowLength, indices, out) {
      const count = indices.length;
      if (count > 0 && rowLength > 0 && f32s(src, out)) {
        const rows = Math.floor(src.length / rowLength);
        let valid = true;
        for (let r = 0; r < count; r++) {
          const i = indices[r];
          if (!(i >= 0 && i < rows)) {
            valid = false;
            break;
          }
        }
        if (valid) {
          const f = frame.reset();
          const is = f.add(src as Float32Array, rows * rowLength, IN);
          const ii = f.add(indices, count, IN);
          const io = f.add(out as Float32Array, count * rowLength, OUT);
          if (f.bind(0, false)) {
            ex.gatherRows(f.ptr(is), rowLength, f.ptr(ii), count, f.ptr(io));
            f.finish();
            return;
          }
          f.reset();
        }
      }
      js.gatherRows(src, rowLength, indices, out);
    },

    gatherRowsInBackground(src, rowLength, indices, out, work) {
      const count = indices.length;
      if (threads === null || work.alongside >= threadMinWork || work.largest < threadMinWork || count === 0 || rowLength <= 0) return null;
      const pSrc = src instanceof Float32Array ? heap.pointerOf(src) : -1;
      const pOut = out instanceof Float32Array ? heap.pointerOf(out) : -1;
      if (pSrc < 0 || pOut < 0) return null;
      if (out.length < count * rowLength) return null;
      const rows = Math.floor(src.length / rowLength);
      for (let r = 0; r < count; r++) {
        const i = indices[r];
        if (!(i >= 0 && i < rows)) return null; // gatherRows itself reports it
      }
      if (backgroundIndices === null || backgroundIndices.view.length < count) {
        if (backgroundIndices) heap.release(backgroundIndices.block);
        backgroundIndices = null;
        const block = heap.allocate(count);
        if (!heap.owns(block)) return null; // the arena is full: an ordinary array, which the worker cannot read
        backgroundIndices = { block, view: new Int32Array(block.buffer, block.byteOffset, count) };
      }
      const { view } = backgroundIndices;
      view.set(indices);
      if (!threads.start(OP_GATHER, [pSrc, rowLength, heap.pointerOf(view), count, pOut])) return null;
      return joinBackground;
    },

    axpy(alpha, x, y, n) {
      if (n > 0 && f32s(x, y)) {
        const f = frame.reset();
        const ix = f.add(x as Float32Array, n, IN);
        const iy = f.add(y as Float32Array, n, INOUT);
        if (f.bind(0, true)) {
          ex.axpy(alpha, f.ptr(ix), f.ptr(iy), n);
          f.finish();
          return;
        }
        f.reset();
      }
      js.axpy(alpha, x, y, n);
    },

    momentumStep(theta, v, g, n, mu, eta, l2, rowLength, batch = 16) {
      if (n > 0 && f32s(theta, v, g) && theta !== v && theta !== g && v !== g) {
        const f = frame.reset();
        const it = f.add(theta as Float32Array, n, INOUT);
        const iv = f.add(v as Float32Array, n, INOUT);
        const ig = f.add(g as Float32Array, n, l2 !== 0 ? INOUT : IN);
        if (f.bind(0, true)) {
          const pt = f.ptr(it), pv = f.ptr(iv), pg = f.ptr(ig);
          const muMinus1 = mu - 1, minusEta = -eta; // in double, then float32: as the axpy alphas
          try {
            const at = updateSplit(n, rowLength, batch);
            if (at > 0 && threads !== null && threads.start(OP_MOMENTUM, [pt, pv, pg, n, floatBits(muMinus1), floatBits(minusEta), floatBits(l2), at, n])) {
              ex.momentumStep(pt, pv, pg, n, muMinus1, minusEta, l2, 0, at);
              threads.join();
            } else {
              ex.momentumStep(pt, pv, pg, n, muMinus1, minusEta, l2, 0, n);
            }
          } finally {
            f.finish();
          }
          return;
        }
        f.reset();
      }
      // The axpy calls momentumStep equals.
      if (l2 !== 0) this.axpy(l2, theta, g, n);
      this.axpy(mu - 1, v, v, n);
      this.axpy(-eta, g, v, n);
      this.axpy(1, v, theta, n);
    },

    adamStep(theta, m, v, g, n, beta1, beta2, stepSize, epsilon, rowLength, batch = 16) {
      const distinct = theta !== m && theta !== v && theta !== g && m !== v && m !== g && v !== g;
      if (n > 0 && f32s(theta, m, v, g) && distinct) {
        const f = frame.reset();
        const it = f.add(theta as Float32Array, n, INOUT);
        const im = f.add(m as Float32Array, n, INOUT);
        const iv = f.add(v as Float32Array, n, INOUT);
        const ig = f.add(g as Float32Array, n, IN);
        if (f.bind(0, true)) {
          const pt = f.ptr(it), pm = f.ptr(im), pv = f.ptr(iv), pg = f.ptr(ig);
          // The constants as float32, the same roundings as the reference kernel's.
          const c1 = 1 - beta1, c2 = 1 - beta2;
          try {
            const at = updateSplit(n, rowLength, batch);
            if (at > 0 && threads !== null && threads.start(OP_ADAM, [
                pt, pm, pv, pg, n, floatBits(beta1), floatBits(beta2), floatBits(c1), floatBits(c2), floatBits(stepSize), floatBits(epsilon), at, n,
              ])) {
              ex.adamStep(pt, pm, pv, pg, n, beta1, beta2, c1, c2, stepSize, epsilon, 0, at);
              threads.join();
            } else {
              ex.adamStep(pt, pm, pv, pg, n, beta1, beta2, c1, c2, stepSize, epsilon, 0, n);
            }
          } finally {
            f.finish();
          }
          return;
        }
        f.reset();
      }
      js.adamStep(theta, m, v, g, n, beta1, beta2, stepSize, epsilon, rowLength);
    },

    softmaxRows(x, out, rows, cols) {
      if (rows * cols > 0 && f32s(x, out) && bindInOut(x, rows * cols, out, rows * cols, true)) {
        ex.softmaxRows(frame.ptr(inSlot), frame.ptr(outSlot), rows, cols);
        frame.finish();
        return;
      }
      js.softmaxRows(x, out, rows, cols);
    },

    logSoftmaxRows(x, out, rows, cols) {
      if (rows * cols > 0 && f32s(x, out) && bindInOut(x, rows * cols, out, rows * cols, true)) {
        ex.logSoftmaxRows(frame.ptr(inSlot), frame.ptr(outSlot), rows, cols);
        frame.finish();
        return;
      }
      js.logSoftmaxRows(x, out, rows, cols);
    },

    argmaxRows(x, out, rows, cols) {
      if (rows > 0 && cols > 0 && f32s(x) && bindInOut(x, rows * cols, out, rows, false)) {
        ex.argmaxRows(frame.ptr(inSlot), frame.ptr(outSlot), rows, cols);
        frame.finish();
        return;
      }
      js.argmaxRows(x, out, rows, cols);
    },
  };
}
