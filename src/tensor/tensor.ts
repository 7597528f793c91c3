/**
 * tensor/tensor — the Tensor: a shape, a dtype and storage owned by a backend.
 *
 * Tensors are immutable values as far as the library's math is concerned (optimisers update
 * parameters in place through explicit `*InPlace` helpers in ops.ts). Reading the numbers out is an
 * explicit step: `await t.data()` works on every backend; `t.dataSync()` only where the storage is
 * on the CPU. Nothing above the kernels should index a tensor's array except through these.
 */
import { ArgumentError } from '../util/errors.js';
import { kernels } from './kernels/registry.js';
import type { FloatArray } from './kernels/types.js';
import { checkShape, sizeOf, type Shape } from './shape.js';

/** Element types: float32 for training, float64 where exactness matters (checks, explain tools). */
export type DType = 'float32' | 'float64';

/**
 * Allocate a zeroed array of `n` elements of `dtype`: from the active backend's `allocate` when it
 * has one (the wasm backend places tensors in its linear memory), else an ordinary typed array.
 */
export function allocate(dtype: DType, n: number): FloatArray {
  const k = kernels();
  if (k.allocate) return k.allocate(dtype, n);
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

/**
 * Storage for n float32 values of a data set, from the active backend where it has a place for
 * data sets (the wasm backend's memory: gathers of training rows then run in WebAssembly), else an
 * ordinary zeroed Float32Array.
 */
export function allocateDataset(n: number): Float32Array {
  return kernels().allocateDataset?.(n) ?? new Float32Array(n);
}

/** The dtype of a typed array. */
export function dtypeOf(array: FloatArray): DType {
  return array instanceof Float64Array ? 'float64' : 'float32';
}

/** An n-dimensional array of floats. */
export class Tensor {
  /** Axis lengths, outermost first. */
  readonly shape: Shape;
  /** float32 or float64. */
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  readonly #array: FloatArray;

  /**
   * Wrap a typed array (not copied) as a tensor of `shape`.
   * @throws ArgumentError when the array's length does not match the shape.
   */
  constructor(array: FloatArray, shape: Shape) {
    checkShape(shape, 'Tensor');
    const size = sizeOf(shape);
    if (array.length !== size) {
      throw new ArgumentError(`Tensor: shape [${shape.join(', ')}] needs ${size} elements, got ${array.length}`);
    }
    this.#array = array;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtypeOf(array);
    this.size = size;
  }

  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /**
   * The values as a typed array, synchronously. Only for CPU storage (all backends today); a GPU
   * backend will throw here and require `await data()`. Do not mutate the result.
   */
  dataSync(): FloatArray {
    return this.#array;
  }

  /** The values, read back from wherever they live. */
  async data(): Promise<FloatArray> {
    return this.#array;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ArgumentError(`item: tensor of shape [${this.shape.join(', ')}] has ${this.size} elements, not 1`);
    return this.#array[0];
  }

  /** The values as a nested plain array (for printing and JSON reports). */
  toArray(): unknown {
    const a = this.#array;
    const build = (axis: number, offset: number): unknown => {
      if (axis === this.shape.length) return a[offset];
      const stride = sizeOf(this.shape.slice(axis + 1));
      return Array.from({ length: this.shape[axis] }, (_, i) => build(axis + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  /** A short description: `Tensor(float32 [10, 784])`. */
  toString(): string {
    return `Tensor(${this.dtype} [${this.shape.join(', ')}])`;
  }
}
