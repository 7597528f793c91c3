/**
 * web/colors — the explorer's colour language, after TensorFlow Playground: blue for positive,
 * orange for negative, white for zero; weights, activations, changes and decision heat maps all
 * use it.
 */

/** Positive values (RGB). */
export const BLUE: [number, number, number] = [8, 119, 189];
/** Negative values (RGB). */
export const ORANGE: [number, number, number] = [245, 147, 34];
const WHITE: [number, number, number] = [255, 255, 255];

function mix(a: [number, number, number], b: [number, number, number], t: number): [number, number, number] {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** RGB of `v` on the diverging scale: white at 0, full blue at +scale, full orange at −scale. */
export function divergingRgb(v: number, scale: number): [number, number, number] {
  const t = scale > 0 ? Math.min(1, Math.abs(v) / scale) : 0;
  return mix(WHITE, v >= 0 ? BLUE : ORANGE, Number.isFinite(t) ? t : 1);
}

/** CSS colour of `v` on the diverging scale. */
export function diverging(v: number, scale: number): string {
  const [r, g, b] = divergingRgb(v, scale);
  return `rgb(${r | 0},${g | 0},${b | 0})`;
}

/** CSS colour of a weight's sign. */
export function signColor(v: number): string {
  return v >= 0 ? `rgb(${BLUE.join(',')})` : `rgb(${ORANGE.join(',')})`;
}

/** A colour per layer for charts (readable on white, distinct for up to 8 layers). */
export const LAYER_COLORS = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d', '#666666'];
