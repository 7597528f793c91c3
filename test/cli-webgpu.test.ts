// glassbox train --backend webgpu: takes every training flag (optimisers, L1, checkpoints, the
// feedback rules, both monitors), and where no WebGPU exists (Node without the 'webgpu' package, as here and in CI) fails
// with the library's clear message (exit 1) and writes nothing. The GPU run itself (fitWebGpu:
// checkpoints, stop and resume, equality with fit) is tested on SwiftShader in test/browser-webgpu
// and measured on a GPU by scripts/gpu-bench.sh.
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gpuOptions, gpuRefusals } from '../src/cli/train-webgpu.js';
import { runCli } from './cli-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'glassbox-cli-webgpu-'));
const TOY = ['--data', 'gauss', '--layers', '4', '--epochs', '1', '--quiet'];

describe('glassbox train --backend webgpu', () => {
  it.skipIf((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu !== undefined)('takes --optimizer adam and --l1 (the GPU trainer runs both); without WebGPU exit 1, nothing written', async () => {
    const r = await runCli(['train', ...TOY, '--backend', 'webgpu', '--optimizer', 'adam', '--l1', '0.1', '--out', join(dir, 'a.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/cannot be combined/);
    expect(r.stderr).toMatch(/WebGPU is not available/);
    expect(existsSync(join(dir, 'a.json'))).toBe(false);
  });

  it.skipIf((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu !== undefined)('says plainly that WebGPU is missing, exit 1, nothing written', async () => {
    const r = await runCli(['train', ...TOY, '--backend', 'webgpu', '--out', join(dir, 'b.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/WebGPU is not available: navigator\.gpu is undefined and the 'webgpu' package is not installed/);
    expect(existsSync(join(dir, 'b.json'))).toBe(false);
  });

  it.skipIf((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu !== undefined)('takes --checkpoint-dir; without WebGPU it fails before writing a checkpoint', async () => {
    const ckpt = join(dir, 'ckpt');
    const r = await runCli(['train', ...TOY, '--backend', 'webgpu', '--momentum', '0.5', '--optimizer', 'momentum', '--checkpoint-dir', ckpt, '--out', join(dir, 'd.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/cannot be combined/);
    expect(r.stderr).toMatch(/WebGPU is not available/);
    expect(existsSync(join(dir, 'd.json'))).toBe(false);
    expect(existsSync(ckpt) ? readdirSync(ckpt).filter((f) => f.startsWith('checkpoint-')) : []).toEqual([]);
  });

  it.skipIf((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu !== undefined)('takes --rule feedback-alignment --monitor dynamics,alignment (the GPU measures both); without WebGPU exit 1, nothing written', async () => {
    const r = await runCli(['train', ...TOY, '--backend', 'webgpu', '--rule', 'feedback-alignment', '--monitor', 'dynamics,alignment', '--out', join(dir, 'e.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/cannot be combined/);
    expect(r.stderr).toMatch(/WebGPU is not available/);
    expect(existsSync(join(dir, 'e.json'))).toBe(false);
  });

  it('the GPU run takes both monitors and the feedback rules; it refuses the other rules by flag', () => {
    const settings = { eta: 2, momentum: 0, lambda: 0, l1: 0, optimizer: 'sgd', monitor: true, alignment: true, rule: 'direct-feedback-alignment' };
    expect(gpuRefusals(settings)).toEqual([]);
    expect(gpuOptions(settings, 100).monitor).toEqual({ dynamics: true, alignment: true });
    expect(gpuOptions({ ...settings, monitor: false }, 100).monitor).toEqual({ dynamics: false, alignment: true });
    expect(gpuOptions({ ...settings, monitor: false, alignment: false }, 100).monitor).toBeUndefined();
    expect(gpuRefusals({ ...settings, rule: 'weight-perturbation' })).toEqual(['--rule weight-perturbation (the GPU trainer runs backprop, feedback-alignment, direct-feedback-alignment)']);
  });

  it('lists webgpu and wasm among the backends when one is unknown', async () => {
    const r = await runCli(['train', ...TOY, '--backend', 'nope', '--out', join(dir, 'c.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown backend 'nope', expected one of: auto, webgpu, wasm/);
  });
});
