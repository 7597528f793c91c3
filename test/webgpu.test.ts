/**
 * test/webgpu — the WebGPU backend's Node-side behaviour, no GPU needed: what happens when WebGPU
 * is absent (the error, the `auto` fallback), argument checks of the trainer before any device is
 * requested, and the WGSL generators' binding tables. The kernels themselves are checked against
 * the reference backend in headless Chromium: test/browser-webgpu/run.mjs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sequential } from '../src/nn/model.js';
import { datasetFromArrays } from '../src/data/types.js';
import { fitWebGpu } from '../src/train/fit-webgpu.js';
import { forwardForward } from '../src/rules/forward-forward.js';
import { Rng } from '../src/util/rng.js';
import { jsKernels } from '../src/tensor/kernels/js.js';
import { kernels, registerBackend, setBackend } from '../src/tensor/kernels/registry.js';
import { ArgumentError, ShapeError, UnsupportedError } from '../src/util/errors.js';
import {
  TILES, activationDeltaShader, argmaxShader, autoBackend, chooseTile, isVec4Tile, tileWorkgroupBytes, columnSumsShader, countCorrectShader, createWebGpuTrainer,
  alignmentSumsShader, gatherRowsShader, gemmGrid, gemmShader, gemmVectorLoads, grid, outputShader, pickTile, requestWebGpuDevice, sgdShader, softmaxShader,
  WebGpuContext, type GemmEpilogue, type GpuLike, type ShaderSource, type TileName,
} from '../src/tensor/kernels/webgpu/index.js';

async function webgpuPackageInstalled(): Promise<boolean> {
  try {
    const name = 'webgpu';
    await import(name);
    return true;
  } catch {
    return false;
  }
}
const dawnPresent = await webgpuPackageInstalled();

/** A GPU object whose adapter request is counted and answered with `adapter`. */
function fakeGpu(adapter: unknown = null): GpuLike & { calls: number } {
  const gpu = {
    calls: 0,
    async requestAdapter() {
      gpu.calls++;
      return adapter as never;
    },
  };
  return gpu;
}

afterEach(() => setBackend('js'));

describe('uploads from shared memory', () => {
  it('a SharedArrayBuffer source reaches writeBuffer as unshared copies of ≤ 16 MiB, bytes and offsets intact', async () => {
    const writes: { offset: number; shared: boolean; bytes: Uint8Array }[] = [];
    const device = {
      createBuffer: (d: { size: number }) => ({ size: d.size, destroy() {} }),
      pushErrorScope() {},
      popErrorScope: async () => null,
      lost: new Promise(() => undefined),
      queue: {
        writeBuffer(_buffer: unknown, offset: number, data: ArrayBufferLike, dataOffset = 0, size?: number) {
          const bytes = new Uint8Array(data, dataOffset, size ?? data.byteLength - dataOffset).slice();
          writes.push({ offset, shared: data instanceof SharedArrayBuffer, bytes });
        },
        submit() {},
      },
      destroy() {},
    };
    const ctx = await WebGpuContext.create({ device: device as never });
    const n = 5_000_003; // 20 MB: two slices, the second short
    const source = new Float32Array(new SharedArrayBuffer(4 * (n + 2)), 8, n);
    for (let i = 0; i < n; i++) source[i] = (i % 1000) - 0.5;
    writes.length = 0;
    ctx.writeBytes({} as never, 256, source);
    expect(writes.map((w) => [w.offset, w.bytes.length, w.shared])).toEqual([[256, 2 ** 24, false], [256 + 2 ** 24, 4 * n - 2 ** 24, false]]);
    const joined = new Uint8Array(4 * n);
    joined.set(writes[0].bytes, 0);
    joined.set(writes[1].bytes, 2 ** 24);
    expect(new Float32Array(joined.buffer)).toEqual(source.slice());
    // An ordinary array still goes in one write, as it is.
    writes.length = 0;
    ctx.writeBytes({} as never, 0, new Float32Array([1, 2, 3]));
    expect(writes.map((w) => [w.offset, w.bytes.length, w.shared])).toEqual([[0, 12, false]]);
  });
});

describe('when WebGPU is absent', () => {
  it.skipIf(dawnPresent)('requestWebGpuDevice names what is missing, as an UnsupportedError', async () => {
    const err = await requestWebGpuDevice().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedError);
    expect((err as Error).message).toBe(
      "WebGPU is not available: navigator.gpu is undefined and the 'webgpu' package is not installed (npm install webgpu)",
    );
    expect((err as UnsupportedError).problems).toEqual(['navigator.gpu is undefined', "the 'webgpu' package is not installed (npm install webgpu)"]);
  });

  it('an adapter-less GPU object is reported with what was tried', async () => {
    const gpu = fakeGpu(null);
    const err = await requestWebGpuDevice({ gpu }).catch((e: unknown) => e);
    expect(gpu.calls).toBe(1);
    expect(err).toBeInstanceOf(UnsupportedError);
    expect((err as Error).message).toMatch(/^WebGPU is not available: options\.gpu\.requestAdapter\(\) returned no adapter/);
  });

  it('a device the caller gives is used as it is and stays the caller\'s', async () => {
    const device = { marker: 1 } as never;
    const got = await requestWebGpuDevice({ device });
    expect(got.device).toBe(device);
    expect(got.owned).toBe(false);
    expect(got.info.source).toBe('given');
  });

  it.skipIf(dawnPresent)('auto falls back to js when wasm cannot load either, listing both reasons, and activates it', async () => {
    setBackend('reference');
    const choice = await autoBackend({ initWasm: () => Promise.reject(new UnsupportedError('wasm backend: no SIMD')) });
    expect(choice.backend).toBe('js');
    expect(choice.gpu).toBeNull();
    expect(choice.cpu).toBe('js');
    expect(choice.reasons).toEqual([
      "webgpu: WebGPU is not available: navigator.gpu is undefined and the 'webgpu' package is not installed (npm install webgpu)",
      'wasm: wasm backend: no SIMD',
    ]);
    expect(kernels().name).toBe('js');
  });

  it('auto falls back to wasm when it registers, and can leave the active backend alone', async () => {
    setBackend('reference');
    const choice = await autoBackend({
      webgpu: false,
      activate: false,
      initWasm: async () => registerBackend({ ...jsKernels, name: 'wasm' }),
    });
    expect(choice).toMatchObject({ backend: 'wasm', cpu: 'wasm', gpu: null, reasons: ['webgpu: not requested'] });
    expect(kernels().name).toBe('reference');
  });

  it('auto passes over a software adapter (SwiftShader) unless asked for one, saying why', async () => {
    const buffer = (size: number) => ({ size, mapAsync: async () => {}, getMappedRange: () => new ArrayBuffer(size), unmap() {}, destroy() {} });
    let destroyed = 0;
    const device = {
      limits: { minUniformBufferOffsetAlignment: 256 },
      queue: { writeBuffer() {}, submit() {}, onSubmittedWorkDone: async () => {} },
      lost: new Promise(() => {}),
      createBuffer: (d: { size: number }) => buffer(d.size),
      pushErrorScope() {},
      popErrorScope: async () => null,
      destroy() {
        destroyed++;
      },
    };
    const adapter = { limits: {}, isFallbackAdapter: true, info: { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader' }, requestDevice: async () => device };
    const wasm = async () => registerBackend({ ...jsKernels, name: 'wasm' });
    const passed = await autoBackend({ device: { gpu: fakeGpu(adapter) }, initWasm: wasm, activate: false });
    expect(passed.gpu).toBeNull();
    expect(passed.backend).toBe('wasm');
    expect(passed.reasons[0]).toMatch(/^webgpu: the only adapter is a software one \(google swiftshader SwiftShader \(gpu option, software\)\), slower than the CPU engine$/);
    expect(destroyed).toBe(1); // the device it made is released
    const taken = await autoBackend({ device: { gpu: fakeGpu(adapter) }, initWasm: wasm, activate: false, software: true });
    expect(taken.backend).toBe('webgpu');
    expect(taken.gpu?.info.fallback).toBe(true);
    taken.gpu?.destroy();
  });

  it('auto does not swallow errors other than "not available"', async () => {
    const device = {
      limits: { minUniformBufferOffsetAlignment: 256 },
      lost: new Promise(() => {}),
      createBuffer() {
        throw new TypeError('createBuffer broke');
      },
    };
    const adapter = { limits: {}, requestDevice: async () => device };
    await expect(autoBackend({ device: { gpu: fakeGpu(adapter) }, initWasm: async () => {} })).rejects.toThrow(TypeError);
  });
});

describe('fitWebGpu before the GPU', () => {
  const data = datasetFromArrays(new Float32Array(6 * 4).fill(0.5), Int32Array.from([0, 1, 2, 0, 1, 2]), 4, { name: 'tiny', classes: 3 });
  const model = sequential({ sizes: [4, 5, 3], activation: 'relu', output: 'softmax', cost: 'log-likelihood', rng: 1 });

  it('refuses bad loop options, naming them', async () => {
    await expect(fitWebGpu(model, data, { epochs: 0, batchSize: 2, eta: 1 })).rejects.toThrow(/fitWebGpu: epochs must be an integer ≥ 1, got 0/);
    await expect(fitWebGpu(model, data, { epochs: 1, batchSize: 2, eta: 1, batchesPerCall: 0 })).rejects.toThrow(/batchesPerCall must be an integer ≥ 1, got 0/);
    await expect(fitWebGpu(model, data, { epochs: 1, batchSize: 2, eta: 1, secondsPerCall: -1 })).rejects.toThrow(/secondsPerCall must be a number > 0, got -1/);
    await expect(fitWebGpu(model, data, { epochs: 1, batchSize: 2, eta: 1, monitor: { dynamics: true, every: 0 } })).rejects.toThrow(/fitWebGpu: monitor.every must be an integer ≥ 1, got 0/);
    await expect(fitWebGpu(model, data, { epochs: 1, batchSize: 2, eta: 1, monitor: { alignment: true, every: 2.5 } })).rejects.toThrow(/fitWebGpu: monitor.every must be an integer ≥ 1, got 2.5/);
    await expect(fitWebGpu(model, data, { epochs: 1, batchSize: 2, eta: 1, monitor: { alignment: true } }))
      .rejects.toThrow(/fitWebGpu: monitor.alignment compares a rule's updates with backprop's gradient; with backprop itself there is nothing to compare/);
  });

  it('refuses a learning rule the GPU trainer does not run, before touching the Rng', async () => {
    const rng = new Rng(3);
    const before = JSON.stringify(rng.state());
    await expect(fitWebGpu(model, data, { epochs: 1, batchSize: 2, eta: 1, rng, rule: forwardForward() }))
      .rejects.toThrow(/fitWebGpu: the GPU trainer runs backprop, feedback-alignment, direct-feedback-alignment, not 'forward-forward' \(train it with fit\)/);
    expect(JSON.stringify(rng.state())).toBe(before);
  });

  it('refuses to resume a state kept by another optimiser', async () => {
    const state = { epoch: 0, batchInEpoch: 0, step: 0, epochRng: new Rng(1).state(), rng: new Rng(1).state(), optimizer: { step: 0, buffers: model.parameters().map(() => []) }, epochCostSum: 0, epochSeconds: 0, history: [] };
    await expect(fitWebGpu(model, data, { epochs: 1, batchSize: 2, eta: 1, momentum: 0.9, resume: state })).rejects.toThrow(/keeps 0 buffers for parameter 0; SGD with momentum keeps 1/);
  });

  it.skipIf(dawnPresent)('without WebGPU throws UnsupportedError and leaves the caller\'s Rng as it was (so a caller can fall back to fit)', async () => {
    const rng = new Rng(3);
    const before = JSON.stringify(rng.state());
    await expect(fitWebGpu(model, data, { epochs: 1, batchSize: 2, eta: 0.1, rng })).rejects.toThrow(UnsupportedError);
    expect(JSON.stringify(rng.state())).toBe(before);
  });
});

describe('createWebGpuTrainer checks its arguments before asking for a device', () => {
  const data = datasetFromArrays(new Float32Array(6 * 4).fill(0.5), Int32Array.from([0, 1, 2, 0, 1, 2]), 4, { name: 'tiny', classes: 3 });
  const model = sequential({ sizes: [4, 5, 3], activation: 'relu', output: 'softmax', cost: 'log-likelihood', rng: 1 });
  const bad: [string, () => Parameters<typeof createWebGpuTrainer>, typeof ArgumentError, RegExp][] = [
    ['batch size 0', () => [model, data, { batchSize: 0, eta: 1 }], ArgumentError, /batchSize must be an integer ≥ 1, got 0/],
    ['negative eta', () => [model, data, { batchSize: 2, eta: -1 }], ArgumentError, /eta must be a positive number, got -1/],
    ['momentum 1', () => [model, data, { batchSize: 2, eta: 1, momentum: 1 }], ArgumentError, /momentum must be in \[0, 1\), got 1/],
    ['NaN lambda', () => [model, data, { batchSize: 2, eta: 1, lambda: NaN }], ArgumentError, /lambda must be a number ≥ 0, got NaN/],
    ['negative l1', () => [model, data, { batchSize: 2, eta: 1, l1: -0.5 }], ArgumentError, /l1 must be a number ≥ 0, got -0.5/],
    ['Adam with momentum', () => [model, data, { batchSize: 2, eta: 1, momentum: 0.9, adam: {} }], ArgumentError, /momentum \(0.9\) and adam cannot be combined/],
    ['Adam with β1 = 1', () => [model, data, { batchSize: 2, eta: 1, adam: { beta1: 1 } }], ArgumentError, /adam.beta1 must be in \[0, 1\), got 1/],
    ['Adam with ε = 0', () => [model, data, { batchSize: 2, eta: 1, adam: { epsilon: 0 } }], ArgumentError, /adam.epsilon must be a positive number, got 0/],
    ['monitorEvery 1.5', () => [model, data, { batchSize: 2, eta: 1, monitorEvery: 1.5 }], ArgumentError, /monitorEvery must be an integer ≥ 1, got 1.5/],
    ['alignEvery 0', () => [model, data, { batchSize: 2, eta: 1, alignEvery: 0 }], ArgumentError, /alignEvery must be an integer ≥ 1, got 0/],
    ['alignEvery without feedback (backprop: nothing to compare)', () => [model, data, { batchSize: 2, eta: 1, alignEvery: 1 }], ArgumentError, /alignEvery compares a rule's updates with backprop's gradient; without feedback the trainer runs backprop itself/],
    ['an unknown feedback rule', () => [model, data, { batchSize: 2, eta: 1, feedback: { rule: 'nope' as never, matrices: [null, null] } }], ArgumentError, /feedback.rule must be 'feedback-alignment' or 'direct-feedback-alignment', got 'nope'/],
    ['feedback matrices for too few layers', () => [model, data, { batchSize: 2, eta: 1, feedback: { rule: 'feedback-alignment', matrices: [null] } }], ArgumentError, /feedback.matrices must have one entry per weight layer \(2\), got 1/],
    [
      'a feedback-alignment matrix of the wrong shape',
      () => [model, data, { batchSize: 2, eta: 1, feedback: { rule: 'feedback-alignment', matrices: [null, { shape: [5, 3], dataSync: () => new Float32Array(15) }] } }],
      ShapeError, /feedback-alignment needs B3 of shape \[3, 5\], got \[5, 3\]/,
    ],
    [
      'a missing direct-feedback matrix',
      () => [model, data, { batchSize: 2, eta: 1, feedback: { rule: 'direct-feedback-alignment', matrices: [null, null] } }],
      ShapeError, /direct-feedback-alignment needs B2 of shape \[3, 5\], got null/,
    ],
    ['data of another width', () => [sequential({ sizes: [5, 3], rng: 1 }), data, { batchSize: 2, eta: 1 }], ShapeError, /training data inputs must be \[n, 5\] .* got \[6, 4\]/],
    ['targets of another width', () => [sequential({ sizes: [4, 2], rng: 1 }), data, { batchSize: 2, eta: 1 }], ShapeError, /targets must be \[6, 2\] .* got \[6, 3\]/],
    [
      'a label outside the classes',
      () => [model, { x: data.x, y: data.y, labels: Int32Array.from([0, 1, 2, 3, 0, 0]) }, { batchSize: 2, eta: 1 }],
      ArgumentError, /label 3 of row 3 is outside 0…2/,
    ],
    [
      'softmax on a hidden layer',
      () => [{ layers: [{ ...model.layers[0], activation: { name: 'softmax' } }, model.layers[1]], cost: model.cost }, data, { batchSize: 2, eta: 1 }],
      ArgumentError, /unsupported activation 'softmax' on hidden layer 2/,
    ],
    [
      'cross-entropy on a softmax output',
      () => [{ layers: model.layers, cost: { name: 'cross-entropy' } }, data, { batchSize: 2, eta: 1 }],
      ArgumentError, /cross-entropy cost needs a sigmoid output layer, got softmax/,
    ],
    ['an unknown cost', () => [{ layers: model.layers, cost: { name: 'hinge' } }, data, { batchSize: 2, eta: 1 }], ArgumentError, /unsupported cost 'hinge'/],
    ['an unknown tile', () => [model, data, { batchSize: 2, eta: 1, tiles: 'giant' as TileName }], ArgumentError, /unknown tile 'giant'/],
    ['a tile map to an unknown tile', () => [model, data, { batchSize: 2, eta: 1, tiles: { huge: 'giant' as TileName } }], ArgumentError, /tiles maps 'huge' to 'giant'/],
  ];
  for (const [what, args, ErrorClass, message] of bad) {
    it(`refuses ${what}`, async () => {
      const gpu = fakeGpu(null);
      const [m, d, o] = args();
      const err = await createWebGpuTrainer(m, d, { ...o, device: { gpu } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ErrorClass);
      expect((err as Error).message).toMatch(message);
      expect(gpu.calls).toBe(0);
    });
  }

  it('with good arguments and no WebGPU, says WebGPU is not available', async () => {
    const gpu = fakeGpu(null);
    const err = await createWebGpuTrainer(model, data, { batchSize: 2, eta: 1, device: { gpu } }).catch((e: unknown) => e);
    expect(gpu.calls).toBe(1);
    expect(err).toBeInstanceOf(UnsupportedError);
  });
});

describe('WGSL generators', () => {
  /** Each declared binding is numbered 0, 1, 2, … in order and matches the declared kind. */
  function checkBindings(s: ShaderSource): void {
    const decls = [...s.code.matchAll(/@group\(0\) @binding\((\d+)\) var<(uniform|storage, read|storage, read_write)>/g)];
    expect(decls.map((d) => Number(d[1]))).toEqual(s.bindings.map((_, i) => i));
    decls.forEach((d, i) => {
      const kind = s.bindings[i];
      const expected = kind === 'uniform' || kind === 'step' ? 'uniform' : kind === 'read' ? 'storage, read' : 'storage, read_write';
      expect(d[2]).toBe(expected);
    });
    expect(s.code).toContain('fn main(');
  }

  it('every matrix-multiply variant declares its bindings in order, with a distinct cache key', () => {
    const epilogues: GemmEpilogue[] = [
      { kind: 'store', accumulate: false }, { kind: 'store', accumulate: true },
      { kind: 'bias-act', act: 'relu', storeZ: true }, { kind: 'bias-act', act: 'sigmoid', storeZ: false },
      { kind: 'act-prime', act: 'tanh' },
      { kind: 'update', momentum: true, decay: true }, { kind: 'update', momentum: false, decay: false },
    ];
    const keys = new Set<string>();
    let count = 0;
    for (const tile of Object.keys(TILES) as TileName[]) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          for (const epilogue of epilogues) {
            const s = gemmShader({ transA, transB, tile, epilogue, rowMapA: transA ? 'none' : 'gather', rowMapB: transB ? 'none' : 'offset' });
            checkBindings(s);
            keys.add(s.key);
            count++;
          }
        }
      }
    }
    expect(keys.size).toBe(count);
    const update = gemmShader({ transA: true, transB: false, tile: 'small', rowMapB: 'gather', epilogue: { kind: 'update', momentum: true, decay: true } });
    expect(update.bindings).toEqual(['uniform', 'step', 'read', 'read', 'read', 'rw', 'rw', 'rw', 'rw']);
  });

  it('refuses a row map on a transposed operand', () => {
    expect(() => gemmShader({ transA: true, transB: false, tile: 'small', rowMapA: 'gather', epilogue: { kind: 'store', accumulate: false } })).toThrow(ArgumentError);
  });

  it('the output kernel exists for each valid cost/activation pair and refuses the others', () => {
    for (const [cost, act] of [['quadratic', 'softmax'], ['cross-entropy', 'sigmoid'], ['log-likelihood', 'softmax'], ['quadratic', 'relu']] as const) {
      for (const writeDelta of [false, true]) checkBindings(outputShader({ cost, act, writeDelta, rowMap: 'gather' }));
    }
    expect(() => outputShader({ cost: 'cross-entropy', act: 'softmax', writeDelta: true, rowMap: 'none' })).toThrow(/needs a sigmoid output, got softmax/);
    expect(() => outputShader({ cost: 'log-likelihood', act: 'sigmoid', writeDelta: true, rowMap: 'none' })).toThrow(/needs a softmax output, got sigmoid/);
  });

  it('the alignment monitor declares its bindings in order (the permutation only for the first layer\'s gathered input)', () => {
    const gather = alignmentSumsShader('gather');
    const plain = alignmentSumsShader('none');
    for (const s of [gather, plain]) checkBindings(s);
    expect(gather.bindings).toEqual(['uniform', 'step', 'read', 'read', 'read', 'read', 'rw']);
    expect(plain.bindings).toEqual(['uniform', 'step', 'read', 'read', 'read', 'rw']);
    expect(gather.key).not.toBe(plain.key);
  });

  it('the one-dimensional kernels declare their bindings in order', () => {
    for (const s of [
      activationDeltaShader('tanh'), columnSumsShader(true), sgdShader(true, true), sgdShader(false, false), softmaxShader(true),
      argmaxShader(), countCorrectShader(), gatherRowsShader(),
    ]) checkBindings(s);
  });

  it('tiles: large blocks for big outputs, 16×16 for a small batch (deep when the sum is long)', () => {
    expect(chooseTile(1024, 4096, 4096)).toBe('huge4uw'); // W4 hidden layer: 256 tiles of 128 × 128
    expect(chooseTile(4096, 4097, 1024)).toBe('huge4uw'); // W4 hidden-layer update (a column of ones for the bias)
    expect(chooseTile(1024, 1024, 1024)).toBe('large4'); // 64 tiles of 128 × 128 are too few, 256 of 64 × 64 not
    expect(chooseTile(512, 512, 512)).toBe('medium'); // 64 large tiles are too few, 256 medium ones not
    expect(chooseTile(128, 256, 784)).toBe('deep'); // W3 first layer: only 32 medium tiles, 128 small ones
    expect(chooseTile(10, 30, 784)).toBe('deep'); // W1 first layer forward
    expect(chooseTile(30, 785, 10)).toBe('small'); // W1 first layer update, K = batch
  });

  it("tile choice: 'auto' is chooseTile, a name is used everywhere, a map replaces chooseTile's answer", () => {
    for (const [m, n, k] of [[1024, 4096, 4096], [1024, 10, 4096], [128, 256, 784], [30, 785, 10]]) {
      expect(pickTile(undefined, m, n, k)).toBe(chooseTile(m, n, k));
      expect(pickTile('auto', m, n, k)).toBe(chooseTile(m, n, k));
      expect(pickTile('huge4', m, n, k)).toBe('huge4');
    }
    expect(pickTile({ huge4uw: 'huge' }, 1024, 4096, 4096)).toBe('huge'); // W4's hidden-layer products
    expect(pickTile({ huge4uw: 'huge' }, 1024, 10, 4096)).toBe(chooseTile(1024, 10, 4096)); // its output layer: not 'huge4uw'
    expect(() => pickTile('giant' as TileName, 1, 1, 1)).toThrow(/unknown tile 'giant'/);
    // A function of the shape: here the weight updates (K = the batch, 1024) on one tile, the rest on another.
    const byShape = (m: number, n: number, k: number): TileName => (k === 1024 ? 'huge4' : chooseTile(m, n, k));
    expect(pickTile(byShape, 4096, 4097, 1024)).toBe('huge4');
    expect(pickTile(byShape, 1024, 4096, 4096)).toBe('huge4uw');
    expect(() => pickTile(() => 'giant' as TileName, 3, 4, 5)).toThrow(/tile function chose an unknown tile 'giant' for 3 × 4 × 5/);
  });

  it("a vec4 tile reads an operand with vec4 loads exactly when its stored rows are a multiple of 4 long", () => {
    expect((Object.keys(TILES) as TileName[]).filter(isVec4Tile)).toEqual(['huge4', 'huge4u', 'huge4uw', 'huge4uwf', 'huge4uwd', 'huge4h', 'large4']);
    // Every tile runs within WebGPU's default 16 KiB of workgroup memory (huge4: 16 × (128 + 128) floats).
    for (const t of Object.keys(TILES) as TileName[]) expect(tileWorkgroupBytes(t)).toBeLessThanOrEqual(16384);
    expect(tileWorkgroupBytes('huge4')).toBe(16384);
    // huge4u is huge4 with the 16 steps of a slice written out: no loop over c, 16 blocks reading As.
    const looped = gemmShader({ transA: false, transB: true, tile: 'huge4', epilogue: { kind: 'store', accumulate: false } }).code;
    const unrolled = gemmShader({ transA: false, transB: true, tile: 'huge4u', epilogue: { kind: 'store', accumulate: false } }).code;
    expect(looped).toContain('for (var c = 0u; c < BK;');
    expect(unrolled).not.toContain('for (var c = 0u');
    expect(unrolled.match(/let a0 = As\[\d+u \* 32u \+ ty\]/g)).toHaveLength(16);
    // huge4uw differs from huge4u only in where each thread sits: a warp on 8 × 4 instead of 16 × 2.
    const warps = gemmShader({ transA: false, transB: true, tile: 'huge4uw', epilogue: { kind: 'store', accumulate: false } }).code;
    expect(unrolled).toContain('let tx = (warp % 1u) * 16u + lane % 16u;');
    expect(warps).toContain('let tx = (warp % 2u) * 8u + lane % 8u;');
    const placeless = (code: string) => code.replace(/let t[xy] = .*;/g, '').replace(/covers \d+ × \d+ of it/, '');
    expect(placeless(warps)).toBe(placeless(unrolled));
    // huge4uwf differs from huge4uw only in its multiply-adds (16 of vec4s per step of the sum), written as fma().
    const fused = gemmShader({ transA: false, transB: true, tile: 'huge4uwf', epilogue: { kind: 'store', accumulate: false } }).code;
    expect(warps.match(/acc\d_\d = acc\d_\d \+ a\d\.[xyzw] \* b\d;/g)).toHaveLength(16 * 16);
    expect(fused.match(/acc\d_\d = fma\(vec4<f32>\(a\d\.[xyzw]\), b\d, acc\d_\d\);/g)).toHaveLength(16 * 16);
    const multiplyAdds = /acc(\d)_(\d) = (?:acc\d_\d \+ (a\d\.[xyzw]) \* (b\d)|fma\(vec4<f32>\((a\d\.[xyzw])\), (b\d), acc\d_\d\));/g;
    const canonical = (code: string) => code.replace(multiplyAdds, (_m, i, j, a1, b1, a2, b2) => `acc${i}_${j} += ${a1 ?? a2} * ${b1 ?? b2};`);
    expect(canonical(fused)).toBe(canonical(warps));
    // huge4uwd keeps no slice in registers across the multiply: its loads and stores share one block,
    // inside the loop over slices, where huge4uw loads the next slice between barrier and multiply.
    const direct = gemmShader({ transA: false, transB: true, tile: 'huge4uwd', epilogue: { kind: 'store', accumulate: false } }).code;
    expect(warps).toContain('if (k0 + BK < K) { // the next slice');
    expect(direct).not.toContain('if (k0 + BK < K)');
    expect(direct).not.toContain('let kb = 0u;');
    expect(direct.indexOf('var ra0')).toBeGreaterThan(direct.indexOf('for (var k0 = 0u'));
    expect(direct.indexOf('As[0u + tid]') === -1 ? direct.indexOf('As[at') : direct.indexOf('As[0u + tid]')).toBeLessThan(direct.indexOf('workgroupBarrier()'));
    // huge4h: 8 × 16 threads on a 128 × 64 tile, still 8 × 8 outputs each; a slice is 4 groups of 4 of A
    // and 2 of B per thread; 12 KiB of workgroup memory.
    const half = gemmShader({ transA: false, transB: true, tile: 'huge4h', epilogue: { kind: 'store', accumulate: false } }).code;
    expect(half).toContain('@compute @workgroup_size(8, 16, 1)');
    expect(half.match(/^ {2}var ra\d = /gm)).toHaveLength(4);
    expect(half.match(/^ {2}var rb\d = /gm)).toHaveLength(2);
    expect(half.match(/^ {2}var acc\d_\d = /gm)).toHaveLength(16);
    expect(half).toContain('let j = j0 + 35u + 4u * tx;'); // column 32 h + 4 tx + q with h = 1, q = 3
    expect(tileWorkgroupBytes('huge4h')).toBe(12288);
    expect(gemmGrid('huge4h', 1024, 4096)).toEqual([64, 8]);
    expect(gemmVectorLoads('huge4u', 784, 4096)).toEqual({ vec4A: true, vec4B: true });
    expect(gemmVectorLoads('large4', 10, 4096)).toEqual({ vec4A: false, vec4B: true });
    expect(gemmVectorLoads('huge4', 784, 4096)).toEqual({ vec4A: true, vec4B: true });
    expect(gemmVectorLoads('huge4', 10, 4096)).toEqual({ vec4A: false, vec4B: true });
    expect(gemmVectorLoads('huge4', 4096, 785)).toEqual({ vec4A: true, vec4B: false });
    expect(gemmVectorLoads('huge4', 784, 784, false)).toEqual({ vec4A: false, vec4B: false });
    expect(gemmVectorLoads('huge', 784, 784)).toEqual({ vec4A: false, vec4B: false });
    const store: GemmEpilogue = { kind: 'store', accumulate: false };
    const both = gemmShader({ transA: false, transB: true, tile: 'huge4', epilogue: store, vec4A: true, vec4B: true });
    const scalar = gemmShader({ transA: false, transB: true, tile: 'huge4', epilogue: store });
    const onlyB = gemmShader({ transA: false, transB: true, tile: 'huge4', epilogue: store, vec4B: true });
    expect(both.code).toMatch(/var<storage, read> A: array<vec4<f32>>;/);
    expect(both.code).toMatch(/var<storage, read> B: array<vec4<f32>>;/);
    expect(scalar.code).toMatch(/var<storage, read> A: array<f32>;/);
    expect(scalar.code).toMatch(/var<storage, read> B: array<f32>;/);
    expect(onlyB.code).toMatch(/var<storage, read> A: array<f32>;/);
    expect(onlyB.code).toMatch(/var<storage, read> B: array<vec4<f32>>;/);
    expect(new Set([both.key, scalar.key, onlyB.key]).size).toBe(3);
    for (const s of [both, scalar, onlyB]) checkBindings(s);
    // 16 KiB of workgroup memory (WebGPU's default limit): two tiles of 16 × 128 floats.
    expect(both.code.match(/var<workgroup> \w+: array<vec4<f32>, 512>;/g)).toHaveLength(2);
  });

  it('vec4 loads are refused where they would be wrong', () => {
    const store: GemmEpilogue = { kind: 'store', accumulate: false };
    expect(() => gemmShader({ transA: false, transB: false, tile: 'huge', epilogue: store, vec4A: true })).toThrow(/only for the vec4 tiles, got 'huge'/);
    // A's stored rows are K long, and K is step.rows: not fixed, so not known to be a multiple of 4.
    expect(() => gemmShader({ transA: false, transB: false, tile: 'huge4', kFromStep: true, epilogue: store, vec4A: true })).toThrow(/row length fixed by params/);
    expect(() => gemmShader({ transA: true, transB: false, tile: 'huge4', mFromStep: true, epilogue: store, vec4A: true })).toThrow(/row length fixed by params/);
    expect(() => gemmShader({ transA: false, transB: true, tile: 'huge4', kFromStep: true, epilogue: store, vec4B: true })).toThrow(/row length fixed by params/);
    // The trainer's update: δ stored [rows, nOut] (transA, K = rows) and a [rows, nIn]: both fixed.
    checkBindings(gemmShader({ transA: true, transB: false, tile: 'huge4', kFromStep: true, rowMapB: 'gather', vec4A: true, vec4B: true, epilogue: { kind: 'update', momentum: true, decay: true } }));
  });

  it('grids stay within 65,535 workgroups per dimension and cover every workgroup', () => {
    for (const groups of [1, 65535, 65536, 65535 * 256 + 4]) {
      const [x, y] = grid(groups);
      expect(x).toBeLessThanOrEqual(65535);
      expect(y).toBeLessThanOrEqual(65535);
      expect(x * y).toBeGreaterThanOrEqual(groups);
      expect(x * (y - 1)).toBeLessThan(groups);
    }
  });
});
