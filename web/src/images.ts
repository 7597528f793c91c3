/**
 * web/images — painting number grids onto canvases: signed maps (weights, saliency, activations
 * over the plane) in the blue/orange colour language, and grey-scale digits.
 */
import { divergingRgb } from './colors.js';

/** Largest |value| of a list (0 for an empty one). */
export function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return m;
}

/** Paint `values` [rows × cols] as a signed map at one canvas pixel per value (scale with CSS). */
export function paintSigned(canvas: HTMLCanvasElement, values: ArrayLike<number>, rows: number, cols: number, scale = maxAbs(values)): void {
  canvas.width = cols;
  canvas.height = rows;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(cols, rows);
  for (let i = 0; i < rows * cols; i++) {
    const [r, g, b] = divergingRgb(values[i], scale);
    img.data[4 * i] = r;
    img.data[4 * i + 1] = g;
    img.data[4 * i + 2] = b;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** Paint intensities in [0, 1] [rows × cols] as ink on paper (1 = black). */
export function paintGray(canvas: HTMLCanvasElement, values: ArrayLike<number>, rows: number, cols: number): void {
  canvas.width = cols;
  canvas.height = rows;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(cols, rows);
  for (let i = 0; i < rows * cols; i++) {
    const v = Math.round(255 * (1 - Math.max(0, Math.min(1, values[i]))));
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}
