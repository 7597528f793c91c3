/**
 * explain/images — signed maps (saliency, hidden-unit weights) as RGBA pixels with a diverging
 * colour map: blue for negative, white for zero, red for positive. Pure: returns pixel arrays that
 * the CLI encodes as PNG and the explorer draws on a canvas.
 */
import { ArgumentError } from '../util/errors.js';

/** An RGBA image, row-major, 4 bytes per pixel. */
export interface RgbaImage {
  width: number;
  height: number;
  /** [height · width · 4] bytes: R, G, B, A. */
  data: Uint8Array;
}

/** Options of `heatmap` and `heatmapGrid`. */
export interface HeatmapOptions {
  /** The |value| drawn at full colour (default: the largest |value| of each image, or of all with `shared`). */
  maxAbs?: number;
  /** Pixels per value, each way (default 1). */
  zoom?: number;
}

/** Options of `heatmapGrid`. */
export interface GridOptions extends HeatmapOptions {
  /** Images per row (default: about √count). */
  columns?: number;
  /** Pixels between images (default 2, at zoom 1, drawn grey). */
  pad?: number;
  /** One colour scale for every image (default false: each image uses its own largest |value|). */
  shared?: boolean;
}

const NEGATIVE = [33, 102, 172] as const; // blue end
const POSITIVE = [178, 24, 43] as const; // red end

/** Colour of t ∈ [−1, 1] on the diverging map (values outside are clamped). */
export function divergingColor(t: number): [number, number, number] {
  const u = Number.isFinite(t) ? Math.max(-1, Math.min(1, t)) : 0;
  const end = u < 0 ? NEGATIVE : POSITIVE;
  const f = Math.abs(u);
  return [0, 1, 2].map((c) => Math.round(255 + (end[c] - 255) * f)) as [number, number, number];
}

function maxAbsOf(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) if (Math.abs(values[i]) > m) m = Math.abs(values[i]);
  return m;
}

function checkShape(values: ArrayLike<number>, shape: readonly [number, number]): void {
  const [r, c] = shape;
  if (!Number.isInteger(r) || !Number.isInteger(c) || r < 1 || c < 1 || r * c !== values.length) {
    throw new ArgumentError(`heatmap: shape [${r}, ${c}] needs ${r * c} values, got ${values.length}`);
  }
}

function checkZoom(zoom: number): number {
  if (!Number.isInteger(zoom) || zoom < 1 || zoom > 64) throw new ArgumentError(`heatmap: zoom must be an integer in 1…64, got ${zoom}`);
  return zoom;
}

/** Paint `values` [rows × columns] into `img` at (x0, y0). */
function paint(img: RgbaImage, values: ArrayLike<number>, shape: readonly [number, number], maxAbs: number, zoom: number, x0: number, y0: number): void {
  const [rows, cols] = shape;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const [R, G, B] = divergingColor(maxAbs > 0 ? values[r * cols + c] / maxAbs : 0);
      for (let dy = 0; dy < zoom; dy++) {
        let o = ((y0 + r * zoom + dy) * img.width + x0 + c * zoom) * 4;
        for (let dx = 0; dx < zoom; dx++, o += 4) {
          img.data[o] = R;
          img.data[o + 1] = G;
          img.data[o + 2] = B;
          img.data[o + 3] = 255;
        }
      }
    }
  }
}

/** One signed map as an image. */
export function heatmap(values: ArrayLike<number>, shape: readonly [number, number], options: HeatmapOptions = {}): RgbaImage {
  checkShape(values, shape);
  const zoom = checkZoom(options.zoom ?? 1);
  const img: RgbaImage = { width: shape[1] * zoom, height: shape[0] * zoom, data: new Uint8Array(shape[0] * shape[1] * zoom * zoom * 4) };
  paint(img, values, shape, options.maxAbs ?? maxAbsOf(values), zoom, 0, 0);
  return img;
}

/** Many signed maps of one shape as a grid, separated by grey lines. */
export function heatmapGrid(images: readonly ArrayLike<number>[], shape: readonly [number, number], options: GridOptions = {}): RgbaImage {
  if (images.length === 0) throw new ArgumentError('heatmapGrid: no images to draw');
  for (const v of images) checkShape(v, shape);
  const zoom = checkZoom(options.zoom ?? 1);
  const columns = options.columns ?? Math.ceil(Math.sqrt(images.length));
  if (!Number.isInteger(columns) || columns < 1) throw new ArgumentError(`heatmapGrid: columns must be an integer ≥ 1, got ${columns}`);
  const pad = options.pad ?? 2;
  if (!Number.isInteger(pad) || pad < 0) throw new ArgumentError(`heatmapGrid: pad must be an integer ≥ 0, got ${pad}`);
  const rowsOfImages = Math.ceil(images.length / columns);
  const w = shape[1] * zoom;
  const h = shape[0] * zoom;
  const img: RgbaImage = { width: columns * w + (columns + 1) * pad, height: rowsOfImages * h + (rowsOfImages + 1) * pad, data: new Uint8Array(0) };
  img.data = new Uint8Array(img.width * img.height * 4);
  for (let o = 0; o < img.data.length; o += 4) img.data.set([160, 160, 160, 255], o);
  const shared = options.maxAbs ?? (options.shared ? Math.max(...images.map(maxAbsOf)) : undefined);
  images.forEach((v, i) => {
    const x0 = pad + (i % columns) * (w + pad);
    const y0 = pad + Math.floor(i / columns) * (h + pad);
    paint(img, v, shape, shared ?? maxAbsOf(v), zoom, x0, y0);
  });
  return img;
}
