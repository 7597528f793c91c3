/**
 * web/protocol — the messages between the page and its workers. The training worker owns the model
 * being trained; the page receives snapshots of its parameters and the training records. The
 * comparison worker runs the "Beyond backprop" tab's learning rules and sends their curves.
 */
import type { EpochRecord, ModelSpec, RuleName } from 'glassbox';
import type { BackendName, CostChoice, DataName, HiddenActivation, OptimizerChoice, TrainRuleChoice } from './state.js';

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
  /** The learning rule (its fixed matrices are drawn from the seed, as `fit` draws them). */
  rule: TrainRuleChoice;
  /** Start from these parameters (a loaded model) instead of a seeded initialisation; W2, b2, W3, … */
  params?: Float32Array[];
  /** The loaded model's own architecture, when the settings cannot describe it exactly. */
  spec?: ModelSpec;
  /** Where to train (the worker falls back to wasm, saying why, when WebGPU cannot be used). */
  backend: BackendName;
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
  | {
      type: 'backend';
      /** The backend training actually runs on. */
      backend: 'webgpu' | 'wasm' | 'js';
      /** Why it is not the one asked for (what is missing), or null. */
      note: string | null;
      /** Threads the wasm kernels use (wasmInfo().threads: 2 with a helper Web Worker); 1 for js and webgpu. */
      threads: number;
    }
  | { type: 'error'; message: string; diverged: boolean }
);

// ── The "Beyond backprop" comparison (web/src/compare-worker.ts) ───────────────────────────────

/** One rule to run in a comparison, with its learning rate. */
export interface CompareRuleChoice {
  /** A name from the library's `RULE_NAMES`. */
  rule: RuleName;
  /** Learning rate η of this rule's optimiser. */
  eta: number;
}

/** A comparison: every rule from the same initial weights, on the same batches, for the same budget. */
export interface CompareRun {
  /** Chosen by the page; every message about this run carries it. */
  id: number;
  /** The network, data and optimiser settings (η per rule below). */
  setup: Setup;
  rules: CompareRuleChoice[];
  /** Training examples each rule sees. */
  budget: number;
  /** The accuracy whose data cost ("examples to target") is measured, in (0, 1]. */
  target: number;
}

/** One point of a learning curve. */
export interface ComparePoint {
  /** Training examples seen so far. */
  examples: number;
  /** Accuracy on the curve's test examples. */
  accuracy: number;
  /**
   * The angle (degrees) between the rule's update of W2 and backprop's ∂C/∂W2, on the first training
   * rows at the weights of this point; null where it is not measured (forward-forward).
   */
  angle: number | null;
}

/** The outcome of one rule. */
export interface CompareOutcome {
  rule: RuleName;
  eta: number;
  /** Accuracy on the whole test set at the end; null when the rule failed. */
  testAccuracy: number | null;
  /** Examples seen when the curve first reached the target; null: never. */
  examplesToTarget: number | null;
  /** Training seconds, wall clock, curve measurements excluded. */
  seconds: number;
  examples: number;
  steps: number;
  /** Forward passes over a mini-batch, summed over the steps (the rule's own count). */
  forwardPasses: number;
  /** Backward passes over a mini-batch, summed over the steps (the rule's own count). */
  backwardPasses: number;
  /** Why the rule stopped or could not start (divergence, a network it cannot train); null when it ran its budget. */
  failure: string | null;
  curve: ComparePoint[];
}

/** Page → comparison worker. */
export type ToCompare = { type: 'run'; run: CompareRun };

/** Comparison worker → page, about the run with id `run`. */
export type FromCompare = { run: number } & (
  | { type: 'start'; rule: RuleName; testCount: number; curveCount: number }
  | { type: 'point'; rule: RuleName; point: ComparePoint }
  | { type: 'result'; outcome: CompareOutcome }
  | { type: 'done' }
  | { type: 'error'; message: string }
);
