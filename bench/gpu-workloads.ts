/**
 * bench/gpu-workloads — the three workloads of the WebGPU issue and their random data, defined once
 * so that every GPU engine (glassbox's trainer in bench/webgpu.ts, TensorFlow.js's webgpu backend in
 * bench/tfjs-webgpu.ts; PyTorch in scripts/gpu-bench.sh mirrors them) runs exactly the same thing.
 */
import { Rng } from '../src/util/rng.js';

/** One GPU benchmark workload. */
export interface GpuWorkload {
  id: 'W1' | 'W3' | 'W4';
  title: string;
  sizes: number[];
  hidden: 'sigmoid' | 'relu';
  output: 'sigmoid' | 'softmax';
  cost: 'quadratic' | 'log-likelihood';
  init: 'large' | 'he';
  batch: number;
  eta: number;
  momentum: number;
  /** Reference figures quoted in the issue (NVIDIA H200, one epoch), not measured here. */
  quoted: { pytorchCuda: number; tfjsWebgpu: number; target: number };
}

/** W1 (Nielsen's ch. 1 network), W3 (a ReLU MLP) and W4 (a wide one, bound by the matrix multiply). */
export const GPU_WORKLOADS: GpuWorkload[] = [
  {
    id: 'W1', title: '[784,30,10] sigmoid, quadratic, batch 10, η=3', sizes: [784, 30, 10], hidden: 'sigmoid', output: 'sigmoid', cost: 'quadratic',
    init: 'large', batch: 10, eta: 3, momentum: 0, quoted: { pytorchCuda: 5, tfjsWebgpu: 33, target: 0.5 },
  },
  {
    id: 'W3', title: '[784,256,128,10] ReLU, softmax + log-likelihood, batch 128, momentum 0.9', sizes: [784, 256, 128, 10], hidden: 'relu', output: 'softmax',
    cost: 'log-likelihood', init: 'he', batch: 128, eta: 0.05, momentum: 0.9, quoted: { pytorchCuda: 0.5, tfjsWebgpu: 2.8, target: 0.25 },
  },
  {
    id: 'W4', title: '[784,4096,4096,10] ReLU, softmax + log-likelihood, batch 1024, momentum 0.9', sizes: [784, 4096, 4096, 10], hidden: 'relu', output: 'softmax',
    cost: 'log-likelihood', init: 'he', batch: 1024, eta: 0.05, momentum: 0.9, quoted: { pytorchCuda: 0.132, tfjsWebgpu: 0.36, target: 0.13 },
  },
];

/** The benchmark's data: `examples` rows of 784 uniform [0, 1) pixels and labels 0 … 9, from Rng(2024). */
export function randomData(examples: number): { x: Float32Array; labels: Int32Array } {
  const rng = new Rng(2024);
  const x = new Float32Array(examples * 784);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
  const labels = Int32Array.from({ length: examples }, () => rng.int(10));
  return { x, labels };
}
