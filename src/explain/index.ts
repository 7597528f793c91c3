/**
 * explain — the transparency tools: trace (BP1–BP4), ripple (forward propagation of changes),
 * paths (the sum over paths), gradcheck, dynamics (per-layer learning speed), saliency and hidden
 * units, and the pure renderers (diverging heatmaps, SVG training curves). Every tool returns a
 * plain JSON-serialisable report. Imports nn, autodiff, data, tensor and util only.
 */
export {
  ParameterRangeError, resolveParameter, asFloat64,
  type ParameterRef, type ParameterInfo, type ResolvedParameter, type ExplainInput, type ExplainTarget,
} from './common.js';
export { trace, type TraceReport, type TraceLayer } from './trace.js';
export { ripple, type RippleOptions, type RippleReport, type RippleStep, type RippleLayer } from './ripple.js';
export { paths, type PathsOptions, type PathsReport, type PathEntry } from './paths.js';
export { gradcheckModel, type ModelGradcheckOptions, type ModelGradcheckReport, type GradcheckRow } from './gradcheck.js';
export { dynamics, type DynamicsOptions, type DynamicsReport, type LayerSpeedReport } from './dynamics.js';
export {
  saliency, units, imageShapeFor,
  type SaliencyOptions, type SaliencyReport, type UnitsOptions, type UnitsReport, type ImageShape,
} from './saliency.js';
export { divergingColor, heatmap, heatmapGrid, type RgbaImage, type HeatmapOptions, type GridOptions } from './images.js';
export { plotRunSvg, readRun, niceTicks, type PlotRun, type PlotEpoch, type PlotOptions } from './plot.js';
