/**
 * tensor/kernels/webgpu — the WebGPU backend: WGSL kernels on GPU-resident arrays, a dense-network
 * trainer that keeps the model and the data on the GPU, device acquisition (browser or Node), and
 * the `auto` choice between WebGPU, wasm and js. docs/webgpu.md says how to use and test it.
 */
export { requestWebGpuDevice, type WebGpuDeviceOptions, type WebGpuDeviceInfo, type AcquiredDevice } from './device.js';
export { WebGpuContext, GpuArray, grid, type GpuDType, type GpuTypedArray, type ContextStats, type Pipeline, type UniformRange, type Resource } from './context.js';
export { WebGpuKernels, chooseTile, gemmGrid, gemmVectorLoads, pickTile, type SgdStep, type TileChoice, type WebGpuKernelOptions } from './kernels.js';
export {
  TILES, isVec4Tile, tileWorkgroupBytes, gemmShader, outputShader, alignmentSumsShader, activationDeltaShader, columnSumsShader, sgdShader, softmaxShader, argmaxShader,
  countCorrectShader, gatherRowsShader,
  type ShaderSource, type BindingKind, type GemmSpec, type GemmEpilogue, type OutputSpec, type CostKind, type OutputActivation, type RowMap, type TileName,
} from './shaders.js';
export {
  createWebGpuTrainer,
  type WebGpuTrainer, type WebGpuTrainerOptions, type GpuEpochResult, type GpuEvaluation, type GpuGradientNorms, type GpuAlignment, type FeedbackRule,
  type DenseNetworkLike, type DenseLayerLike, type LabelledDataLike, type TensorLike,
} from './trainer.js';
export { autoBackend, type AutoBackendOptions, type BackendChoice } from './auto.js';
export type { GpuDeviceLike, GpuLike, GpuAdapterLike, GpuBufferLike } from './gpu-types.js';
