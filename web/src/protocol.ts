/**
 * web/protocol — the messages between the page and the training worker. The worker owns the model
 * being trained; the page receives snapshots of its parameters and the training records.
 */
import type { EpochRecord, ModelSpec } from 'glassbox';
import type { CostChoice, DataName, HiddenActivation, OptimizerChoice } from './state.js';

/** Hyper-parameters that may change while training continues. */
export interface Hyper {
  optimizer: OptimizerChoice;
  /** Learning rate η. */
  eta: number;
  /** L2 strength λ. */
  lambda: number;
}

/** Everything the worker needs to build the data and a fresh model. */
export interface Setup extends Hyper {
  /** Chosen by the page; every message about this setup carries it, so late ones from an old setup are ignored. */
  id: number;
  data: DataName;
  noise: number;
  seed: number;
  /** Nielsen's sizes, input first. */
  sizes: number[];
  activation: HiddenActivation;
  cost: CostChoice;
  batch: number;
  /** Start from these parameters (a loaded model) instead of a seeded initialisation; W2, b2, W3, … */
  params?: Float32Array[];
  /** The loaded model's own architecture, when the settings cannot describe it exactly. */
  spec?: ModelSpec;
  /** Absolute URL of the folder holding the MNIST files (workers resolve URLs against their own). */
  mnistBase: string;
}

/** Page → worker. */
export type ToWorker =
  | { type: 'setup'; setup: Setup }
  | { type: 'play' }
  | { type: 'pause' }
  | { type: 'step'; count: number }
  | { type: 'hyper'; hyper: Hyper };

/** One epoch's record, with the training-set accuracy the explorer adds for small sets. */
export interface EpochPoint {
  record: EpochRecord;
  /** Accuracy on the training set (toy sets only: cheap there). */
  trainAccuracy?: number;
}

/** Worker → page: a message about the setup with id `setup`. */
export type FromWorker = { setup: number } & (
  | {
      type: 'progress';
      /** Global step (mini-batches done). */
      step: number;
      /** Epochs completed. */
      epoch: number;
      /** Batch costs since the last message; the first belongs to step `firstStep`. */
      costs: number[];
      firstStep: number;
      /** The model's parameters now (W2, b2, W3, …), copies. */
      params: Float32Array[];
      running: boolean;
    }
  | { type: 'ready'; trainCount: number; testCount: number; batchesPerEpoch: number }
  | { type: 'epoch'; point: EpochPoint }
  | { type: 'error'; message: string; diverged: boolean }
);
