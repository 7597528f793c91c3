// fit, resumed: a run that diverges on its very first resumed batch names the last finite cost
// carried in the TrainState (through a checkpoint file too), falls back to the last epoch's
// training cost for older states, and says "no finite cost yet" (never "NaN") when none is known.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, type DatasetSplits } from '../src/data/index.js';
import { parseCheckpoint, serializeCheckpoint } from '../src/io/index.js';
import { sequential, Sequential } from '../src/nn/index.js';
import { sgd } from '../src/optim/index.js';
import * as T from '../src/tensor/ops.js';
import { fit, type TrainState } from '../src/train/index.js';
import { DivergenceError } from '../src/util/index.js';
import { formatNumber } from '../src/util/format.js';

let data: DatasetSplits;
beforeAll(async () => {
  data = await loadDataset('spiral', { samples: 200, noise: 0.1 });
});

const newModel = (): Sequential => sequential({ sizes: [2, 8, 2], activation: 'relu', output: 'softmax', cost: 'log-likelihood', init: 'he', rng: 3 });

function snapshot(state: TrainState): TrainState {
  const { optimizer, ...plain } = state;
  return { ...structuredClone(plain), optimizer: { step: optimizer.step, buffers: optimizer.buffers.map((bs) => bs.map(T.clone)) } };
}

/** Run `fit` and stop after `batches` batches; the saved state and the batch costs seen. */
async function runAndStop(model: Sequential, eta: number, batches: number, resume?: TrainState): Promise<{ state: TrainState; costs: number[] }> {
  const controller = new AbortController();
  const costs: number[] = [];
  let saved: TrainState | null = null;
  await fit(model, data.train, {
    epochs: 3, batchSize: 10, optimizer: sgd({ eta }), rng: 7, signal: controller.signal, yieldEveryMs: 0, resume,
    onEvent: (e) => {
      if (e.type === 'batch') {
        costs.push(e.cost);
        if (costs.length === batches) controller.abort();
      }
      if (e.type === 'checkpoint' && e.reason === 'stop') saved = snapshot(e.state);
    },
  });
  expect(saved).not.toBeNull();
  return { state: saved!, costs };
}

/**
 * Train 4 sane batches, then resume for ONE batch with a huge learning rate (its cost, computed
 * before the update, is still finite; the update blows the weights up), stop, and return the
 * model and state a third run resumes from: its first batch must diverge.
 */
async function blownUp(): Promise<{ model: Sequential; state: TrainState; lastCost: number }> {
  const model = newModel();
  const first = await runAndStop(model, 0.1, 4);
  expect(first.costs.every(Number.isFinite)).toBe(true);
  const second = await runAndStop(model, 1e30, 1, first.state);
  expect(second.costs).toHaveLength(1);
  expect(Number.isFinite(second.costs[0])).toBe(true);
  return { model, state: second.state, lastCost: second.costs[0] };
}

async function divergence(model: Sequential, state: TrainState): Promise<DivergenceError> {
  const err = await fit(model, data.train, { epochs: 3, batchSize: 10, optimizer: sgd({ eta: 0.1 }), rng: 7, resume: state }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DivergenceError);
  return err as DivergenceError;
}

describe('fit resumed into divergence', () => {
  it('names the last finite cost carried in the TrainState when the first resumed batch diverges', async () => {
    const { model, state, lastCost } = await blownUp();
    expect(state.step).toBe(5);
    expect(state.lastFiniteCost).toBe(lastCost);
    const d = await divergence(model, state);
    expect(d.step).toBe(5); // the very first resumed batch
    expect(d.lastFiniteCost).toBe(lastCost);
    expect(d.message).toContain(`last finite cost ${formatNumber(lastCost)}`);
    expect(d.message).not.toContain('last finite cost NaN');
  });

  it('carries the cost through a checkpoint file', async () => {
    const { model, state, lastCost } = await blownUp();
    const text = serializeCheckpoint({ model, state, config: {}, meta: {} });
    const back = parseCheckpoint(text);
    expect(back.state.lastFiniteCost).toBe(lastCost);
    const d = await divergence(back.model, back.state as TrainState);
    expect(d.message).toContain(`last finite cost ${formatNumber(lastCost)}`);
  });

  it('loads an older checkpoint without the field, and rejects a non-finite one', async () => {
    const { model, state } = await blownUp();
    const { lastFiniteCost: _dropped, ...old } = state;
    const back = parseCheckpoint(serializeCheckpoint({ model, state: old, config: {}, meta: {} }));
    expect(back.state.lastFiniteCost).toBeUndefined();
    const doc = JSON.parse(serializeCheckpoint({ model, state, config: {}, meta: {} })) as { train: Record<string, unknown> };
    doc.train.lastFiniteCost = 'NaN';
    expect(() => parseCheckpoint(JSON.stringify(doc))).toThrow(/train\.lastFiniteCost must be a finite number/);
  });

  it('without a carried cost, says "no finite cost yet" mid-first-epoch, and falls back to the last epoch\'s cost', async () => {
    const { model, state } = await blownUp();
    const { lastFiniteCost: _dropped, ...old } = state;
    const copy = () => Sequential.fromSpec(model.spec(), model.paramTensors().map(T.clone));
    expect(old.history).toHaveLength(0);
    const none = await divergence(copy(), snapshot(old as TrainState));
    expect(none.message).toContain('no finite cost yet');
    expect(none.message).not.toContain('last finite cost NaN');

    // The same blown-up weights, but as if an epoch had finished with a known mean cost.
    const withHistory: TrainState = { ...snapshot(old as TrainState), history: [{ epoch: 1, trainCost: 0.625, seconds: 0 }], epoch: 1, batchInEpoch: 0 };
    const fallback = await divergence(copy(), withHistory);
    expect(fallback.lastFiniteCost).toBe(0.625);
    expect(fallback.message).toContain('last finite cost 0.625');
  });
});
