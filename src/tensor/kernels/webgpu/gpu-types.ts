/**
 * tensor/kernels/webgpu/gpu-types — the slice of the WebGPU API the backend uses, declared here.
 *
 * TypeScript's DOM library does not describe WebGPU, and the project takes no dependency for the
 * types alone, so the few interfaces and flag values used are written out (names end in `Like` so
 * they never clash with `@webgpu/types`). A browser `GPUDevice` and Dawn's (the `webgpu` package)
 * both satisfy them. Flag values are the specification's numbers, so no global `GPUBufferUsage`
 * object needs to exist (Node has none unless the `webgpu` package's globals are installed).
 */

/** GPUBufferUsage flags (WebGPU §5.1). */
export const BufferUsage = {
  MAP_READ: 0x0001,
  MAP_WRITE: 0x0002,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;

/** GPUMapMode flags. */
export const MapMode = { READ: 0x0001, WRITE: 0x0002 } as const;

/** GPUShaderStage flags. */
export const ShaderStage = { COMPUTE: 0x4 } as const;

/** A GPUBuffer. */
export interface GpuBufferLike {
  readonly size: number;
  mapAsync(mode: number, offset?: number, size?: number): Promise<undefined | void>;
  getMappedRange(offset?: number, size?: number): ArrayBuffer;
  unmap(): void;
  destroy(): void;
}

/** Opaque handles: only passed back to the device that made them. */
export type GpuShaderModuleLike = object;
/** A GPUBindGroupLayout. */
export type GpuBindGroupLayoutLike = object;
/** A GPUPipelineLayout. */
export type GpuPipelineLayoutLike = object;
/** A GPUBindGroup. */
export type GpuBindGroupLike = object;
/** A GPUCommandBuffer. */
export type GpuCommandBufferLike = object;

/** A GPUComputePipeline. */
export interface GpuComputePipelineLike {
  getBindGroupLayout(index: number): GpuBindGroupLayoutLike;
}

/** A GPUComputePassEncoder. */
export interface GpuComputePassLike {
  setPipeline(pipeline: GpuComputePipelineLike): void;
  setBindGroup(index: number, group: GpuBindGroupLike, dynamicOffsets?: number[] | Uint32Array): void;
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
  end(): void;
}

/** A GPUCommandEncoder. */
export interface GpuCommandEncoderLike {
  beginComputePass(descriptor?: { label?: string }): GpuComputePassLike;
  copyBufferToBuffer(source: GpuBufferLike, sourceOffset: number, destination: GpuBufferLike, destinationOffset: number, size: number): void;
  clearBuffer(buffer: GpuBufferLike, offset?: number, size?: number): void;
  finish(): GpuCommandBufferLike;
}

/** A GPUQueue. */
export interface GpuQueueLike {
  writeBuffer(buffer: GpuBufferLike, bufferOffset: number, data: ArrayBufferView | ArrayBuffer, dataOffset?: number, size?: number): void;
  submit(commandBuffers: GpuCommandBufferLike[]): void;
  onSubmittedWorkDone(): Promise<undefined | void>;
}

/** The limits the backend reads (GPUSupportedLimits). */
export interface GpuLimitsLike {
  readonly maxStorageBufferBindingSize: number;
  readonly maxBufferSize: number;
  readonly maxComputeWorkgroupsPerDimension: number;
  readonly maxStorageBuffersPerShaderStage: number;
  readonly minUniformBufferOffsetAlignment: number;
  readonly maxComputeWorkgroupStorageSize: number;
  readonly maxComputeInvocationsPerWorkgroup: number;
}

/** One entry of a bind group layout. */
export interface GpuBindGroupLayoutEntryLike {
  binding: number;
  visibility: number;
  buffer: { type: 'uniform' | 'storage' | 'read-only-storage'; hasDynamicOffset?: boolean; minBindingSize?: number };
}

/** One entry of a bind group. */
export interface GpuBindGroupEntryLike {
  binding: number;
  resource: { buffer: GpuBufferLike; offset?: number; size?: number };
}

/** A GPUError from an error scope. */
export interface GpuErrorLike {
  readonly message: string;
}

/** A GPUDevice: the methods glassbox calls. */
export interface GpuDeviceLike {
  readonly limits: GpuLimitsLike;
  readonly queue: GpuQueueLike;
  readonly lost: Promise<{ reason?: string; message: string }>;
  createBuffer(descriptor: { size: number; usage: number; mappedAtCreation?: boolean; label?: string }): GpuBufferLike;
  createShaderModule(descriptor: { code: string; label?: string }): GpuShaderModuleLike;
  createBindGroupLayout(descriptor: { entries: GpuBindGroupLayoutEntryLike[]; label?: string }): GpuBindGroupLayoutLike;
  createPipelineLayout(descriptor: { bindGroupLayouts: GpuBindGroupLayoutLike[]; label?: string }): GpuPipelineLayoutLike;
  createComputePipeline(descriptor: {
    layout: GpuPipelineLayoutLike;
    compute: { module: GpuShaderModuleLike; entryPoint: string };
    label?: string;
  }): GpuComputePipelineLike;
  createBindGroup(descriptor: { layout: GpuBindGroupLayoutLike; entries: GpuBindGroupEntryLike[]; label?: string }): GpuBindGroupLike;
  createCommandEncoder(descriptor?: { label?: string }): GpuCommandEncoderLike;
  pushErrorScope(filter: 'validation' | 'out-of-memory' | 'internal'): void;
  popErrorScope(): Promise<GpuErrorLike | null>;
  destroy(): void;
}

/** Adapter information, as much of it as the implementation gives. */
export interface GpuAdapterInfoLike {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
}

/** A GPUAdapter. */
export interface GpuAdapterLike {
  readonly limits: GpuLimitsLike;
  readonly info?: GpuAdapterInfoLike;
  readonly isFallbackAdapter?: boolean;
  /** The optional features the adapter offers (a set-like of names), where the implementation has it. */
  readonly features?: Iterable<string>;
  requestDevice(descriptor?: { requiredLimits?: Record<string, number>; label?: string }): Promise<GpuDeviceLike>;
}

/** The `navigator.gpu` object (GPU). */
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'low-power' | 'high-performance'; forceFallbackAdapter?: boolean }): Promise<GpuAdapterLike | null>;
}
