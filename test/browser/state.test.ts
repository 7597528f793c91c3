// The explorer's URL state (web/src/state.ts), without a browser: every valid state survives
// toHash → parseHash unchanged and without warnings; any string at all parses to a valid state
// without throwing; each bad value falls back to its default with a warning that names it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BACKENDS, COSTS, DATA_NAMES, defaultsFor, exampleCount, HIDDEN_ACTIVATIONS, LIMITS, OPTIMIZERS, parseHash, sizesOf, TABS, toHash, TRAIN_RULES, weightExists,
  type State,
} from '../../web/src/state.js';

const number = (min: number, max: number): fc.Arbitrary<number> =>
  fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map((v) => (v === 0 ? 0 : v)); // no −0

/** Any state the page can be in. */
const anyState: fc.Arbitrary<State> = fc
  .record({
    data: fc.constantFrom(...DATA_NAMES),
    noise: number(...LIMITS.noise),
    hidden: fc.array(fc.integer({ min: LIMITS.width[0], max: LIMITS.width[1] }), { maxLength: LIMITS.hiddenLayers[1] }),
    activation: fc.constantFrom(...HIDDEN_ACTIVATIONS),
    cost: fc.constantFrom(...COSTS),
    optimizer: fc.constantFrom(...OPTIMIZERS),
    rule: fc.constantFrom(...TRAIN_RULES),
    eta: number(...LIMITS.eta),
    batch: fc.integer({ min: LIMITS.batch[0], max: LIMITS.batch[1] }),
    lambda: number(...LIMITS.lambda),
    seed: fc.integer({ min: LIMITS.seed[0], max: LIMITS.seed[1] }),
    dw: number(...LIMITS.dw),
    tab: fc.constantFrom(...TABS),
    backend: fc.constantFrom(undefined, ...BACKENDS),
    servedModel: fc.boolean(),
  })
  .chain((s) => {
    const sizes = sizesOf(s);
    return fc.record({
      example: fc.integer({ min: 0, max: exampleCount(s.data) - 1 }),
      weight: fc.integer({ min: 2, max: sizes.length }).chain((layer) =>
        fc.record({ layer: fc.constant(layer), to: fc.integer({ min: 0, max: sizes[layer - 1] - 1 }), from: fc.integer({ min: 0, max: sizes[layer - 2] - 1 }) }),
      ),
    }).map((rest) => ({ ...s, ...rest }));
  });

/** Every field within its limits and the weight inside the network. */
function valid(s: State): boolean {
  const inRange = (v: number, [lo, hi]: readonly [number, number]): boolean => Number.isFinite(v) && v >= lo && v <= hi;
  return (
    DATA_NAMES.includes(s.data) && inRange(s.noise, LIMITS.noise) && s.hidden.length <= LIMITS.hiddenLayers[1] &&
    s.hidden.every((w) => Number.isInteger(w) && inRange(w, LIMITS.width)) && HIDDEN_ACTIVATIONS.includes(s.activation) &&
    COSTS.includes(s.cost) && OPTIMIZERS.includes(s.optimizer) && TRAIN_RULES.includes(s.rule) && inRange(s.eta, LIMITS.eta) && Number.isInteger(s.batch) &&
    inRange(s.batch, LIMITS.batch) && inRange(s.lambda, LIMITS.lambda) && Number.isInteger(s.seed) && inRange(s.seed, LIMITS.seed) &&
    Number.isInteger(s.example) && s.example >= 0 && s.example < exampleCount(s.data) && inRange(s.dw, LIMITS.dw) &&
    TABS.includes(s.tab) && (s.backend === undefined || BACKENDS.includes(s.backend)) && weightExists(s)
  );
}

describe('explorer URL state', () => {
  it('round-trips every valid state exactly, with no warnings', () => {
    fc.assert(
      fc.property(anyState, (s) => {
        const { state, warnings } = parseHash(toHash(s));
        expect(warnings).toEqual([]);
        expect(state).toEqual(s);
      }),
      { numRuns: 2000 },
    );
  });

  it('a bare URL is the default view; MNIST starts from Nielsen’s [784, 30, 10]', () => {
    expect(parseHash('').state).toEqual(defaultsFor('circle'));
    expect(toHash(defaultsFor('circle'))).toBe('');
    const mnist = parseHash('#data=mnist').state;
    expect(sizesOf(mnist)).toEqual([784, 30, 10]);
    expect(mnist.eta).toBe(3);
    expect(mnist.activation).toBe('sigmoid');
    expect(toHash(mnist)).toBe('data=mnist');
  });

  it('parses any string at all into a valid state, without throwing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const { state } = parseHash(text);
        expect(valid(state)).toBe(true);
      }),
      { numRuns: 3000 },
    );
    const keys = ['data', 'noise', 'hidden', 'act', 'cost', 'opt', 'eta', 'batch', 'l2', 'seed', 'ex', 'w', 'dw', 'tab', 'backend', 'model'];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...keys), fc.string({ maxLength: 20 })), { maxLength: 8 }), (pairs) => {
        const { state } = parseHash(new URLSearchParams(pairs).toString());
        expect(valid(state)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('replaces each bad value by its default and says which and why', () => {
    const { state, warnings } = parseHash('#eta=abc&data=%3Cscript%3E&hidden=4,9999&batch=2.5&noise=0.9&w=99.0.0&seed=-1&bogus=1&eta=5&ex=1e9&dw=NaN&tab=__proto__');
    const d = defaultsFor('circle');
    expect(state).toEqual(d);
    const byKey = new Map<string, string>();
    for (const w of warnings) if (!byKey.has(w.key)) byKey.set(w.key, w.message); // the first warning per key
    expect(byKey.get('eta')).toMatch(/a number from 0\.00001 to 100|a number from 1e-5 to 100/);
    expect(byKey.get('data')).toMatch(/one of circle, xor, gauss, spiral, mnist/);
    expect(byKey.get('hidden')).toMatch(/widths from 1 to 128/);
    expect(byKey.get('batch')).toMatch(/an integer from 1 to 1000/);
    expect(byKey.get('noise')).toMatch(/from 0 to 0\.5/);
    expect(byKey.get('w')).toMatch(/layer must be from 2 to 8/);
    expect(byKey.get('seed')).toMatch(/integer from 0/);
    expect(byKey.get('bogus')).toMatch(/unknown setting/);
    expect(byKey.get('ex')).toMatch(/integer from 0 to 9999/);
    expect(byKey.get('dw')).toMatch(/number from -5 to 5/);
    expect(byKey.get('tab')).toMatch(/one of nudge, paths, backprop, units/);
    expect(warnings.filter((w) => w.key === 'eta').map((w) => w.message)).toContain('given more than once; the first value is used');
  });

  it('carries the training backend: absent by default, each choice round-trips, a bad one is refused by name', () => {
    expect(parseHash('').state.backend).toBeUndefined();
    for (const b of BACKENDS) {
      const { state, warnings } = parseHash(`#backend=${b}`);
      expect(warnings).toEqual([]);
      expect(state.backend).toBe(b);
      expect(toHash(state)).toBe(`backend=${b}`);
    }
    const bad = parseHash('#backend=cuda');
    expect(bad.state.backend).toBeUndefined();
    expect(bad.warnings).toEqual([{ key: 'backend', value: 'cuda', message: 'expected one of auto, wasm, js, webgpu' }]);
  });

  it('drops a weight or example the network or data set does not have', () => {
    const a = parseHash('#hidden=3&w=3.1.2');
    expect(a.state.weight).toEqual({ layer: 3, to: 1, from: 2 });
    const b = parseHash('#hidden=3&w=3.1.7');
    expect(b.state.weight).toEqual(defaultsFor('circle').weight);
    expect(b.warnings.map((w) => w.message).join()).toMatch(/no such weight in a \[2, 3, 2\] network/);
    const c = parseHash('#data=spiral&ex=300');
    expect(c.state.example).toBe(0);
    expect(c.warnings.map((w) => w.message).join()).toMatch(/examples 0…249/);
    expect(parseHash('#data=mnist&ex=9999').state.example).toBe(9999);
  });
});
