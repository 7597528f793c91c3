/**
 * glassbox — the public API. Hand-picked: everything a user (or the CLI, or the explorer) needs,
 * and nothing internal. Sections follow the layers of docs/architecture.md.
 */

// util
export {
  GlassboxError, ShapeError, ArgumentError, DataError, ModelFileError, DivergenceError, UnsupportedError,
  Rng, type RngState, formatNumber, formatShape, formatSeconds,
} from './util/index.js';

// tensor
export {
  Tensor, type DType, type Shape, tensor, zeros, ones, full, scalar, randomNormal, randomUniform, cast, clone, reshape,
  matmul as matmulTensor, transpose, argmax, gatherRows, sliceRows, oneHot, norm, dot, allFinite,
  setBackend, listBackends, registerBackend, getBackend, type Kernels, type FloatArray,
  initWasmBackend, wasmInfo, type WasmOptions, type WasmInfo,
} from './tensor/index.js';
// tensor: WebGPU (GPU-resident kernels and the dense trainer; docs/webgpu.md)
export {
  createWebGpuTrainer, requestWebGpuDevice, autoBackend, WebGpuContext, WebGpuKernels, GpuArray,
  type WebGpuTrainer, type WebGpuTrainerOptions, type GpuEpochResult, type GpuEvaluation, type GpuGradientNorms, type GpuAlignment, type FeedbackRule, type WebGpuDeviceOptions, type WebGpuDeviceInfo,
  type AutoBackendOptions, type BackendChoice, type DenseNetworkLike, type LabelledDataLike,
} from './tensor/kernels/webgpu/index.js';

// autodiff: the differentiable ops live under `ad` (ad.sigmoid, ad.matmul, …) so they do not clash
// with the activation objects of nn; the interpreters are exported directly.
export * as ad from './autodiff/index.js';
export { grad, valueAndGrad, vjp, jvp, gradcheck, Var, Dual, type Operand, type Primitive, type GradcheckReport } from './autodiff/index.js';

// nn
export {
  sequential, dense, Sequential, sigmoid, tanh, relu, linear, softmax, activation, activationNames,
  quadratic, crossEntropy, logLikelihood, cost, costNames, initNames,
  type Activation, type ActivationName, type Cost, type CostName, type InitName, type ModelSpec, type Parameter, type SequentialOptions, type ForwardTrace,
} from './nn/index.js';

// optim
export { sgd, adam, type Optimizer, type OptimizerState, type SgdOptions, type AdamOptions } from './optim/index.js';

// data
export {
  loadDataset, DATASET_NAMES, batches, subset, head, splitDataset, sliceDataset, parseIdx, encodeIdx, parseCsv, toyDataset, datasetFromArrays,
  type Dataset, type DatasetSplits, type DatasetInfo, type LoadOptions,
} from './data/index.js';

// rules
export {
  backprop, feedbackAlignment, directFeedbackAlignment, forwardGradient, weightPerturbation, nodePerturbation, forwardForward,
  rules, ruleByName, RULE_NAMES, isolatedRule, warmUpRule, drawFeedback, drawDirectFeedback, embedLabels, rmsNormalize, alignment, ruleAlignment, type Alignment,
  type LearningRule, type RuleStep, type Batch as RuleBatch, type RuleName, type PassCounts, type FeedbackAlignmentState, type DirectFeedbackAlignmentState,
  type ForwardGradientOptions, type WeightPerturbationOptions, type NodePerturbationOptions, type ForwardForwardOptions,
} from './rules/index.js';

// train
export { fit, fitWebGpu, GPU_RULES, gpuFeedback, evaluate, confusionMatrix, type FitOptions, type FitWebGpuOptions, type FitResult, type TrainEvent, type TrainState, type EpochRecord, type LayerSpeed, type Evaluation } from './train/index.js';

// io
export {
  serializeModel, parseModel, saveModel, loadModel, MODEL_FORMAT, MODEL_VERSION,
  serializeCheckpoint, parseCheckpoint, saveCheckpoint, loadCheckpoint, loadLatestCheckpoint, listCheckpoints, CHECKPOINT_FORMAT, CHECKPOINT_VERSION,
  writeFileAtomic, sha256Hex, checksumOf, encodeTensor, decodeTensor,
  type ModelMeta, type ModelDocument, type ParsedModel, type StoredTensor, type Checkpoint, type CheckpointTrainState, type LatestCheckpoint,
} from './io/index.js';
export { exportOnnx, ONNX_OPSET, ONNX_INPUT, ONNX_OUTPUT, type OnnxExportOptions } from './io/onnx.js';
export { importOnnx, ONNX_SUPPORTED_OPS, MAX_ONNX_BYTES, type OnnxImportOptions, type ImportedOnnx } from './io/onnx-import.js';
export { saveOnnx, loadOnnx } from './io/onnx-files.js';

// explain
export {
  trace, ripple, paths, gradcheckModel, dynamics, saliency, units, resolveParameter, ParameterRangeError, imageShapeFor,
  divergingColor, heatmap, heatmapGrid, plotRunSvg, readRun,
  type ParameterRef, type ParameterInfo, type ExplainInput, type ExplainTarget,
  type TraceReport, type TraceLayer, type RippleOptions, type RippleReport, type RippleStep, type RippleLayer,
  type PathsOptions, type PathsReport, type PathEntry, type ModelGradcheckOptions, type ModelGradcheckReport, type GradcheckRow,
  type DynamicsOptions, type DynamicsReport, type LayerSpeedReport, type SaliencyOptions, type SaliencyReport, type UnitsOptions, type UnitsReport,
  type ImageShape, type RgbaImage, type HeatmapOptions, type GridOptions, type PlotRun, type PlotEpoch, type PlotOptions,
} from './explain/index.js';
