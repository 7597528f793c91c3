/**
 * tensor/kernels/webgpu/context — one WebGPU device and everything kept on it between kernels.
 *
 * - Pipelines: compiled once per shader key (`pipeline()`), never per call or per step.
 * - Buffers: `GpuArray`s come from a pool of storage buffers keyed by byte size; `release()`
 *   returns one for reuse. Data stays on the GPU between kernels.
 * - Commands: dispatches are recorded into one open compute pass; `flush()` submits. Uniform
 *   parameters of one-off dispatches go into an arena written once per submit. Any
 *   `queue.writeBuffer` (`write()`) first submits what was recorded, so recorded commands always
 *   see the data they were recorded against.
 * - Reading back is explicit and asynchronous: `read()` copies into a mappable staging buffer and
 *   awaits `mapAsync`. Validation and out-of-memory errors of the device surface there (and in
 *   `sync()`) as a GlassboxError naming the WebGPU message.
 */
import { GlassboxError, UnsupportedError } from '../../../util/errors.js';
import { requestWebGpuDevice, type WebGpuDeviceInfo, type WebGpuDeviceOptions } from './device.js';
import {
  BufferUsage, MapMode, ShaderStage,
  type GpuBindGroupLike, type GpuBufferLike, type GpuCommandEncoderLike, type GpuComputePassLike,
  type GpuComputePipelineLike, type GpuDeviceLike, type GpuBindGroupLayoutLike,
} from './gpu-types.js';
import { STEP_BYTES, type BindingKind, type ShaderSource } from './shaders.js';

/** Element types of GPU arrays (4 bytes each). */
export type GpuDType = 'f32' | 'i32' | 'u32';

/** A typed array of one of the GPU element types. */
export type GpuTypedArray = Float32Array | Int32Array | Uint32Array;

/** An array in GPU memory: a storage buffer of at least `length` 4-byte elements. */
export class GpuArray {
  /** @internal use WebGpuContext.array/upload */
  constructor(
    readonly buffer: GpuBufferLike,
    readonly length: number,
    readonly dtype: GpuDType,
    /** The pool bucket (bytes) it returns to on release. */
    readonly capacityBytes: number,
  ) {}

  /** Bytes of data (length × 4). */
  get bytes(): number {
    return this.length * 4;
  }
}

/** A compiled pipeline and its bind-group layout. */
export interface Pipeline {
  readonly key: string;
  readonly pipeline: GpuComputePipelineLike;
  readonly layout: GpuBindGroupLayoutLike;
  readonly bindings: readonly BindingKind[];
}

/** A uniform range for a binding: buffer, offset and size in bytes. */
export interface UniformRange {
  buffer: GpuBufferLike;
  offset: number;
  size: number;
}

/** What a binding is bound to: an array, or a uniform range. */
export type Resource = GpuArray | UniformRange;

/** Counters, for tests and benchmarks. */
export interface ContextStats {
  pipelinesCompiled: number;
  buffersCreated: number;
  buffersReused: number;
  dispatches: number;
  submits: number;
  bytesRead: number;
}

const ARENA_SLOT = 256; // ≥ minUniformBufferOffsetAlignment on every implementation (spec max 256)
const ARENA_SLOTS = 512;

/** 2-D grid for `groups` workgroups (at most 65,535 per dimension). */
export function grid(groups: number): [number, number] {
  if (groups <= 65535) return [groups, 1];
  const y = Math.ceil(groups / 65535);
  return [Math.ceil(groups / y), y];
}

function bucket(bytes: number): number {
  const b = Math.max(16, bytes);
  return Math.ceil(b / 256) * 256;
}

/** Largest slice of shared memory copied out at once for writeBuffer (a multiple of 4). */
const SHARED_COPY_BYTES = 16 * 2 ** 20;

/** A WebGPU device with glassbox's pipeline cache, buffer pool and command recorder. */
export class WebGpuContext {
  readonly device: GpuDeviceLike;
  readonly info: WebGpuDeviceInfo;
  readonly stats: ContextStats = { pipelinesCompiled: 0, buffersCreated: 0, buffersReused: 0, dispatches: 0, submits: 0, bytesRead: 0 };
  private readonly owned: boolean;
  private keepAlive: unknown;
  private readonly pipelines = new Map<string, Pipeline>();
  private readonly pool = new Map<number, GpuBufferLike[]>();
  private readonly staging = new Map<number, GpuBufferLike[]>();
  private encoder: GpuCommandEncoderLike | null = null;
  private pass: GpuComputePassLike | null = null;
  private pending = false;
  private readonly arena: GpuBufferLike;
  private readonly arenaData = new ArrayBuffer(ARENA_SLOT * ARENA_SLOTS);
  private arenaUsed = 0;
  private lostMessage: string | null = null;
  private destroyed = false;
  private readonly zeroStep: UniformRange;

  private constructor(device: GpuDeviceLike, info: WebGpuDeviceInfo, owned: boolean, keepAlive: unknown) {
    this.device = device;
    this.info = info;
    this.owned = owned;
    this.keepAlive = keepAlive;
    this.arena = device.createBuffer({ size: ARENA_SLOT * ARENA_SLOTS, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST, label: 'glassbox params arena' });
    this.zeroStep = this.uniformBuffer(new Uint32Array(4), 'glassbox zero step');
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    void device.lost.then((l) => {
      this.lostMessage = l.message || l.reason || 'device lost';
    });
  }

  /**
   * A context on a new (or the given) device.
   * @throws UnsupportedError when WebGPU is not available (see requestWebGpuDevice)
   */
  static async create(options: WebGpuDeviceOptions = {}): Promise<WebGpuContext> {
    const got = await requestWebGpuDevice(options);
    return new WebGpuContext(got.device, got.info, got.owned, got.keepAlive);
  }

  /** One line describing the adapter. */
  describe(): string {
    const i = this.info;
    const parts = [i.vendor, i.architecture, i.description].filter((s) => s !== '');
    return `${parts.join(' ') || 'unknown adapter'} (${i.source}${i.fallback ? ', software' : ''})`;
  }

  private checkAlive(): void {
    if (this.destroyed) throw new GlassboxError('WebGPU context: used after destroy()');
    if (this.lostMessage !== null) throw new UnsupportedError(`WebGPU device lost: ${this.lostMessage}`);
  }

  // ----- pipelines -----

  /** The pipeline for `source`, compiled on first use and cached by its key. */
  pipeline(source: ShaderSource): Pipeline {
    const cached = this.pipelines.get(source.key);
    if (cached) return cached;
    this.checkAlive();
    const layout = this.device.createBindGroupLayout({
      label: source.key,
      entries: source.bindings.map((kind, binding) => ({
        binding,
        visibility: ShaderStage.COMPUTE,
        buffer:
          kind === 'uniform' ? { type: 'uniform' as const }
          : kind === 'step' ? { type: 'uniform' as const, hasDynamicOffset: true, minBindingSize: STEP_BYTES }
          : kind === 'read' ? { type: 'read-only-storage' as const }
          : { type: 'storage' as const },
      })),
    });
    const module = this.device.createShaderModule({ code: source.code, label: source.key });
    const pipeline = this.device.createComputePipeline({
      label: source.key,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main' },
    });
    const p: Pipeline = { key: source.key, pipeline, layout, bindings: source.bindings };
    this.pipelines.set(source.key, p);
    this.stats.pipelinesCompiled++;
    return p;
  }

  /** Number of pipelines compiled so far. */
  get pipelineCount(): number {
    return this.pipelines.size;
  }

  // ----- buffers -----

  /** A pooled storage array of `length` elements (contents undefined: reused buffers keep old data). */
  array(length: number, dtype: GpuDType = 'f32'): GpuArray {
    this.checkAlive();
    const bytes = bucket(length * 4);
    const limit = this.device.limits.maxStorageBufferBindingSize;
    if (bytes > limit) {
      throw new UnsupportedError(`WebGPU: an array of ${length} elements (${bytes} bytes) exceeds this device's maxStorageBufferBindingSize of ${limit} bytes`);
    }
    const free = this.pool.get(bytes);
    const reused = free?.pop();
    if (reused) {
      this.stats.buffersReused++;
      return new GpuArray(reused, length, dtype, bytes);
    }
    this.stats.buffersCreated++;
    const buffer = this.device.createBuffer({ size: bytes, usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST });
    return new GpuArray(buffer, length, dtype, bytes);
  }

  /** A pooled array of `length` zeros. */
  zeros(length: number, dtype: GpuDType = 'f32'): GpuArray {
    const a = this.array(length, dtype);
    this.endPass();
    this.openEncoder().clearBuffer(a.buffer, 0, a.capacityBytes);
    this.pending = true;
    return a;
  }

  /** Copy typed data into a new pooled array (float64 data is converted to float32). */
  upload(data: GpuTypedArray | Float64Array, dtype?: GpuDType): GpuArray {
    const t: GpuDType = dtype ?? (data instanceof Int32Array ? 'i32' : data instanceof Uint32Array ? 'u32' : 'f32');
    const a = this.array(data.length, t);
    this.write(a, data);
    return a;
  }

  /**
   * Write typed data into `array` starting at element `offset`. Commands recorded so far are
   * submitted first, so they still see the old contents.
   */
  write(array: GpuArray, data: GpuTypedArray | Float64Array, offset = 0): void {
    this.checkAlive();
    if (offset + data.length > array.length) {
      throw new GlassboxError(`WebGPU write: ${data.length} elements at offset ${offset} do not fit an array of ${array.length}`);
    }
    if (data.length === 0) return;
    const typed: GpuTypedArray =
      data instanceof Float64Array ? Float32Array.from(data)
      : array.dtype === 'f32' && !(data instanceof Float32Array) ? Float32Array.from(data)
      : array.dtype === 'i32' && !(data instanceof Int32Array) ? Int32Array.from(data)
      : array.dtype === 'u32' && !(data instanceof Uint32Array) ? Uint32Array.from(data)
      : data;
    this.writeBytes(array.buffer, offset * 4, typed);
  }

  /**
   * queue.writeBuffer after submitting anything recorded (4-byte aligned writes). Data in shared
   * memory (a data set the wasm backend holds) goes through ordinary copies of up to 16 MiB: not
   * every WebGPU implementation takes a SharedArrayBuffer source.
   */
  writeBytes(buffer: GpuBufferLike, byteOffset: number, data: ArrayBufferView): void {
    if (this.pending) this.flush();
    if (typeof SharedArrayBuffer !== 'undefined' && data.buffer instanceof SharedArrayBuffer) {
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      for (let o = 0; o < bytes.length; o += SHARED_COPY_BYTES) {
        const part = bytes.slice(o, Math.min(bytes.length, o + SHARED_COPY_BYTES)); // a new, unshared buffer
        this.device.queue.writeBuffer(buffer, byteOffset + o, part.buffer, 0, part.byteLength);
      }
      return;
    }
    this.device.queue.writeBuffer(buffer, byteOffset, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  }

  /** Give an array back to the pool. It must not be used afterwards. */
  release(array: GpuArray): void {
    const list = this.pool.get(array.capacityBytes);
    if (list) list.push(array.buffer);
    else this.pool.set(array.capacityBytes, [array.buffer]);
  }

  /** A uniform buffer (not pooled) holding `data`, for parameters that live as long as their user. */
  uniformBuffer(data: ArrayBufferView, label?: string): UniformRange {
    const size = Math.max(16, Math.ceil(data.byteLength / 16) * 16);
    const buffer = this.device.createBuffer({ size, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST, label });
    this.stats.buffersCreated++;
    this.writeBytes(buffer, 0, data);
    return { buffer, offset: 0, size };
  }

  /**
   * Parameters of a one-off dispatch: a slot of the uniform arena (written at the next submit).
   * When the arena is full, what was recorded is submitted first.
   */
  params(words: ArrayLike<number>, floats: readonly number[] = []): UniformRange {
    if (this.arenaUsed + ARENA_SLOT > this.arenaData.byteLength) {
      throw new GlassboxError('WebGPU params: the arena is full; call reserve() before allocating a dispatch\'s parameters');
    }
    const offset = this.arenaUsed;
    this.arenaUsed += ARENA_SLOT;
    const u = new Uint32Array(this.arenaData, offset, ARENA_SLOT / 4);
    const f = new Float32Array(this.arenaData, offset, ARENA_SLOT / 4);
    u.fill(0);
    for (let i = 0; i < words.length; i++) u[i] = words[i];
    floats.forEach((v, i) => {
      f[words.length + i] = v;
    });
    this.pending = true;
    return { buffer: this.arena, offset, size: ARENA_SLOT };
  }

  /**
   * Make room for `slots` parameter blocks of one dispatch, submitting what was recorded first if
   * the arena is too full (so a dispatch's blocks are never split across two submits).
   */
  reserve(slots: number): void {
    if (this.arenaUsed + slots * ARENA_SLOT > this.arenaData.byteLength) this.flush();
  }

  /** The Step uniform of one-off dispatches ({ start, rows, batch } = 0, or as given), from the arena. */
  step(start = 0, rows = 0, batch = 0): UniformRange {
    if (start === 0 && rows === 0 && batch === 0) return this.zeroStep;
    const r = this.params([start, rows, batch, 0]);
    return { ...r, size: STEP_BYTES };
  }

  // ----- commands -----

  /** A bind group for `pipeline` over `resources` (in binding order). Step ranges bind 16 bytes at dynamic offset 0. */
  bindGroup(pipeline: Pipeline, resources: readonly Resource[]): GpuBindGroupLike {
    this.checkAlive();
    if (resources.length !== pipeline.bindings.length) {
      throw new GlassboxError(`WebGPU ${pipeline.key}: ${pipeline.bindings.length} bindings, ${resources.length} resources given`);
    }
    return this.device.createBindGroup({
      layout: pipeline.layout,
      entries: resources.map((r, binding) => {
        if (r instanceof GpuArray) return { binding, resource: { buffer: r.buffer, offset: 0, size: r.capacityBytes } };
        if (pipeline.bindings[binding] === 'step') return { binding, resource: { buffer: r.buffer, offset: 0, size: STEP_BYTES } };
        return { binding, resource: { buffer: r.buffer, offset: r.offset, size: r.size } };
      }),
    });
  }

  private openEncoder(): GpuCommandEncoderLike {
    this.encoder ??= this.device.createCommandEncoder({ label: 'glassbox' });
    return this.encoder;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  /** Record a dispatch with a prepared bind group (`stepOffset`: byte offset into the Step table). */
  record(pipeline: Pipeline, group: GpuBindGroupLike, workgroups: readonly [number, number?, number?], stepOffset = 0): void {
    this.checkAlive();
    if (workgroups[0] === 0 || workgroups[1] === 0 || workgroups[2] === 0) return; // nothing to do (0 rows)
    this.pass ??= this.openEncoder().beginComputePass({ label: 'glassbox' });
    this.pass.setPipeline(pipeline.pipeline);
    this.pass.setBindGroup(0, group, [stepOffset]);
    this.pass.dispatchWorkgroups(workgroups[0], workgroups[1] ?? 1, workgroups[2] ?? 1);
    this.pending = true;
    this.stats.dispatches++;
  }

  /**
   * Record a one-off dispatch: a bind group over `resources` (a Step range is bound at its own
   * offset through the dynamic offset).
   */
  dispatch(pipeline: Pipeline, resources: readonly Resource[], workgroups: readonly [number, number?, number?]): void {
    const stepIndex = pipeline.bindings.indexOf('step');
    const stepRange = resources[stepIndex] as UniformRange;
    const group = this.bindGroup(pipeline, resources);
    this.record(pipeline, group, workgroups, stepRange.offset);
  }

  /** Record a copy between arrays (bytes are multiples of 4). */
  copy(from: GpuArray, to: GpuArray, elements = Math.min(from.length, to.length)): void {
    this.checkAlive();
    this.endPass();
    if (elements > 0) this.openEncoder().copyBufferToBuffer(from.buffer, 0, to.buffer, 0, elements * 4);
    this.pending = true;
  }

  /** Submit everything recorded (parameters of one-off dispatches are written first). */
  flush(): void {
    this.checkAlive();
    this.endPass();
    if (this.arenaUsed > 0) {
      this.device.queue.writeBuffer(this.arena, 0, this.arenaData, 0, this.arenaUsed);
      this.arenaUsed = 0;
    }
    if (this.encoder) {
      this.device.queue.submit([this.encoder.finish()]);
      this.encoder = null;
      this.stats.submits++;
    }
    this.pending = false;
  }

  private async checkErrors(): Promise<void> {
    const validation = await this.device.popErrorScope();
    const memory = await this.device.popErrorScope();
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    if (this.lostMessage !== null) throw new UnsupportedError(`WebGPU device lost: ${this.lostMessage}`);
    if (memory) throw new UnsupportedError(`WebGPU out of memory: ${memory.message}`);
    if (validation) throw new GlassboxError(`WebGPU validation error: ${validation.message}`);
  }

  /** Submit and wait until the GPU has finished everything; reports device errors. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.checkErrors();
  }

  /** Read `count` elements of `array` (from element `offset`) back to the CPU. */
  async read(array: GpuArray, count = array.length, offset = 0): Promise<GpuTypedArray> {
    this.checkAlive();
    if (offset + count > array.length) throw new GlassboxError(`WebGPU read: ${count} elements at ${offset} exceed an array of ${array.length}`);
    const bytes = count * 4;
    const size = bucket(bytes);
    const staging = this.staging.get(size)?.pop()
      ?? this.device.createBuffer({ size, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST, label: 'glassbox staging' });
    this.endPass();
    if (bytes > 0) this.openEncoder().copyBufferToBuffer(array.buffer, offset * 4, staging, 0, bytes);
    this.pending = true;
    this.flush();
    await staging.mapAsync(MapMode.READ, 0, size);
    const copy = staging.getMappedRange(0, size).slice(0, bytes);
    staging.unmap();
    const list = this.staging.get(size);
    if (list) list.push(staging);
    else this.staging.set(size, [staging]);
    this.stats.bytesRead += bytes;
    await this.checkErrors();
    return array.dtype === 'f32' ? new Float32Array(copy) : array.dtype === 'i32' ? new Int32Array(copy) : new Uint32Array(copy);
  }

  /** Read a float32 array back. */
  async readFloats(array: GpuArray, count = array.length, offset = 0): Promise<Float32Array> {
    const out = await this.read(array, count, offset);
    return out instanceof Float32Array ? out : new Float32Array(out.buffer);
  }

  /** Free every buffer; destroy the device if this context created it. The context is unusable afterwards. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const list of [...this.pool.values(), ...this.staging.values()]) for (const b of list) b.destroy();
    this.pool.clear();
    this.staging.clear();
    this.arena.destroy();
    this.zeroStep.buffer.destroy();
    if (this.owned) this.device.destroy();
    this.keepAlive = null;
  }
}
