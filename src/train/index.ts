/** train — `fit` (the training loop, events, divergence detection, resumable state), its GPU twin `fitWebGpu`, and evaluation. */
export { fit, type FitOptions, type FitResult, type TrainEvent, type TrainState, type EpochRecord, type LayerSpeed } from './fit.js';
export { evaluate, confusionMatrix, type Evaluation } from './evaluate.js';
export { fitWebGpu, GPU_RULES, gpuFeedback, type FitWebGpuOptions } from './fit-webgpu.js';
