/**
 * tensor/kernels/wasm/heap — the linear memory the wasm kernels work in, and the allocator that hands
 * out Float32Array views into it so tensors can live there and kernels use them without copying.
 *
 * The memory is a WebAssembly.Memory, shared (SharedArrayBuffer-backed) wherever the runtime allows
 * it: Node always, browsers when cross-origin isolated. A shared memory grows without detaching the
 * views already handed out (each grow yields a new SharedArrayBuffer object over the same bytes, so
 * `owns()` remembers every buffer object it has seen), and it is what worker threads will need to
 * run kernels on the same data later. Where only an unshared memory is possible it is created at a
 * fixed size and never grown, because growing would detach every view; when it is full, `allocate`
 * falls back to ordinary arrays (which the kernels copy in) and that stays correct.
 *
 * Blocks are 64-byte aligned and sized in 64-byte steps. Freed blocks go to exact-size free lists
 * (training repeats the same shapes every step, so reuse is O(1)); when the arena is full the free
 * lists are coalesced and searched best-fit before giving up. A block is freed when its view is
 * garbage-collected (FinalizationRegistry) or released explicitly (`release`). The garbage collector
 * does not see the arena's bytes (a view is a small object), so it runs no sooner for them, and
 * finalizers run only between event-loop tasks: a training loop that does not release its
 * temporaries fills the arena up to its cap (measured: Nielsen's [784, 30, 10] at batch 10 leaves
 * ~130 KiB per mini-batch), after which new tensors get ordinary arrays, which the kernels copy
 * (~1.5× slower steps), until the next collection frees the arena again. Correct throughout;
 * releasing intermediates explicitly (Kernels.release) avoids the detour.
 *
 * Hazard: a block is recycled once the Float32Array object `allocate` returned is unreachable.
 * Another typed array over the same bytes (`view.subarray(…)`, `new Float32Array(view.buffer, …)`)
 * does not keep the block alive; never let such a view outlive the array it was taken from. (A
 * Tensor reshape shares the same array object, which is safe.)
 */

/** 64 KiB, the WebAssembly page. */
export const PAGE_BYTES = 65536;
const ALIGN = 64;

/** How the heap is created. */
export interface HeapOptions {
  /** Use a SharedArrayBuffer-backed memory when possible (default true). */
  shared?: boolean;
  /** Cap on tensor storage handed out by `allocate` (default 128 MiB). */
  maxArenaBytes?: number;
  /** Size of the fixed memory used when it cannot be shared (default 64 MiB). */
  unsharedBytes?: number;
  /** Largest single tensor put in the arena; bigger ones get ordinary arrays (default 32 MiB). */
  maxBlockBytes?: number;
}

/** Usage counters, for reports and tests. */
export interface HeapStats {
  /** Whether the memory is SharedArrayBuffer-backed. */
  shared: boolean;
  /** Current size of the linear memory in bytes. */
  memoryBytes: number;
  /** Bytes in live tensor blocks. */
  liveBytes: number;
  /** Bytes in live data-set blocks (allocateUncapped; not counted against the arena's cap). */
  uncappedBytes: number;
  /** Number of live tensor blocks. */
  liveBlocks: number;
  /** Bytes in free blocks waiting for reuse. */
  freeBytes: number;
  /** Bytes of the scratch block kernels use for copies and packing. */
  scratchBytes: number;
  /** Arrays handed out as ordinary arrays because the arena was full or they were too big. */
  fallbacks: number;
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** The memory and its allocator. One per wasm instance. */
export class WasmHeap {
  /** The linear memory the module imports. */
  readonly memory: WebAssembly.Memory;
  /** Whether `memory` is shared (growable without detaching views). */
  readonly shared: boolean;
  readonly #base: number;
  readonly #maxArena: number;
  readonly #maxBlock: number;
  readonly #buffers = new WeakSet<ArrayBufferLike>();
  /** pointerOf's memory: views into this memory and their byte offsets. */
  readonly #pointers = new WeakMap<ArrayBufferView, number>();
  #buffer: ArrayBufferLike;
  #f32: Float32Array;
  #i32: Int32Array;
  #top: number;
  #liveBytes = 0;
  /** Blocks from allocateUncapped: live, but not counted against the arena's cap. */
  readonly #uncapped = new Set<number>();
  #uncappedBytes = 0;
  #freeBytes = 0;
  #fallbacks = 0;
  readonly #live = new Map<number, number>();
  readonly #free = new Map<number, number[]>();
  readonly #views = new WeakMap<Float32Array, number>();
  readonly #registry: FinalizationRegistry<number>;
  #scratchPtr = -1;
  #scratchSize = 0;

  /**
   * @param base first byte the allocator may use (the module's heap base)
   * @param options sizes and sharing; see HeapOptions
   */
  constructor(base: number, options: HeapOptions = {}) {
    this.#base = roundUp(Math.max(base, ALIGN), ALIGN);
    this.#top = this.#base;
    this.#maxArena = options.maxArenaBytes ?? 128 * 2 ** 20;
    this.#maxBlock = options.maxBlockBytes ?? 32 * 2 ** 20;
    const initialPages = Math.ceil((this.#base + 16 * 2 ** 20) / PAGE_BYTES);
    let memory: WebAssembly.Memory | null = null;
    if (options.shared !== false && typeof SharedArrayBuffer !== 'undefined') {
      for (const maximum of [65536, 16384]) {
        try {
          memory = new WebAssembly.Memory({ initial: initialPages, maximum, shared: true });
          break;
        } catch {
          memory = null;
        }
      }
    }
    this.shared = memory !== null;
    if (!memory) {
      const pages = Math.max(initialPages, Math.ceil((options.unsharedBytes ?? 64 * 2 ** 20) / PAGE_BYTES));
      memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    }
    this.memory = memory;
    this.#buffer = memory.buffer;
    this.#buffers.add(this.#buffer);
    this.#f32 = new Float32Array(this.#buffer);
    this.#i32 = new Int32Array(this.#buffer);
    this.#registry = new FinalizationRegistry((ptr: number) => this.#release(ptr));
  }

  /** A Float32Array over the whole memory (refreshed after growth). */
  get f32(): Float32Array {
    if (this.memory.buffer !== this.#buffer) this.#refresh();
    return this.#f32;
  }

  /** An Int32Array over the whole memory (refreshed after growth). */
  get i32(): Int32Array {
    if (this.memory.buffer !== this.#buffer) this.#refresh();
    return this.#i32;
  }

  #refresh(): void {
    this.#buffer = this.memory.buffer;
    this.#buffers.add(this.#buffer);
    this.#f32 = new Float32Array(this.#buffer);
    this.#i32 = new Int32Array(this.#buffer);
  }

  /**
   * The byte offset of `array` in this memory when it is a view into it (so kernels can use it in
   * place), else −1. Remembered per array: reading a view's `buffer` and `byteOffset` costs
   * ~15–25 ns each in Node 20 (on a view with an offset), a WeakMap lookup ~6 ns, and a kernel call
   * asks about up to nine arrays (docs/performance.md, item 29).
   */
  pointerOf(array: ArrayBufferView): number {
    const known = this.#pointers.get(array);
    if (known !== undefined) return known;
    if (!this.owns(array)) return -1; // (foreign arrays are not remembered: often short-lived)
    const ptr = array.byteOffset;
    this.#pointers.set(array, ptr);
    return ptr;
  }

  /** Whether `array` is a view into this memory (so kernels can use its byteOffset directly). */
  owns(array: ArrayBufferView): boolean {
    const buffer = array.buffer;
    return buffer === this.#buffer || this.#buffers.has(buffer);
  }

  /**
   * A zeroed Float32Array of n elements in the arena, or an ordinary Float32Array when n is 0,
   * the block would be too big, or the arena is full.
   */
  allocate(n: number): Float32Array {
    const bytes = n * 4;
    if (!(n > 0) || !Number.isInteger(n) || bytes > this.#maxBlock) return this.#fallback(n, n > 0);
    return this.#block(n, true) ?? this.#fallback(n, true);
  }

  /**
   * A zeroed Float32Array of n elements in this memory outside the arena's caps (maxArenaBytes,
   * maxBlockBytes), for a data set the kernels gather from; null when the memory is not shared (a
   * fixed memory is kept for tensors) or cannot grow that far (past the 4 GiB maximum). Freed like
   * `allocate`'s arrays (`release`, or when the view is garbage-collected).
   */
  allocateUncapped(n: number): Float32Array | null {
    if (!this.shared || !(n > 0) || !Number.isInteger(n)) return null;
    return this.#block(n, false);
  }

  /**
   * A zeroed, registered view of n floats on a free or new block; null when none can be found
   * (or, `capped`, when a new block would take the arena past its cap). Capped blocks count in
   * liveBytes, the others in uncappedBytes.
   */
  #block(n: number, capped: boolean): Float32Array | null {
    const size = roundUp(n * 4, ALIGN);
    let ptr = this.#takeFree(size);
    const recycled = ptr >= 0;
    if (ptr < 0) {
      if (capped && this.#liveBytes + size > this.#maxArena) return null;
      ptr = this.#carve(size);
      if (ptr < 0) return null;
    }
    this.#live.set(ptr, size);
    if (capped) {
      this.#liveBytes += size;
    } else {
      this.#uncapped.add(ptr);
      this.#uncappedBytes += size;
    }
    const view = new Float32Array(this.f32.buffer, ptr, n);
    if (recycled) view.fill(0);
    this.#views.set(view, ptr);
    this.#registry.register(view, ptr, view);
    return view;
  }

  /** Give back an array from `allocate` now; it must not be used afterwards. Others are ignored. */
  release(array: Float32Array): void {
    const ptr = this.#views.get(array);
    if (ptr === undefined) return;
    this.#views.delete(array);
    this.#registry.unregister(array);
    this.#release(ptr);
  }

  /**
   * The scratch block, at least `bytes` long (16-byte aligned), for one kernel call's copies and
   * packing; valid until the next call of `scratch`. Returns −1 when memory cannot be found.
   */
  scratch(bytes: number): number {
    if (bytes <= this.#scratchSize) return this.#scratchPtr;
    const size = roundUp(Math.max(bytes, this.#scratchSize * 1.5, 256 * 1024), ALIGN);
    if (this.#scratchPtr >= 0) {
      this.#putFree(this.#scratchPtr, this.#scratchSize);
      this.#scratchPtr = -1;
      this.#scratchSize = 0;
    }
    let ptr = this.#takeFree(size);
    if (ptr < 0) ptr = this.#carve(size);
    if (ptr < 0) return -1;
    this.#scratchPtr = ptr;
    this.#scratchSize = size;
    return ptr;
  }

  /** Counters for reports and tests. */
  stats(): HeapStats {
    return {
      shared: this.shared,
      memoryBytes: this.memory.buffer.byteLength,
      liveBytes: this.#liveBytes,
      uncappedBytes: this.#uncappedBytes,
      liveBlocks: this.#live.size,
      freeBytes: this.#freeBytes,
      scratchBytes: this.#scratchSize,
      fallbacks: this.#fallbacks,
    };
  }

  #fallback(n: number, count: boolean): Float32Array {
    if (count) this.#fallbacks++;
    return new Float32Array(n);
  }

  #release(ptr: number): void {
    const size = this.#live.get(ptr);
    if (size === undefined) return;
    this.#live.delete(ptr);
    if (this.#uncapped.delete(ptr)) this.#uncappedBytes -= size;
    else this.#liveBytes -= size;
    this.#putFree(ptr, size);
  }

  #putFree(ptr: number, size: number): void {
    let list = this.#free.get(size);
    if (!list) this.#free.set(size, (list = []));
    list.push(ptr);
    this.#freeBytes += size;
  }

  /** A free block of exactly `size`, else (after coalescing, best fit) a larger one split; or −1. */
  #takeFree(size: number): number {
    const list = this.#free.get(size);
    if (list && list.length > 0) {
      this.#freeBytes -= size;
      return list.pop()!;
    }
    return -1;
  }

  /** New memory from the top of the heap (growing a shared memory), or from coalesced free blocks. */
  #carve(size: number): number {
    const capacity = this.memory.buffer.byteLength;
    if (this.#top + size <= capacity || (this.shared && this.#grow(this.#top + size))) {
      const ptr = this.#top;
      this.#top += size;
      return ptr;
    }
    this.#coalesce();
    if (this.#top + size <= this.memory.buffer.byteLength) {
      const ptr = this.#top;
      this.#top += size;
      return ptr;
    }
    return this.#bestFit(size);
  }

  #grow(needBytes: number): boolean {
    const have = this.memory.buffer.byteLength;
    const want = Math.max(needBytes, Math.min(have * 2, have + 256 * 2 ** 20));
    const pages = Math.ceil((want - have) / PAGE_BYTES);
    const minPages = Math.ceil((needBytes - have) / PAGE_BYTES);
    for (const p of [pages, minPages]) {
      try {
        this.memory.grow(p);
        this.#refresh();
        return true;
      } catch {
        // past the maximum or out of address space: try the minimum, then give up
      }
    }
    return false;
  }

  /** Merge adjacent free blocks, and give a free block touching the top back to the top. */
  #coalesce(): void {
    const blocks: [number, number][] = [];
    for (const [size, list] of this.#free) for (const ptr of list) blocks.push([ptr, size]);
    blocks.sort((a, b) => a[0] - b[0]);
    this.#free.clear();
    this.#freeBytes = 0;
    const merged: [number, number][] = [];
    for (const b of blocks) {
      const last = merged[merged.length - 1];
      if (last && last[0] + last[1] === b[0]) last[1] += b[1];
      else merged.push([b[0], b[1]]);
    }
    const last = merged[merged.length - 1];
    if (last && last[0] + last[1] === this.#top) {
      this.#top = last[0];
      merged.pop();
    }
    for (const [ptr, size] of merged) this.#putFree(ptr, size);
  }

  #bestFit(size: number): number {
    let bestSize = Infinity;
    for (const [s, list] of this.#free) if (s >= size && s < bestSize && list.length > 0) bestSize = s;
    if (bestSize === Infinity) return -1;
    const ptr = this.#takeFree(bestSize);
    if (bestSize > size) this.#putFree(ptr + size, bestSize - size);
    return ptr;
  }
}
