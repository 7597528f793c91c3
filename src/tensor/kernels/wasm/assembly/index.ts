/**
 * wasm/assembly/index — the entry point: every kernel the wasm backend exports.
 *
 * Memory is imported (env.memory) and managed from JavaScript (src/tensor/kernels/wasm/heap.ts):
 * nothing here allocates. All pointers are byte addresses into that memory; sizes are element
 * counts; booleans are 0 / 1.
 */
export { matmul, matmulScratchBytes } from './gemm';
export {
  denseForward, denseBackward, denseScratchBytes, denseBackwardSgd, denseSgdScratchBytes,
  denseForwardPrepare, denseForwardRows, denseForwardOwnUnits, denseBackwardPrepare, denseBackwardRows,
  denseSgdPrepare, denseSgdUnits, forwardRowsSplit,
} from './dense';
export {
  activate, unary, binary, sumAxis, maxAxis, gatherRows, axpy, momentumStep, adamStep, softmaxRows, logSoftmaxRows, argmaxRows,
} from './elementwise';

/** First byte free for the JavaScript allocator (after any static data). */
export function heapBase(): usize {
  return __heap_base;
}
