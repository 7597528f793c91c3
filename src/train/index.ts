/** train — `fit` (the training loop, events, divergence detection, resumable state) and evaluation. */
export { fit, type FitOptions, type FitResult, type TrainEvent, type TrainState, type EpochRecord, type LayerSpeed } from './fit.js';
export { evaluate, confusionMatrix, type Evaluation } from './evaluate.js';
