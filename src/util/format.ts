/**
 * util/format — how numbers and shapes are written in messages and tables.
 */

/** `[2, 3]` — the way every error message writes a shape. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** A number with `digits` significant digits, switching to exponent form for very small/large values. */
export function formatNumber(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const ax = Math.abs(x);
  if (ax >= 1e-3 && ax < 1e6) return Number(x.toPrecision(digits)).toString();
  return x.toExponential(Math.max(0, digits - 1));
}

/** Seconds, human-readable: `0.412 s`, `3.1 s`, `2 min 5 s`. */
export function formatSeconds(s: number): string {
  if (s < 10) return `${s.toFixed(s < 1 ? 3 : 2)} s`;
  if (s < 120) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
