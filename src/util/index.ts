/** util — errors, the seeded Rng, assertions and formatting. Imports nothing of ours. */
export * from './errors.js';
export { assert, assertFinite, assertInt } from './assert.js';
export { formatShape, formatNumber, formatSeconds } from './format.js';
export { Rng, type RngState } from './rng.js';
