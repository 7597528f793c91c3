/**
 * tensor/kernels/webgpu/device — getting a WebGPU device, in the browser or in Node.
 *
 * Order: a device the caller passes; else a `gpu` object the caller passes; else `navigator.gpu`
 * (browsers, Deno); else, under Node only, Dawn's `webgpu` npm package, loaded by a dynamic import
 * so that neither bundlers nor the type checker need it and glassbox does not depend on it. When
 * none of these gives an adapter, `UnsupportedError` says exactly which were tried and why each
 * failed. The device is created with the adapter's largest storage-buffer limits, so a whole
 * training set (50,000 × 784 float32 = 157 MB) fits in one binding.
 */
import { UnsupportedError } from '../../../util/errors.js';
import type { GpuAdapterLike, GpuDeviceLike, GpuLike } from './gpu-types.js';

/** How to get a device. */
export interface WebGpuDeviceOptions {
  /** Use this device (it stays the caller's: `destroy` of a context does not destroy it). */
  device?: GpuDeviceLike;
  /** Ask this GPU object (navigator.gpu, or what Dawn's `create()` returned) for an adapter. */
  gpu?: GpuLike;
  /** Adapter preference (default 'high-performance'). */
  powerPreference?: 'high-performance' | 'low-power';
  /** Options for Dawn's `create()` under Node, e.g. ['backend=vulkan']. */
  dawnOptions?: string[];
}

/** What the device is and where it came from. */
export interface WebGpuDeviceInfo {
  /** 'given' (options.device), 'gpu option', 'navigator.gpu' or 'webgpu package'. */
  source: 'given' | 'gpu option' | 'navigator.gpu' | 'webgpu package';
  vendor: string;
  architecture: string;
  description: string;
  /** True for a software (fallback) adapter such as SwiftShader, when the implementation says so. */
  fallback: boolean;
  /** The optional features the adapter offers, sorted (empty when unknown): for reports. */
  features: string[];
}

/** A device with its description; `owned` says whether glassbox created (and so may destroy) it. */
export interface AcquiredDevice {
  device: GpuDeviceLike;
  info: WebGpuDeviceInfo;
  owned: boolean;
  /** Dawn's GPU object under Node: held so it stays alive, dropped on release. */
  keepAlive: unknown;
}

interface DawnModule {
  create(options: string[]): GpuLike;
}

function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
}

/** Dawn's `webgpu` package, or the reason it could not be loaded. */
async function loadDawn(): Promise<DawnModule | string> {
  try {
    const specifier = 'webgpu'; // not a literal import: glassbox does not depend on the package
    const mod = (await import(/* @vite-ignore */ specifier)) as Partial<DawnModule> & { default?: Partial<DawnModule> };
    const create = mod.create ?? mod.default?.create;
    if (typeof create !== 'function') return "the 'webgpu' package has no create() export";
    return { create };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return "the 'webgpu' package is not installed (npm install webgpu)";
    return `the 'webgpu' package failed to load: ${(e as Error).message}`;
  }
}

async function deviceFrom(gpu: GpuLike, options: WebGpuDeviceOptions, where: string): Promise<{ device: GpuDeviceLike; adapter: GpuAdapterLike } | string> {
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  } catch (e) {
    return `${where}.requestAdapter() failed: ${(e as Error).message}`;
  }
  if (!adapter) return `${where}.requestAdapter() returned no adapter (no usable GPU or driver; in Chromium start with --enable-unsafe-webgpu, in Node check the Vulkan driver)`;
  const limits = adapter.limits;
  try {
    const device = await adapter.requestDevice({
      label: 'glassbox',
      requiredLimits: {
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
        maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      },
    });
    return { device, adapter };
  } catch (e) {
    return `${where}: the adapter refused a device: ${(e as Error).message}`;
  }
}

function describe(adapter: GpuAdapterLike | null, source: WebGpuDeviceInfo['source']): WebGpuDeviceInfo {
  const info = adapter?.info ?? {};
  return {
    source,
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    description: info.description ?? '',
    fallback: adapter?.isFallbackAdapter ?? info.architecture === 'swiftshader',
    features: adapter?.features ? [...adapter.features].sort() : [],
  };
}

/**
 * A WebGPU device: the given one, or a new one from `options.gpu`, `navigator.gpu` or (Node only)
 * the `webgpu` package.
 * @throws UnsupportedError naming what is missing, e.g. "WebGPU is not available: navigator.gpu is
 *   undefined and the 'webgpu' package is not installed (npm install webgpu)"
 */
export async function requestWebGpuDevice(options: WebGpuDeviceOptions = {}): Promise<AcquiredDevice> {
  if (options.device) return { device: options.device, info: describe(null, 'given'), owned: false, keepAlive: null };
  const reasons: string[] = [];
  if (options.gpu) {
    const got = await deviceFrom(options.gpu, options, 'options.gpu');
    if (typeof got !== 'string') return { ...got, info: describe(got.adapter, 'gpu option'), owned: true, keepAlive: null };
    reasons.push(got);
  }
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  if (nav?.gpu) {
    const got = await deviceFrom(nav.gpu, options, 'navigator.gpu');
    if (typeof got !== 'string') return { ...got, info: describe(got.adapter, 'navigator.gpu'), owned: true, keepAlive: null };
    reasons.push(got);
  } else {
    reasons.push('navigator.gpu is undefined');
  }
  if (isNode()) {
    const dawn = await loadDawn();
    if (typeof dawn === 'string') {
      reasons.push(dawn);
    } else {
      let gpu: GpuLike | null = null;
      try {
        gpu = dawn.create(options.dawnOptions ?? []);
      } catch (e) {
        reasons.push(`the 'webgpu' package's create() failed: ${(e as Error).message}`);
      }
      if (gpu) {
        const got = await deviceFrom(gpu, options, "the 'webgpu' package's gpu");
        if (typeof got !== 'string') return { ...got, info: describe(got.adapter, 'webgpu package'), owned: true, keepAlive: gpu };
        reasons.push(got);
      }
    }
  } else if (!nav?.gpu) {
    reasons[reasons.length - 1] += ' (this browser has no WebGPU, or the page is not a secure context)';
  }
  throw new UnsupportedError(`WebGPU is not available: ${reasons.join(' and ')}`, reasons);
}
