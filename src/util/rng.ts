/**
 * util/rng — the seeded random number generator every random choice in glassbox comes from.
 *
 * xoshiro128** (Blackman & Vigna, 2018) on four 32-bit words, seeded through SplitMix32. Its whole
 * state is four integers plus one cached normal, so it can be saved in a checkpoint and restored to
 * continue the exact same stream. There is no global generator: an `Rng` is always passed in.
 */

/** The complete, serialisable state of an `Rng`. */
export interface RngState {
  s: [number, number, number, number];
  /** A second normal deviate left over from the last Box–Muller pair, or null. */
  spareNormal: number | null;
}

function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A seeded pseudo-random generator (xoshiro128**). Same seed, same stream, on every platform. */
export class Rng {
  /**
   * The four state words, as int32 bit patterns: in a typed array the optimising compiler keeps them
   * raw (as plain fields, half of all uint32 values would not fit a small integer and be boxed),
   * which makes a uniform draw 2.4× faster. state() and setState() speak uint32.
   */
  readonly #s = new Int32Array(4);
  private spare: number | null = null;

  /** @param seed any integer (taken modulo 2^32); strings are hashed. */
  constructor(seed: number | string = 0) {
    let n: number;
    if (typeof seed === 'string') {
      n = 2166136261;
      for (let i = 0; i < seed.length; i++) n = Math.imul(n ^ seed.charCodeAt(i), 16777619) >>> 0;
    } else {
      n = Math.floor(seed) >>> 0;
    }
    const sm = splitmix32(n);
    const s = this.#s;
    for (let i = 0; i < 4; i++) s[i] = sm();
    if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
  }

  /** Restore a generator from `state()`. */
  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.setState(state);
    return r;
  }

  /** The full state, to save in a checkpoint. */
  state(): RngState {
    const s = this.#s;
    return { s: [s[0] >>> 0, s[1] >>> 0, s[2] >>> 0, s[3] >>> 0], spareNormal: this.spare };
  }

  /** Continue from a saved state. */
  setState(state: RngState): void {
    for (let i = 0; i < 4; i++) this.#s[i] = state.s[i];
    this.spare = state.spareNormal;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    // xoshiro128** 1.1 (Blackman & Vigna). Its s[2] ^= s[0] and s[3] ^= s[1] come first here, into
    // the locals s2 and s3; the stores then follow the reference's order of updates.
    const s = this.#s;
    const s0 = s[0], s1 = s[1], s2 = s[2] ^ s0, s3 = s[3] ^ s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    s[1] = s1 ^ s2;
    s[0] = s0 ^ s3;
    s[2] = s2 ^ (s1 << 9);
    s[3] = rotl(s3, 11);
    return result;
  }

  /** A uniform float in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    // Rejection sampling removes modulo bias.
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** A normal deviate with the given mean and standard deviation (Box–Muller). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** +1 or −1 with equal probability (Rademacher). */
  sign(): number {
    return this.nextUint32() & 1 ? 1 : -1;
  }

  /** Shuffle `array` in place (Fisher–Yates) and return it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = array[i];
      array[i] = array[j];
      array[j] = t;
    }
    return array;
  }

  /** A random permutation of 0 … n−1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** A new, independent generator derived from this one's next outputs (for a sub-task). */
  fork(): Rng {
    return new Rng(this.nextUint32() ^ Math.imul(this.nextUint32(), 0x9e3779b1));
  }
}

/** x rotated left by k bits, as an int32 bit pattern. */
function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
