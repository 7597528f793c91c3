/**
 * cli/train-webgpu — `glassbox train --backend webgpu`: the same run on the GPU through the
 * library's WebGPU dense trainer (model and data uploaded once, a few fused dispatches per
 * mini-batch, metrics read back once per epoch), then the trained weights copied back into the
 * model so evaluation, saving and every explain tool work as after a CPU run.
 */
import {
  Rng, createWebGpuTrainer, evaluate, type Dataset, type EpochRecord, type Sequential,
} from '../index.js';
import { UsageError } from './common.js';

/** What the GPU run needs of the run's configuration. */
export interface GpuRunSettings {
  epochs: number;
  batch: number;
  eta: number;
  momentum: number;
  lambda: number;
  l1: number;
  optimizer: string;
}

/** Refuse the flags the GPU trainer does not support, naming them. */
export function checkGpuSettings(s: GpuRunSettings, other: { resume: boolean; checkpointDir: boolean; monitor: boolean }): void {
  const refused: string[] = [];
  if (s.optimizer === 'adam') refused.push('--optimizer adam (the GPU trainer runs SGD and momentum)');
  if (s.l1 > 0) refused.push('--l1 (the GPU trainer has L2 only)');
  if (other.resume) refused.push('--resume');
  if (other.checkpointDir) refused.push('--checkpoint-dir');
  if (other.monitor) refused.push('--monitor dynamics');
  if (refused.length > 0) throw new UsageError(`--backend webgpu cannot be combined with: ${refused.join('; ')}`);
}

/**
 * Train `model` on the GPU, one `runEpoch` per epoch with a seeded permutation, reporting each
 * epoch like `fit` does (validation evaluated on the CPU from the copied-back weights).
 * @throws UnsupportedError (from the library) when WebGPU is not available here.
 */
export async function fitOnGpu(
  model: Sequential, train: Dataset, validation: Dataset | undefined, s: GpuRunSettings, rng: Rng,
  onEpoch: (record: EpochRecord) => void, signal: AbortSignal,
): Promise<{ history: EpochRecord[]; stopped: boolean }> {
  const trainer = await createWebGpuTrainer(model, train, {
    batchSize: s.batch, eta: s.eta, momentum: s.optimizer === 'momentum' ? s.momentum : 0, lambda: s.lambda,
  });
  const history: EpochRecord[] = [];
  try {
    for (let epoch = 1; epoch <= s.epochs; epoch++) {
      if (signal.aborted) return { history, stopped: true };
      const r = await trainer.runEpoch(rng.permutation(train.labels.length));
      await trainer.copyToModel(model);
      const record: EpochRecord = { epoch, trainCost: r.cost, seconds: r.seconds };
      if (validation) record.validation = evaluate(model, validation);
      history.push(record);
      onEpoch(record);
    }
    return { history, stopped: false };
  } finally {
    trainer.destroy();
  }
}
