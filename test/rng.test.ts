/**
 * test/rng — the seeded generator against the reference xoshiro128** 1.1 (Blackman & Vigna's C
 * code, compiled and run separately to produce the vectors below), and its saved state.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/util/rng.js';

/** A generator in the given raw state. */
function at(s: [number, number, number, number]): Rng {
  return Rng.fromState({ s, spareNormal: null });
}

describe('Rng', () => {
  it('draws the reference xoshiro128** stream', () => {
    const r = at([1, 2, 3, 4]);
    expect(Array.from({ length: 8 }, () => r.nextUint32())).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849,
    ]);
    // State words past 2^31 (stored as int32 bit patterns inside), after 1000 draws.
    const q = at([0x9e3779b9, 0xdeadbeef, 0x12345678, 0xfedcba98]);
    for (let i = 0; i < 1000; i++) q.nextUint32();
    expect(Array.from({ length: 4 }, () => q.nextUint32())).toEqual([3519660388, 2687040191, 4217615539, 3558871949]);
  });

  it('saves and restores its state as uint32 words, the spare normal included', () => {
    const r = new Rng(42);
    for (let i = 0; i < 37; i++) r.nextUint32();
    r.normal(); // leaves a spare
    const saved = r.state();
    expect(saved.s.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32)).toBe(true);
    expect(saved.spareNormal).not.toBeNull();
    const copy = Rng.fromState(JSON.parse(JSON.stringify(saved)));
    for (let i = 0; i < 100; i++) expect(copy.normal()).toBe(r.normal());
    expect(copy.uniform()).toBe(r.uniform());
  });

  it('the same seed gives the same stream; different seeds differ; uniform stays in [0, 1)', () => {
    const a = new Rng(7), b = new Rng(7), c = new Rng(8);
    const xs = Array.from({ length: 1000 }, () => a.uniform());
    expect(Array.from({ length: 1000 }, () => b.uniform())).toEqual(xs);
    expect(Array.from({ length: 1000 }, () => c.uniform())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Rng('glassbox').nextUint32()).toBe(new Rng('glassbox').nextUint32());
  });
});
