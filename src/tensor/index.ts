/** tensor — Tensor, shapes, kernels and the non-differentiable ops over them. */
export { Tensor, allocate, type DType } from './tensor.js';
export { sizeOf, sameShape, broadcastShapes, type Shape } from './shape.js';
export * from './ops.js';
export type { FloatArray, Kernels, UnaryOp, BinaryOp, ActivationKind } from './kernels/types.js';
export { registerBackend, setBackend, listBackends, kernels, getBackend } from './kernels/registry.js';
export { referenceKernels } from './kernels/reference.js';
export { jsKernels } from './kernels/js.js';
export { initWasmBackend, wasmInfo, type WasmOptions, type WasmInfo } from './kernels/wasm/index.js';
