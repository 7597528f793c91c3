// Fuzzing the explorer's URL state parser (issue 6): parseHash (web/src/state.ts) on generated
// hashes (random text; key=value lists of known, unknown and prototype-polluting keys with
// hostile values) and on mutations of hashes written by toHash. Its contract is stronger than
// the file readers': it never throws at all, it falls back to defaults with a warning, and the
// state it returns is always valid (every field within LIMITS, the weight exists in the network)
// and survives a round trip through toHash unchanged.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COSTS, DATA_NAMES, exampleCount, HIDDEN_ACTIVATIONS, LIMITS, OPTIMIZERS, parseHash, TABS, toHash, TRAIN_RULES, weightExists, type State,
} from '../web/src/state.js';
import { GENERATED_RUNS, MUTATED_RUNS, mutatedText, params, Tally } from './fuzz-helpers.js';

const KEYS = ['data', 'noise', 'hidden', 'act', 'cost', 'opt', 'eta', 'batch', 'l2', 'seed', 'ex', 'w', 'dw', 'tab', 'model', 'x', '', '__proto__', 'constructor', 'hasOwnProperty', 'toString'];
const VALUES = [
  '', '0', '-0', '1', '-1', '0.5', '.5', '5.', '1e-5', '1e999', '-1e999', 'NaN', 'Infinity', '0x10', '2147483647', '2147483648', '9'.repeat(400), '1'.repeat(30) + 'x',
  'mnist', 'spiral', 'circle', 'none', '4,4', '128,128,128,128,128,128', '129', '1,,2', '1,2,3,4,5,6,7', '2.0.1', '8.783.783', '9.0.0', '2.784.0', '2..1',
  'sigmoid', 'relu', 'log-likelihood', 'adam', 'paths', 'served', '%', '%zz', '%00', '<script>alert(1)</script>', 'javascript:alert(1)', '\u0000', '🙂',
];

const generatedHash: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 6 })), fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 12 }))), { maxLength: 10 })
    .chain((pairs) => fc.constantFrom('#', '').map((prefix) => prefix + pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'))),
  fc.constantFrom('#', '', '#&&&', '#=', '#data', '#a'.repeat(5000), '#hidden=' + '1,'.repeat(3000)),
);

/** A valid state, field by field within LIMITS (the weight may still not exist: the parser resets it). */
const validState: fc.Arbitrary<State> = fc.record({
  data: fc.constantFrom(...DATA_NAMES),
  noise: fc.double({ min: LIMITS.noise[0], max: LIMITS.noise[1], noNaN: true }).map((v) => Math.abs(v)),
  hidden: fc.array(fc.integer({ min: LIMITS.width[0], max: LIMITS.width[1] }), { maxLength: LIMITS.hiddenLayers[1] }),
  activation: fc.constantFrom(...HIDDEN_ACTIVATIONS),
  cost: fc.constantFrom(...COSTS),
  optimizer: fc.constantFrom(...OPTIMIZERS),
  rule: fc.constantFrom(...TRAIN_RULES),
  eta: fc.double({ min: LIMITS.eta[0], max: LIMITS.eta[1], noNaN: true }),
  batch: fc.integer({ min: LIMITS.batch[0], max: LIMITS.batch[1] }),
  lambda: fc.double({ min: LIMITS.lambda[0], max: LIMITS.lambda[1], noNaN: true }).map((v) => Math.abs(v)),
  seed: fc.integer({ min: LIMITS.seed[0], max: LIMITS.seed[1] }),
  example: fc.integer({ min: 0, max: 249 }),
  weight: fc.record({ layer: fc.integer({ min: 2, max: 3 }), to: fc.integer({ min: 0, max: 1 }), from: fc.integer({ min: 0, max: 1 }) }),
  dw: fc.double({ min: LIMITS.dw[0], max: LIMITS.dw[1], noNaN: true }).map((v) => (Object.is(v, -0) ? 0 : v)),
  tab: fc.constantFrom(...TABS),
  servedModel: fc.boolean(),
});

const within = (v: number, [lo, hi]: readonly [number, number]): boolean => Number.isFinite(v) && v >= lo && v <= hi;

/** Everything parseHash promises about the state it returns. */
function checkState({ state }: ReturnType<typeof parseHash>): void {
  expect(DATA_NAMES).toContain(state.data);
  expect(HIDDEN_ACTIVATIONS).toContain(state.activation);
  expect(COSTS).toContain(state.cost);
  expect(OPTIMIZERS).toContain(state.optimizer);
  expect(TRAIN_RULES).toContain(state.rule);
  expect(TABS).toContain(state.tab);
  expect(within(state.noise, LIMITS.noise) && within(state.eta, LIMITS.eta) && within(state.lambda, LIMITS.lambda) && within(state.dw, LIMITS.dw)).toBe(true);
  expect(Number.isInteger(state.batch) && within(state.batch, LIMITS.batch)).toBe(true);
  expect(Number.isInteger(state.seed) && within(state.seed, LIMITS.seed)).toBe(true);
  expect(Number.isInteger(state.example) && state.example >= 0 && state.example < exampleCount(state.data)).toBe(true);
  expect(state.hidden.length).toBeLessThanOrEqual(LIMITS.hiddenLayers[1]);
  expect(state.hidden.every((n) => Number.isInteger(n) && within(n, LIMITS.width))).toBe(true);
  expect(weightExists(state)).toBe(true);
  expect(Object.getPrototypeOf(state)).toBe(Object.prototype);
  expect(Object.keys(Object.prototype)).toEqual([]); // no key reached the prototype
  // A link to the parsed state reproduces it exactly, without warnings.
  const again = parseHash(toHash(state));
  expect(again.warnings).toEqual([]);
  // (Compared as JSON: '#l2=-0' parses to λ = −0, which toHash, rightly, writes as the default 0.)
  expect(JSON.stringify(again.state)).toBe(JSON.stringify(state));
}

describe('fuzz: the explorer URL state', () => {
  it('parseHash: generated hashes and mutations of real links never throw and always give a valid state', () => {
    const tally = new Tally('explorer URL state (parseHash)');
    fc.assert(fc.property(generatedHash, (hash) => tally.run('generated', () => parseHash(hash), checkState)), params(GENERATED_RUNS, 31));
    const links = fc.sample(validState, { numRuns: 200, seed: 32 }).map((s) => `#${toHash(s)}`);
    fc.assert(fc.property(mutatedText(links), (hash) => tally.run('mutated', () => parseHash(hash), checkState)), params(MUTATED_RUNS, 33));
    console.log(tally.summary());
    expect(tally.total).toBeGreaterThanOrEqual(10_000);
    // parseHash reports problems as warnings; it must never throw, not even a GlassboxError.
    expect(tally.refused.size).toBe(0);
    expect(tally.accepted).toBe(tally.total);
  });
});
