// `glassbox train` in this process: flags and presets, the output (table, --json, run record,
// model file checked by an independent evaluation), resuming through the CLI bit for bit, a
// diverging run that keeps its last good checkpoint, and every kind of bad input — each with its
// exit code, a message naming what was wrong, and nothing half-written on disk.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRunConfig, PRESETS, resolveSizes, runConfig } from '../src/cli/train.js';
import { encodeIdx, loadDataset } from '../src/data/index.js';
import { loadModel } from '../src/io/index.js';
import { evaluate } from '../src/train/index.js';
import { parameterBits, ROOT, runCli } from './cli-helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glassbox-cli-train-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Files under `folder` (recursively), sorted; [] when it does not exist. */
async function filesIn(folder: string): Promise<string[]> {
  try {
    return (await readdir(folder, { recursive: true })).sort();
  } catch {
    return [];
  }
}

const GAUSS = ['--data', 'gauss', '--layers', '8', '--lambda', '0', '--epochs', '3'];

describe('glassbox --version', () => {
  it("prints package.json's version and exits 0", async () => {
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag]);
      expect(r.code, flag).toBe(0);
      expect(r.stdout.trim(), flag).toBe(version);
    }
  });
});

describe('glassbox train: configuration', () => {
  it('--help lists every flag with its default', async () => {
    const r = await runCli(['train', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--data', '--layers', '--activation', '--output', '--cost', '--init', '--optimizer', '--momentum', '--epochs', '--batch', '--eta', '--lambda', '--l1', '--seed', '--limit', '--out', '--preset', '--backend', '--json', '--quiet', '--checkpoint-dir', '--checkpoint-every', '--resume', '--monitor', '--rule']) {
      expect(r.stdout, flag).toContain(flag);
    }
    const help = r.stdout.replace(/\s+/g, ' ');
    for (const d of ['default: "mnist"', 'default: 100', 'default: "sigmoid"', 'default: "cross-entropy"', 'default: 4', 'default: 10', 'default: 0.5, or 0.001 with --optimizer adam', 'default: 5', 'default: 1', 'default: "models/model.json"', 'default: "default"', 'default: all']) {
      expect(help, d).toContain(d);
    }
  });

  it('presets fix the book settings and explicit flags override them', () => {
    const base = { data: 'mnist', activation: 'sigmoid', output: 'sigmoid', cost: 'cross-entropy', init: 'default', optimizer: 'sgd', momentum: 0.9, epochs: 4, batch: 10, eta: 0.5, lambda: 5, l1: 0, seed: 1, out: 'm.json' } as const;
    const none = (): boolean => false;
    const ch1 = runConfig({ ...base, preset: 'nielsen-ch1' }, none);
    expect(ch1).toMatchObject({ layers: [30], activation: 'sigmoid', cost: 'quadratic', init: 'large', batch: 10, eta: 3, lambda: 0, epochs: 30 });
    const ch3 = runConfig({ ...base, preset: 'nielsen-ch3' }, none);
    expect(ch3).toMatchObject({ layers: [100], cost: 'cross-entropy', init: 'default', batch: 10, eta: 0.5, lambda: 5, epochs: 30 });
    const given = (names: string[]) => (n: string) => names.includes(n);
    const overridden = runConfig({ ...base, preset: 'nielsen-ch1', eta: 1, epochs: 2, layers: [50] }, given(['eta', 'epochs', 'layers']));
    expect(overridden).toMatchObject({ layers: [50], eta: 1, epochs: 2, cost: 'quadratic', init: 'large' });
    // Naming only one side of the output/cost pair picks the other; adam gets its own default η.
    expect(runConfig({ ...base, preset: 'default', output: 'softmax' }, given(['output']))).toMatchObject({ output: 'softmax', cost: 'log-likelihood' });
    expect(runConfig({ ...base, preset: 'default', cost: 'log-likelihood' }, given(['cost']))).toMatchObject({ output: 'softmax', cost: 'log-likelihood' });
    expect(runConfig({ ...base, preset: 'default', optimizer: 'adam' }, given(['optimizer'])).eta).toBe(0.001);
    expect(PRESETS.default.epochs).toBe(4);
  });

  it('--rule without --eta takes compare\'s rate for the rule; --eta or --optimizer adam decide otherwise', () => {
    const base = { data: 'mnist', activation: 'sigmoid', output: 'sigmoid', cost: 'cross-entropy', init: 'default', optimizer: 'sgd', momentum: 0.9, epochs: 4, batch: 10, eta: 0.5, lambda: 5, l1: 0, seed: 1, out: 'm.json', preset: 'default' } as const;
    const none = (): boolean => false;
    expect(runConfig({ ...base, rule: 'feedback-alignment' }, none).eta).toBe(2);
    expect(runConfig({ ...base, rule: 'node-perturbation' }, none).eta).toBe(0.01);
    expect(runConfig({ ...base, rule: 'backprop' }, none).eta).toBe(0.5);
    expect(runConfig({ ...base, rule: 'node-perturbation', eta: 0.02 }, (k) => k === 'eta').eta).toBe(0.02);
    expect(runConfig({ ...base, rule: 'node-perturbation', optimizer: 'adam' }, none).eta).toBe(0.001);
  });

  it('a checkpoint\'s configuration without a rule (written before --rule) reads as backprop; a rule train does not take is refused', () => {
    const base = { data: 'mnist', activation: 'sigmoid', output: 'sigmoid', cost: 'cross-entropy', init: 'default', optimizer: 'sgd', momentum: 0.9, epochs: 4, batch: 10, eta: 0.5, lambda: 5, l1: 0, seed: 1, out: 'm.json' } as const;
    const { layers, ...config } = runConfig({ ...base, preset: 'default', rule: 'feedback-alignment' }, () => false);
    const full = { ...config, sizes: [784, ...layers, 10] } as Record<string, unknown>;
    expect(checkRunConfig(full, 'here').rule).toBe('feedback-alignment');
    const { rule: _, ...old } = full;
    expect(checkRunConfig(old, 'here').rule).toBe('backprop');
    expect(() => checkRunConfig({ ...full, rule: 'forward-forward' }, 'checkpoint c.json')).toThrow(/checkpoint c.json: the run configuration is not usable:\n {2}- config.rule must be one of backprop, .*, got "forward-forward"/);
  });

  it('--layers: hidden sizes or a full list, and a clear error when a full list does not fit the data', () => {
    expect(resolveSizes([30], 784, 10, 'mnist')).toEqual([784, 30, 10]);
    expect(resolveSizes([256, 128], 784, 10, 'mnist')).toEqual([784, 256, 128, 10]);
    expect(resolveSizes([784, 30, 10], 784, 10, 'mnist')).toEqual([784, 30, 10]);
    expect(resolveSizes([784, 10], 784, 10, 'mnist')).toEqual([784, 10]);
    expect(() => resolveSizes([100, 30, 10], 784, 10, 'mnist')).toThrow(/--layers 100,30,10 does not fit mnist \(784 features, 10 classes\): a full list must start with 784 and end with 10/);
  });
});

describe('glassbox train: a run', () => {
  it('trains, prints the per-epoch table and the test accuracy, saves a model that evaluates to the same accuracy, and a run record', async () => {
    const out = join(dir, 'gauss', 'model.json');
    const r = await runCli(['train', ...GAUSS, '--out', out]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/epoch\s+training cost\s+validation accuracy\s+seconds/);
    expect(r.stdout.split('\n').filter((l) => /^[123]\s/.test(l))).toHaveLength(3);
    expect(r.stdout).toContain(`model saved to ${out}`);
    const printed = /test accuracy ([\d.]+)% \((\d+)\/(\d+)\)/.exec(r.stdout)!;
    // Independent check: load the file and evaluate it on the same test split.
    const { model, meta } = await loadModel(out);
    const data = await loadDataset('gauss');
    const ev = evaluate(model, data.test);
    expect(Number(printed[2])).toBe(ev.correct);
    expect(Number(printed[3])).toBe(data.test.labels.length);
    expect(ev.accuracy).toBeGreaterThan(0.9);
    expect(meta.dataset).toBe('gauss');
    expect(model.sizes).toEqual([2, 8, 2]);

    const record = JSON.parse(await readFile(join(dir, 'gauss', 'model.run.json'), 'utf8'));
    expect(record.format).toBe('glassbox-run');
    expect(record.config).toMatchObject({ data: 'gauss', sizes: [2, 8, 2], epochs: 3, lambda: 0, seed: 1 });
    expect(record.history).toHaveLength(3);
    expect(record.test.correct).toBe(ev.correct);
    expect(await filesIn(join(dir, 'gauss'))).toEqual(['model.json', 'model.run.json']);
  });

  it('the same seed gives the same weights; another seed other weights', async () => {
    const a = join(dir, 'seed', 'a.json');
    const b = join(dir, 'seed', 'b.json');
    const c = join(dir, 'seed', 'c.json');
    for (const [file, seed] of [[a, '3'], [b, '3'], [c, '4']]) expect((await runCli(['train', ...GAUSS, '--quiet', '--seed', seed, '--out', file])).code).toBe(0);
    expect(await parameterBits(a)).toEqual(await parameterBits(b));
    expect(await parameterBits(a)).not.toEqual(await parameterBits(c));
  });

  it('--json prints one document (the run record) and nothing else; --monitor dynamics records per-layer speed', async () => {
    const out = join(dir, 'json', 'model.json');
    const r = await runCli(['train', ...GAUSS, '--layers', '6,4', '--json', '--monitor', 'dynamics', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout);
    expect(doc.model).toBe(out);
    expect(doc.history).toHaveLength(3);
    expect(doc.history[0].dynamics.map((d: { layer: number }) => d.layer)).toEqual([2, 3, 4]);
    expect(doc.history[0].dynamics.every((d: { gradB: number; gradW: number }) => d.gradB > 0 && d.gradW > 0)).toBe(true);
    expect(doc.test.total).toBe(250);
    expect(JSON.parse(await readFile(join(dir, 'json', 'model.run.json'), 'utf8')).history).toEqual(doc.history);
  });

  it('--preset nielsen-ch1 builds [784,30,10] with the quadratic cost and N(0,1) weights', async () => {
    const out = join(dir, 'ch1', 'model.json');
    const r = await runCli(['train', '--preset', 'nielsen-ch1', '--epochs', '1', '--limit', '300', '--json', '--out', out]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.config).toMatchObject({ sizes: [784, 30, 10], cost: 'quadratic', init: 'large', eta: 3, batch: 10, lambda: 0, epochs: 1 });
    expect(doc.data).toMatchObject({ name: 'mnist', train: 300, validation: 300, test: 300 });
    const { model } = await loadModel(out);
    expect(model.spec()).toEqual({ sizes: [784, 30, 10], activations: ['sigmoid', 'sigmoid'], cost: 'quadratic' });
  });
});

describe('glassbox train --rule', () => {
  it('trains with feedback alignment and direct feedback alignment: recorded in the run record, weights other than backprop\'s, the model evaluates as printed', async () => {
    const files: Record<string, string> = {};
    for (const rule of ['backprop', 'feedback-alignment', 'direct-feedback-alignment']) {
      files[rule] = join(dir, 'rules', `${rule}.json`);
      const r = await runCli(['train', ...GAUSS, '--layers', '6,4', '--rule', rule, '--eta', '2', '--json', '--monitor', 'dynamics', '--out', files[rule]]);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc.config.rule).toBe(rule);
      expect(doc.history[2].dynamics.map((d: { layer: number }) => d.layer)).toEqual([2, 3, 4]);
      const { model } = await loadModel(files[rule]);
      expect(evaluate(model, (await loadDataset('gauss')).test).correct).toBe(doc.test.correct);
      expect(doc.test.accuracy, rule).toBeGreaterThan(0.95);
    }
    const bits = await parameterBits(files.backprop);
    expect(await parameterBits(files['feedback-alignment'])).not.toEqual(bits);
    expect(await parameterBits(files['direct-feedback-alignment'])).not.toEqual(bits);
    expect(await parameterBits(files['direct-feedback-alignment'])).not.toEqual(await parameterBits(files['feedback-alignment']));
  });

  it('a resumed run keeps its rule: 1 epoch + --resume to 2 = 2 epochs straight, bit for bit (direct feedback alignment)', async () => {
    const flags = [...GAUSS, '--layers', '6,4', '--rule', 'direct-feedback-alignment', '--eta', '0.5', '--quiet'];
    expect((await runCli(['train', ...flags, '--epochs', '2', '--out', join(dir, 'rr', 'straight.json')])).code).toBe(0);
    const ck = join(dir, 'rr', 'ck');
    expect((await runCli(['train', ...flags, '--epochs', '1', '--checkpoint-dir', ck, '--out', join(dir, 'rr', 'first.json')])).code).toBe(0);
    const resumed = await runCli(['train', '--resume', ck, '--epochs', '2', '--json', '--out', join(dir, 'rr', 'resumed.json')]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).config.rule).toBe('direct-feedback-alignment');
    expect(await parameterBits(join(dir, 'rr', 'resumed.json'))).toEqual(await parameterBits(join(dir, 'rr', 'straight.json')));
  });

  it('--monitor alignment: the angle of each layer\'s update to backprop\'s gradient, in the table, the run record and the plot', async () => {
    const out = join(dir, 'align', 'model.json');
    const r = await runCli(['train', ...GAUSS, '--layers', '6,4', '--rule', 'feedback-alignment', '--eta', '2', '--monitor', 'dynamics,alignment', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/angle to ∂C\/∂W \(W2 \/ W3 \/ W4\)/);
    expect(r.stdout).toMatch(/^1 .*\d+° \/ \d+° \/ 0°$/m); // FA's output layer is exact
    const record = JSON.parse(await readFile(join(dir, 'align', 'model.run.json'), 'utf8'));
    expect(record.config).toMatchObject({ rule: 'feedback-alignment', monitor: true, alignment: true });
    for (const h of record.history) {
      expect(h.dynamics).toHaveLength(3);
      expect(h.alignment.map((a: { layer: number }) => a.layer)).toEqual([2, 3, 4]);
      expect(h.alignment[0].angle).toBeGreaterThan(0);
      expect(h.alignment[0].angle).toBeLessThan(180);
    }
    const plot = await runCli(['plot', join(dir, 'align', 'model.run.json'), '--out', join(dir, 'align', 'curves.svg')]);
    expect(plot.code, plot.stderr).toBe(0);
    expect(plot.stdout).toContain('alignment with the gradient');
    expect(await readFile(join(dir, 'align', 'curves.svg'), 'utf8')).toContain("Alignment: angle between the rule's update and ∂C/∂W^l");
  });

  it('--monitor alignment needs a rule other than backprop, and --monitor takes only dynamics and alignment: exit 2', async () => {
    const bp = await runCli(['train', ...GAUSS, '--monitor', 'alignment', '--out', join(dir, 'align', 'bp.json')]);
    expect(bp.code).toBe(2);
    expect(bp.stderr).toMatch(/--monitor alignment compares a rule's updates with backprop's gradient: give --rule/);
    const bad = await runCli(['train', ...GAUSS, '--monitor', 'dynamics,speed', '--out', join(dir, 'align', 'bad.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/option '--monitor <what>' argument 'dynamics,speed' is invalid\. expected dynamics, alignment or both \(comma-separated\), got 'speed'/);
  });

  it('refuses forward-forward (it does not classify by its output) and unknown rules, exit 2; the GPU refuses rules it does not run', async () => {
    const ff = await runCli(['train', ...GAUSS, '--rule', 'forward-forward', '--out', join(dir, 'rules', 'ff.json')]);
    expect(ff.code).toBe(2);
    expect(ff.stderr).toMatch(/--rule forward-forward .* predicts by their goodness, not by the network's output/);
    const nope = await runCli(['train', ...GAUSS, '--rule', 'hebb', '--out', join(dir, 'rules', 'nope.json')]);
    expect(nope.code).toBe(2);
    expect(nope.stderr).toMatch(/argument 'hebb' is invalid\. Allowed choices are backprop, feedback-alignment, direct-feedback-alignment/);
    const gpu = await runCli(['train', ...GAUSS, '--rule', 'node-perturbation', '--backend', 'webgpu', '--out', join(dir, 'rules', 'np.json')]);
    expect(gpu.code).toBe(2);
    expect(gpu.stderr).toMatch(/--backend webgpu cannot be combined with: --rule node-perturbation \(the GPU trainer runs backprop, feedback-alignment, direct-feedback-alignment\)/);
    expect(await filesIn(join(dir, 'rules'))).not.toEqual(expect.arrayContaining(['ff.json', 'nope.json', 'np.json']));
  });
});

describe('glassbox train: checkpoints and resume through the CLI', () => {
  it('2 epochs straight = 1 epoch + --resume to 2, bit for bit (momentum)', async () => {
    const flags = [...GAUSS, '--optimizer', 'momentum', '--eta', '0.05', '--quiet'];
    expect((await runCli(['train', ...flags, '--epochs', '2', '--out', join(dir, 'r', 'straight.json')])).code).toBe(0);
    const ck = join(dir, 'r', 'ck');
    expect((await runCli(['train', ...flags, '--epochs', '1', '--checkpoint-dir', ck, '--out', join(dir, 'r', 'first.json')])).code).toBe(0);
    expect(await filesIn(ck)).toEqual(['checkpoint-25.json']);
    const resumed = await runCli(['train', '--resume', ck, '--epochs', '2', '--out', join(dir, 'r', 'resumed.json')]);
    expect(resumed.code).toBe(0);
    expect(await parameterBits(join(dir, 'r', 'resumed.json'))).toEqual(await parameterBits(join(dir, 'r', 'straight.json')));
    expect(await parameterBits(join(dir, 'r', 'resumed.json'))).not.toEqual(await parameterBits(join(dir, 'r', 'first.json')));
    expect(await filesIn(ck)).toEqual(['checkpoint-25.json', 'checkpoint-50.json']);
    // The resumed run's record holds both epochs.
    expect(JSON.parse(await readFile(join(dir, 'r', 'resumed.run.json'), 'utf8')).history).toHaveLength(2);
  });

  it('a diverging run says so, exits 1, writes no model and keeps the last good checkpoint', async () => {
    // Epoch 1 on sane data, then the data file turns hostile (same shape, huge values) and the resumed run diverges.
    const csv = join(dir, 'div', 'data.csv');
    await mkdir(join(dir, 'div'), { recursive: true });
    const rows = (scale: number) => Array.from({ length: 60 }, (_, i) => `${i % 2},${((i % 7) - 3) * scale},${((i % 5) - 2) * scale}`).join('\n') + '\n';
    await writeFile(csv, rows(0.1));
    const ck = join(dir, 'div', 'ck');
    const flags = ['--data', csv, '--layers', '3', '--activation', 'linear', '--output', 'linear', '--cost', 'quadratic', '--lambda', '0', '--eta', '0.1', '--quiet'];
    expect((await runCli(['train', ...flags, '--epochs', '1', '--checkpoint-dir', ck, '--out', join(dir, 'div', 'first.json')])).code).toBe(0);
    const good = await readFile(join(ck, 'checkpoint-5.json'), 'utf8');
    await writeFile(csv, rows(1e30));
    const r = await runCli(['train', '--resume', ck, '--epochs', '3', '--out', join(dir, 'div', 'second.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^glassbox: training diverged at step \d+ \(epoch 2, batch \d+\): the cost became (Infinity|NaN)/m);
    expect(r.stderr).toContain(`the last good checkpoint is kept: ${join(ck, 'checkpoint-5.json')}; no model file was written`);
    expect(await filesIn(ck)).toEqual(['checkpoint-5.json']);
    expect(await readFile(join(ck, 'checkpoint-5.json'), 'utf8')).toBe(good);
    expect(await filesIn(join(dir, 'div'))).not.toContain('second.json');
  });
});

describe('glassbox train: bad input', () => {
  /** Run, expect `code`, a message matching `message`, and no file at all in the output folder. */
  async function fails(args: string[], code: number, message: RegExp): Promise<string> {
    const outDir = join(dir, 'bad', String(Math.random()).slice(2));
    const r = await runCli(['train', ...args, '--out', join(outDir, 'model.json')]);
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).not.toContain('model saved');
    expect(await filesIn(outDir)).toEqual([]);
    return r.stderr;
  }

  it('negative and non-numeric flags: exit 2 naming the flag, with a one-line hint', async () => {
    const cases: [string[], RegExp][] = [
      [['--epochs', '-1'], /option '--epochs <n>' argument '-1' is invalid\. expected an integer ≥ 1, got '-1'/],
      [['--eta', 'abc'], /option '--eta <rate>' argument 'abc' is invalid\. expected a number > 0, got 'abc'/],
      [['--eta', '0'], /--eta <rate>' argument '0' is invalid/],
      [['--batch', '2.5'], /--batch <n>' argument '2\.5' is invalid\. expected an integer ≥ 1/],
      [['--lambda', '-5'], /--lambda <λ>' argument '-5' is invalid\. expected a number ≥ 0/],
      [['--layers', '30,x'], /--layers <sizes>' argument '30,x' is invalid\. expected comma-separated positive integers/],
      [['--optimizer', 'rmsprop'], /argument 'rmsprop' is invalid\. Allowed choices are sgd, momentum, adam/],
    ];
    for (const [args, message] of cases) {
      const stderr = await fails(args, 2, message);
      expect(stderr.trim().split('\n'), args.join(' ')).toHaveLength(2);
      expect(stderr).toMatch(/\(run with --help for usage\)\n$/);
    }
  });

  it('flag combinations that cannot work: exit 2 with the reason', async () => {
    await fails([...GAUSS, '--optimizer', 'momentum', '--momentum', '1'], 2, /--momentum must be in \[0, 1\), got 1/);
    await fails([...GAUSS, '--cost', 'cross-entropy', '--output', 'softmax'], 2, /--cost cross-entropy needs --output sigmoid, got --output softmax/);
    await fails([...GAUSS, '--backend', 'cuda'], 2, /--backend: unknown backend 'cuda', expected one of: .*js/);
    await fails([...GAUSS, '--checkpoint-every', '1'], 2, /--checkpoint-every needs --checkpoint-dir/);
    await fails(['--resume', join(dir, 'r', 'ck'), '--eta', '2'], 2, /--eta cannot be combined with --resume/);
  });

  it('a layer list that does not match the data: exit 2', async () => {
    await fails(['--data', 'gauss', '--layers', '784,30,2'], 2, /--layers 784,30,2 does not fit gauss \(2 features, 2 classes\)/);
  });

  it('a missing folder, a truncated IDX folder, an IDX folder missing a file: exit 1 naming the file', async () => {
    await fails(['--data', join(dir, 'no-such-folder')], 1, /unknown data set .*no-such-folder.*no file or folder of that name exists/);
    const idx = join(dir, 'idx');
    await mkdir(idx, { recursive: true });
    const images = encodeIdx([20, 4, 4], Array.from({ length: 320 }, (_, i) => i % 256));
    const labels = encodeIdx([20], Array.from({ length: 20 }, (_, i) => i % 3));
    await writeFile(join(idx, 'train-images-idx3-ubyte'), images.subarray(0, 200)); // truncated
    await writeFile(join(idx, 'train-labels-idx1-ubyte'), labels);
    await writeFile(join(idx, 't10k-images-idx3-ubyte'), images);
    await writeFile(join(idx, 't10k-labels-idx1-ubyte'), labels);
    await fails(['--data', idx], 1, /train-images-idx3-ubyte.*(truncated|needs|bytes)/);
    await rm(join(idx, 't10k-labels-idx1-ubyte'));
    await fails(['--data', idx], 1, /missing t10k-labels-idx1-ubyte/);
  });

  it('a CSV with a ragged row or a non-number: exit 1 naming the file and the row', async () => {
    const csv = join(dir, 'ragged.csv');
    await writeFile(csv, '0,1,2\n1,3,4\n0,5\n1,6,7\n');
    await fails(['--data', csv], 1, /ragged\.csv.*(row|line) 3/);
    await writeFile(csv, '0,1,2\n1,3,four\n0,5,6\n1,6,7\n');
    await fails(['--data', csv], 1, /ragged\.csv.*four/);
  });

  it('--resume from a folder without a valid checkpoint: exit 1', async () => {
    await fails(['--resume', join(dir, 'empty-ck')], 1, /no checkpoint \(checkpoint-<step>\.json\) in/);
  });
});
