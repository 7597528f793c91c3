/**
 * tensor/kernels/webgpu/auto — what `--backend auto` means: WebGPU when a hardware device can be had
 * (a software adapter such as SwiftShader is passed over unless asked for), and always the fastest
 * CPU backend that loads (wasm, else js) for everything that runs on the CPU.
 *
 * WebGPU work is GPU-resident and asynchronous, so it is not a drop-in `Kernels` backend: the GPU
 * path is the dense trainer (trainer.ts), used when `gpu` is not null. The CPU choice is made
 * active with `setBackend`, so the explain tools, evaluation on the CPU and every non-dense model
 * use it. Each backend that could not be had is listed in `reasons`, so a caller can say why.
 */
import { UnsupportedError } from '../../../util/errors.js';
import { listBackends, setBackend } from '../registry.js';
import { WebGpuContext } from './context.js';
import type { WebGpuDeviceOptions } from './device.js';

/** Options of `autoBackend`. */
export interface AutoBackendOptions {
  /** Try WebGPU (default true). */
  webgpu?: boolean;
  /** Device options for the WebGPU attempt. */
  device?: WebGpuDeviceOptions;
  /**
   * Loads and registers the wasm backend (default: a dynamic import of ../wasm/index.js and its
   * `initWasmBackend()`; bundlers cannot follow that import, so browser bundles pass their own).
   */
  initWasm?: () => Promise<unknown>;
  /** Make the chosen CPU backend active (default true). */
  activate?: boolean;
  /**
   * Take a software (fallback) adapter such as SwiftShader too (default false: it runs the GPU
   * kernels on the CPU, tens of times slower than the CPU engine; docs/webgpu.md measures it).
   */
  software?: boolean;
}

/** What `autoBackend` chose. */
export interface BackendChoice {
  /** 'webgpu' when a GPU context was had, else the CPU backend's name. */
  backend: 'webgpu' | 'wasm' | 'js';
  /** The GPU context, or null. */
  gpu: WebGpuContext | null;
  /** The CPU backend for everything else: 'wasm' when it loaded, else 'js'. */
  cpu: 'wasm' | 'js';
  /** Why each faster choice was not taken, e.g. "webgpu: WebGPU is not available: …". */
  reasons: string[];
}

async function defaultInitWasm(): Promise<unknown> {
  const specifier = '../wasm/index.js'; // not a literal: the wasm backend is optional here
  const mod = (await import(/* @vite-ignore */ specifier)) as { initWasmBackend?: () => Promise<unknown> };
  if (typeof mod.initWasmBackend !== 'function') throw new UnsupportedError('the wasm module has no initWasmBackend()');
  return mod.initWasmBackend();
}

/**
 * Pick the backends: a WebGPU context when available, and wasm (else js) for the CPU.
 * Errors other than "not available" (a bug, a lost device) are thrown, not swallowed.
 */
export async function autoBackend(options: AutoBackendOptions = {}): Promise<BackendChoice> {
  const reasons: string[] = [];
  let gpu: WebGpuContext | null = null;
  if (options.webgpu !== false) {
    try {
      gpu = await WebGpuContext.create(options.device);
    } catch (e) {
      if (!(e instanceof UnsupportedError)) throw e;
      reasons.push(`webgpu: ${e.message}`);
    }
    if (gpu && gpu.info.fallback && !options.software) {
      reasons.push(`webgpu: the only adapter is a software one (${gpu.describe()}), slower than the CPU engine`);
      gpu.destroy();
      gpu = null;
    }
  } else {
    reasons.push('webgpu: not requested');
  }
  let cpu: 'wasm' | 'js' = 'js';
  if (listBackends().includes('wasm')) {
    cpu = 'wasm';
  } else {
    try {
      await (options.initWasm ?? defaultInitWasm)();
      if (listBackends().includes('wasm')) cpu = 'wasm';
      else reasons.push('wasm: initialising it did not register a backend named wasm');
    } catch (e) {
      reasons.push(`wasm: ${(e as Error).message}`);
    }
  }
  if (options.activate !== false) setBackend(cpu);
  return { backend: gpu ? 'webgpu' : cpu, gpu, cpu, reasons };
}
