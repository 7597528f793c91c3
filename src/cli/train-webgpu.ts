/**
 * cli/train-webgpu — what training on the GPU (`--backend webgpu`, or `auto` where a GPU can be had)
 * adds to a run: which settings the GPU trainer cannot take (the learning rules other than backprop,
 * feedback alignment and direct feedback alignment), and the run's settings as options of the
 * library's `fitWebGpu` (the same loop as `fit`, with its events, checkpoints, Ctrl-C, resume and
 * both monitors).
 */
import { GPU_RULES, type FitWebGpuOptions } from '../index.js';
import { UsageError } from './common.js';

/** What the GPU run needs of the run's configuration. */
export interface GpuRunSettings {
  eta: number;
  momentum: number;
  lambda: number;
  l1: number;
  optimizer: string;
  monitor: boolean;
  alignment: boolean;
  rule: string;
}

/** The settings of this run that the GPU trainer does not run, by flag (empty: it runs on the GPU). */
export function gpuRefusals(s: GpuRunSettings): string[] {
  const refused: string[] = [];
  if (!GPU_RULES.includes(s.rule)) refused.push(`--rule ${s.rule} (the GPU trainer runs ${GPU_RULES.join(', ')})`);
  return refused;
}

/** Refuse the settings the GPU trainer does not run, naming their flags (for --backend webgpu). */
export function checkGpuSettings(s: GpuRunSettings): void {
  const refused = gpuRefusals(s);
  if (refused.length > 0) throw new UsageError(`--backend webgpu cannot be combined with: ${refused.join('; ')}`);
}

/**
 * fitWebGpu's options for this run: sgd, momentum or Adam (optim's defaults β1 0.9, β2 0.999,
 * ε 1e-8, as the CPU run's), with L2 as (λ/n)·w and L1 as (λ₁/n)·sgn(w), and the dynamics and
 * alignment monitors (every 10th batch, as the CPU run's).
 */
export function gpuOptions(s: GpuRunSettings, trainingSize: number): Pick<FitWebGpuOptions, 'eta' | 'momentum' | 'adam' | 'lambda' | 'l1' | 'trainingSize' | 'monitor'> {
  return {
    eta: s.eta, momentum: s.optimizer === 'momentum' ? s.momentum : 0, ...(s.optimizer === 'adam' ? { adam: {} } : {}),
    lambda: s.lambda, l1: s.l1, trainingSize, ...(s.monitor || s.alignment ? { monitor: { dynamics: s.monitor, alignment: s.alignment } } : {}),
  };
}
