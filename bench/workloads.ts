/**
 * bench/workloads — the three training workloads of the performance issue, defined once so every
 * engine (glassbox, the plain JS loop, TensorFlow.js, numpy) runs exactly the same thing.
 */

/** One benchmark workload. */
export interface Workload {
  id: 'W1' | 'W2' | 'W3';
  title: string;
  sizes: number[];
  hidden: 'sigmoid' | 'relu';
  output: 'sigmoid' | 'softmax';
  cost: 'quadratic' | 'cross-entropy' | 'log-likelihood';
  init: 'large' | 'default' | 'he';
  batch: number;
  eta: number;
  lambda: number;
  momentum: number;
}

export const WORKLOADS: Workload[] = [
  {
    id: 'W1', title: '[784,30,10] sigmoid, quadratic, N(0,1), batch 10, η=3.0 (Nielsen ch.1)',
    sizes: [784, 30, 10], hidden: 'sigmoid', output: 'sigmoid', cost: 'quadratic', init: 'large', batch: 10, eta: 3.0, lambda: 0, momentum: 0,
  },
  {
    id: 'W2', title: '[784,100,10] sigmoid, cross-entropy, N(0,1/n), L2 λ=5, batch 10, η=0.5 (Nielsen ch.3)',
    sizes: [784, 100, 10], hidden: 'sigmoid', output: 'sigmoid', cost: 'cross-entropy', init: 'default', batch: 10, eta: 0.5, lambda: 5, momentum: 0,
  },
  {
    id: 'W3', title: '[784,256,128,10] ReLU, softmax + log-likelihood, He, batch 128, momentum 0.9, lr 0.05',
    sizes: [784, 256, 128, 10], hidden: 'relu', output: 'softmax', cost: 'log-likelihood', init: 'he', batch: 128, eta: 0.05, lambda: 0, momentum: 0.9,
  },
];
