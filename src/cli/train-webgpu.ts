/**
 * cli/train-webgpu — what training on the GPU (`--backend webgpu`, or `auto` where a GPU can be had)
 * adds to a run: the run's settings as options of the library's `fitWebGpu` (the same loop as
 * `fit`, with its events, checkpoints, Ctrl-C, resume and dynamics monitor).
 */
import type { FitWebGpuOptions } from '../index.js';

/** What the GPU run needs of the run's configuration. */
export interface GpuRunSettings {
  eta: number;
  momentum: number;
  lambda: number;
  l1: number;
  optimizer: string;
  monitor: boolean;
}

/**
 * fitWebGpu's options for this run: sgd, momentum or Adam (optim's defaults β1 0.9, β2 0.999,
 * ε 1e-8, as the CPU run's), with L2 as (λ/n)·w and L1 as (λ₁/n)·sgn(w), and the dynamics monitor.
 */
export function gpuOptions(s: GpuRunSettings, trainingSize: number): Pick<FitWebGpuOptions, 'eta' | 'momentum' | 'adam' | 'lambda' | 'l1' | 'trainingSize' | 'monitor'> {
  return {
    eta: s.eta, momentum: s.optimizer === 'momentum' ? s.momentum : 0, ...(s.optimizer === 'adam' ? { adam: {} } : {}),
    lambda: s.lambda, l1: s.l1, trainingSize, ...(s.monitor ? { monitor: { dynamics: true } } : {}),
  };
}
