/**
 * tensor/kernels/registry — which kernel backend runs the numbers.
 *
 * Backends register themselves by name; one is active at a time. `js` is the default. Faster
 * backends (wasm, webgpu) register when their module is loaded and initialised.
 */
import { ArgumentError } from '../../util/errors.js';
import { jsKernels } from './js.js';
import { referenceKernels } from './reference.js';
import type { Kernels } from './types.js';

const backends = new Map<string, Kernels>([
  [referenceKernels.name, referenceKernels],
  [jsKernels.name, jsKernels],
]);
let active: Kernels = jsKernels;

/** Make a backend available under its `name`. */
export function registerBackend(kernels: Kernels): void {
  backends.set(kernels.name, kernels);
}

/** Names of the registered backends. */
export function listBackends(): string[] {
  return [...backends.keys()];
}

/** Switch the active backend by name. Throws naming the known backends if `name` is unknown. */
export function setBackend(name: string): void {
  const k = backends.get(name);
  if (!k) throw new ArgumentError(`setBackend: unknown backend '${name}', known: ${listBackends().join(', ')}`);
  active = k;
}

/** The active backend's kernels. */
export function kernels(): Kernels {
  return active;
}

/** The kernels of a named backend (for tests that compare backends). */
export function getBackend(name: string): Kernels {
  const k = backends.get(name);
  if (!k) throw new ArgumentError(`getBackend: unknown backend '${name}', known: ${listBackends().join(', ')}`);
  return k;
}
