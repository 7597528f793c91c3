/**
 * cli/train-webgpu — what `glassbox train --backend webgpu` adds to a run: the refusal of the flags
 * the GPU trainer cannot take, and the optimiser's numbers for the library's `fitWebGpu` (the same
 * loop as `fit`, with its events, checkpoints, Ctrl-C and resume, on the GPU).
 */
import type { FitWebGpuOptions } from '../index.js';
import { UsageError } from './common.js';

/** What the GPU run needs of the run's configuration. */
export interface GpuRunSettings {
  eta: number;
  momentum: number;
  lambda: number;
  l1: number;
  optimizer: string;
  monitor: boolean;
}

/** Refuse the settings the GPU trainer does not support, naming their flags. */
export function checkGpuSettings(s: GpuRunSettings): void {
  const refused: string[] = [];
  if (s.optimizer === 'adam') refused.push('--optimizer adam (the GPU trainer runs SGD and momentum)');
  if (s.l1 > 0) refused.push('--l1 (the GPU trainer has L2 only)');
  if (s.monitor) refused.push('--monitor dynamics');
  if (refused.length > 0) throw new UsageError(`--backend webgpu cannot be combined with: ${refused.join('; ')}`);
}

/** fitWebGpu's optimiser options for this run: sgd or momentum, with L2 as (λ/n)·w. */
export function gpuOptimizer(s: GpuRunSettings, trainingSize: number): Pick<FitWebGpuOptions, 'eta' | 'momentum' | 'lambda' | 'trainingSize'> {
  return { eta: s.eta, momentum: s.optimizer === 'momentum' ? s.momentum : 0, lambda: s.lambda, trainingSize };
}
