/**
 * data/toy — the four 2-D classification sets of TensorFlow Playground (circle, xor, gauss,
 * spiral), re-implemented over the seeded `Rng`. Points are generated in the playground's
 * [−6, 6] square and divided by 6, so features lie in about [−1, 1]. Class 1 is the playground's
 * positive (blue) class, class 0 its negative (orange) one.
 */
import { ArgumentError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { datasetFromArrays, type Dataset } from './types.js';

/** Names of the toy sets. */
export const TOY_DATASETS = ['circle', 'xor', 'gauss', 'spiral'] as const;

/** One of the toy set names. */
export type ToyName = (typeof TOY_DATASETS)[number];

/** Options of `toyDataset`. */
export interface ToyOptions {
  /** Number of points; default 500. */
  samples?: number;
  /** Noise level in [0, 0.5], like the playground's slider 0–50; default 0. */
  noise?: number;
  /** Source of randomness; default `new Rng(0)`. */
  rng?: Rng;
}

/** The playground's half-width: its points lie in [−6, 6]². */
const EXTENT = 6;

type Emit = (x: number, y: number, positive: boolean) => void;

function circle(n: number, noise: number, rng: Rng, emit: Emit): void {
  const radius = 5;
  const u = (a: number, b: number): number => a + (b - a) * rng.uniform();
  const half = Math.ceil(n / 2);
  for (let i = 0; i < n; i++) {
    // First half inside radius 2.5, second half in the ring 3.5 … 5; labels from the noisy position.
    const r = i < half ? u(0, radius * 0.5) : u(radius * 0.7, radius);
    const angle = u(0, 2 * Math.PI);
    const x = r * Math.sin(angle);
    const y = r * Math.cos(angle);
    const nx = u(-radius, radius) * noise;
    const ny = u(-radius, radius) * noise;
    emit(x, y, Math.hypot(x + nx, y + ny) < radius * 0.5);
  }
}

function xor(n: number, noise: number, rng: Rng, emit: Emit): void {
  const u = (a: number, b: number): number => a + (b - a) * rng.uniform();
  const padding = 0.3;
  for (let i = 0; i < n; i++) {
    let x = u(-5, 5);
    x += x > 0 ? padding : -padding;
    let y = u(-5, 5);
    y += y > 0 ? padding : -padding;
    const nx = u(-5, 5) * noise;
    const ny = u(-5, 5) * noise;
    emit(x, y, (x + nx) * (y + ny) >= 0);
  }
}

function gauss(n: number, noise: number, rng: Rng, emit: Emit): void {
  // Variance grows linearly from 0.5 (noise 0) to 4 (noise 0.5), as in the playground.
  const std = Math.sqrt(0.5 + (noise / 0.5) * 3.5);
  const half = Math.ceil(n / 2);
  for (let i = 0; i < n; i++) {
    const positive = i < half;
    const c = positive ? 2 : -2;
    emit(rng.normal(c, std), rng.normal(c, std), positive);
  }
}

function spiral(n: number, noise: number, rng: Rng, emit: Emit): void {
  const u = (a: number, b: number): number => a + (b - a) * rng.uniform();
  const arm = (count: number, deltaT: number, positive: boolean): void => {
    for (let i = 0; i < count; i++) {
      const r = (i / count) * 5;
      const t = ((1.75 * i) / count) * 2 * Math.PI + deltaT;
      emit(r * Math.sin(t) + u(-1, 1) * noise, r * Math.cos(t) + u(-1, 1) * noise, positive);
    }
  };
  arm(Math.ceil(n / 2), 0, true);
  arm(Math.floor(n / 2), Math.PI, false);
}

const GENERATORS: Record<ToyName, (n: number, noise: number, rng: Rng, emit: Emit) => void> = { circle, xor, gauss, spiral };

/** True when `name` is one of the toy sets. */
export function isToyName(name: string): name is ToyName {
  return (TOY_DATASETS as readonly string[]).includes(name);
}

/**
 * Generate a toy 2-D set: `samples` points, features [samples, 2] in about [−1, 1], two classes
 * one-hot. The points come in generation order (the caller shuffles when splitting).
 * @throws ArgumentError for an unknown name, a non-integer or < 2 `samples`, or noise outside [0, 0.5].
 */
export function toyDataset(name: ToyName, options: ToyOptions = {}): Dataset {
  if (!isToyName(name)) throw new ArgumentError(`toyDataset: unknown set ${JSON.stringify(name)}; expected one of ${TOY_DATASETS.join(', ')}`);
  const samples = options.samples ?? 500;
  const noise = options.noise ?? 0;
  if (!Number.isInteger(samples) || samples < 2) throw new ArgumentError(`${name}: samples must be an integer ≥ 2, got ${samples}`);
  if (typeof noise !== 'number' || !(noise >= 0 && noise <= 0.5)) {
    throw new ArgumentError(`${name}: noise must be between 0 and 0.5 (the playground's 0–50 %), got ${noise}`);
  }
  const rng = options.rng ?? new Rng(0);
  const x = new Float32Array(samples * 2);
  const labels = new Int32Array(samples);
  let k = 0;
  GENERATORS[name](samples, noise, rng, (px, py, positive) => {
    x[2 * k] = px / EXTENT;
    x[2 * k + 1] = py / EXTENT;
    labels[k] = positive ? 1 : 0;
    k++;
  });
  return datasetFromArrays(x, labels, 2, { name, classes: 2, classNames: ['negative', 'positive'] });
}
