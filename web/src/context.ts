/**
 * web/context — what the page's panels share: the current model snapshot, the example being
 * explained, its trace (from the library), and the way back to change the state.
 */
import type { Sequential, TraceReport } from 'glassbox';
import type { NetworkView, ViewValues } from './network-view.js';
import type { State } from './state.js';

/** The example being explained: a test example, or the user's drawing. */
export interface Example {
  /** a^1 = x  // [n_1] */
  x: Float32Array;
  /** The target class (for a drawing: the class the user says it is, or the prediction). */
  label: number;
  source: 'test' | 'drawing';
  /** Index in the test set (source 'test'). */
  index: number;
}

/** Everything a panel needs to draw itself. */
export interface Snapshot {
  model: Sequential;
  /** Bumped for every new model snapshot (panels cache on it). */
  version: number;
  example: Example;
  /** The library's trace of the example (z, a, δ, ∂C/∂b, ∂C/∂w per layer). */
  trace: TraceReport;
  values: ViewValues;
  state: State;
  /** [rows, cols] when inputs are images (MNIST), else null. */
  imageShape: [number, number] | null;
  /** Whether training is running (panels skip expensive work and animations then). */
  running: boolean;
}

/** What panels may ask of the app. */
export interface AppApi {
  /** Change part of the state (updates the URL and redraws). */
  set(patch: Partial<State>): void;
  view: NetworkView;
}

/** The trace as the network view wants it. */
export function valuesFromTrace(t: TraceReport): ViewValues {
  return {
    a: [t.input, ...t.layers.map((l) => l.a)],
    z: t.layers.map((l) => l.z),
    delta: t.layers.map((l) => l.delta),
    dW: t.layers.map((l) => l.dW),
    cost: t.costValue,
  };
}
