/**
 * explain/plot — training curves as a self-contained SVG document: cost per epoch (training,
 * validation, test), accuracy, per-layer learning speed ‖∂C/∂b^l‖ (log scale) when the run
 * recorded dynamics, and per-layer angle to backprop's gradient when it recorded alignment. Hand-written SVG (axes, ticks, labels, legend); pure — returns a string, so
 * the CLI writes it to a file and the explorer can inline it.
 *
 * Input: a run record as `glassbox train` saves it, `{ config, history: EpochRecord[] }`; only
 * `history` is read. `readRun` checks an untrusted JSON value and names the first bad field.
 */
import { DataError } from '../util/errors.js';
import { formatNumber } from '../util/format.js';

/** The parts of an epoch record the plot reads (train's EpochRecord has this shape). */
export interface PlotEpoch {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean training cost over the epoch. */
  trainCost: number;
  validation?: { accuracy: number; cost: number };
  test?: { accuracy: number; cost: number };
  /** Per-layer learning speed, Nielsen's layers 2 … L. */
  dynamics?: { layer: number; gradB: number; gradW: number }[];
  /** Per-layer angle (degrees) between a learning rule's updates and backprop's gradient. */
  alignment?: { layer: number; angle: number; normRatio: number }[];
}

/** A run record: at least its history. */
export interface PlotRun {
  history: PlotEpoch[];
}

/** Options of `plotRunSvg`. */
export interface PlotOptions {
  /** A title above the charts. */
  title?: string;
  /** Width in pixels (default 720). */
  width?: number;
  /** Height of each chart in pixels (default 260). */
  chartHeight?: number;
}

function fail(source: string, message: string): never {
  throw new DataError(`${source}: ${message}`);
}

function finite(source: string, path: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(source, `${path} must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

function evaluation(source: string, path: string, v: unknown): { accuracy: number; cost: number } | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object') fail(source, `${path} must be an object with accuracy and cost, got ${JSON.stringify(v)}`);
  const e = v as Record<string, unknown>;
  return { accuracy: finite(source, `${path}.accuracy`, e.accuracy), cost: finite(source, `${path}.cost`, e.cost) };
}

/**
 * Check an untrusted value (parsed JSON) as a run record and return its history.
 * @param source names the file in error messages
 * @throws DataError naming the first bad field, e.g. `history[3].trainCost must be a finite number`
 */
export function readRun(value: unknown, source = 'run'): PlotRun {
  if (!value || typeof value !== 'object' || !Array.isArray((value as { history?: unknown }).history)) {
    fail(source, 'expected a run record: a JSON object with a "history" list of epoch records (as saved by glassbox train)');
  }
  const raw = (value as { history: unknown[] }).history;
  if (raw.length === 0) fail(source, 'the history is empty: nothing to plot');
  const history = raw.map((r, i): PlotEpoch => {
    const p = `history[${i}]`;
    if (!r || typeof r !== 'object') fail(source, `${p} must be an epoch record object, got ${JSON.stringify(r)}`);
    const e = r as Record<string, unknown>;
    const out: PlotEpoch = { epoch: finite(source, `${p}.epoch`, e.epoch), trainCost: finite(source, `${p}.trainCost`, e.trainCost) };
    const validation = evaluation(source, `${p}.validation`, e.validation);
    const test = evaluation(source, `${p}.test`, e.test);
    if (validation) out.validation = validation;
    if (test) out.test = test;
    if (e.dynamics !== undefined && e.dynamics !== null) {
      if (!Array.isArray(e.dynamics)) fail(source, `${p}.dynamics must be a list of layer speeds, got ${JSON.stringify(e.dynamics)}`);
      out.dynamics = e.dynamics.map((d: unknown, k: number) => {
        const q = `${p}.dynamics[${k}]`;
        if (!d || typeof d !== 'object') fail(source, `${q} must be an object { layer, gradB, gradW }`);
        const s = d as Record<string, unknown>;
        return { layer: finite(source, `${q}.layer`, s.layer), gradB: finite(source, `${q}.gradB`, s.gradB), gradW: finite(source, `${q}.gradW`, s.gradW) };
      });
    }
    if (e.alignment !== undefined && e.alignment !== null) {
      if (!Array.isArray(e.alignment)) fail(source, `${p}.alignment must be a list of layer angles, got ${JSON.stringify(e.alignment)}`);
      out.alignment = e.alignment.map((d: unknown, k: number) => {
        const q = `${p}.alignment[${k}]`;
        if (!d || typeof d !== 'object') fail(source, `${q} must be an object { layer, angle, normRatio }`);
        const s = d as Record<string, unknown>;
        return { layer: finite(source, `${q}.layer`, s.layer), angle: finite(source, `${q}.angle`, s.angle), normRatio: finite(source, `${q}.normRatio`, s.normRatio) };
      });
    }
    return out;
  });
  return { history };
}

/** A line of one chart. */
interface Series {
  label: string;
  points: [number, number][];
  color: string;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A number as SVG coordinates want it: short, no exponent. */
function px(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

/** Round ticks covering [lo, hi]: steps of 1, 2 or 5 × 10^n. */
export function niceTicks(lo: number, hi: number, count = 5): { min: number; max: number; ticks: number[] } {
  if (!(hi > lo)) {
    const spread = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= spread;
    hi += spread;
  }
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const min = Math.floor(lo / step) * step;
  const max = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let t = min; t <= max + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : Number(t.toPrecision(12)));
  return { min, max, ticks };
}

/** Ticks at powers of ten covering [lo, hi] (lo > 0), with 2 and 5 in between over a short range. */
function logTicks(lo: number, hi: number): { min: number; max: number; ticks: number[] } {
  let a = Math.floor(Math.log10(lo));
  let b = Math.ceil(Math.log10(hi));
  if (a === b) { a -= 1; b += 1; }
  const ticks: number[] = [];
  for (let e = a; e <= b; e++) {
    ticks.push(10 ** e);
    if (b - a <= 2 && e < b) ticks.push(2 * 10 ** e, 5 * 10 ** e);
  }
  return { min: 10 ** a, max: 10 ** b, ticks };
}

/** One chart: frame, grid, ticks, axis labels, lines with point markers, legend. */
function chart(title: string, yLabel: string, series: Series[], x0: number, y0: number, width: number, height: number, log: boolean): string {
  const left = 72;
  const right = 170;
  const top = 28;
  const bottom = 42;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter((v) => (log ? v > 0 : true));
  const xr = niceTicks(Math.min(...xs), Math.max(...xs), Math.min(8, Math.max(1, Math.max(...xs) - Math.min(...xs))));
  const xTicks = xr.ticks.filter((t) => Number.isInteger(t));
  const yr = log ? logTicks(Math.min(...ys), Math.max(...ys)) : niceTicks(Math.min(...ys), Math.max(...ys));
  const sx = (v: number): number => x0 + left + ((v - xr.min) / (xr.max - xr.min)) * plotW;
  const sy = (v: number): number => {
    const f = log ? (Math.log10(v) - Math.log10(yr.min)) / (Math.log10(yr.max) - Math.log10(yr.min)) : (v - yr.min) / (yr.max - yr.min);
    return y0 + top + plotH - f * plotH;
  };
  const out: string[] = [];
  out.push(`<g class="chart">`);
  out.push(`<text x="${px(x0 + left)}" y="${px(y0 + 18)}" font-size="14" font-weight="bold">${escapeXml(title)}</text>`);
  for (const t of yr.ticks) {
    const y = sy(t);
    out.push(`<line x1="${px(x0 + left)}" y1="${px(y)}" x2="${px(x0 + left + plotW)}" y2="${px(y)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${px(x0 + left - 6)}" y="${px(y + 4)}" text-anchor="end">${escapeXml(formatNumber(t, 3))}</text>`);
  }
  for (const t of xTicks) {
    const x = sx(t);
    out.push(`<line x1="${px(x)}" y1="${px(y0 + top + plotH)}" x2="${px(x)}" y2="${px(y0 + top + plotH + 5)}" stroke="#333"/>`);
    out.push(`<text x="${px(x)}" y="${px(y0 + top + plotH + 18)}" text-anchor="middle">${t}</text>`);
  }
  out.push(`<rect x="${px(x0 + left)}" y="${px(y0 + top)}" width="${px(plotW)}" height="${px(plotH)}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${px(x0 + left + plotW / 2)}" y="${px(y0 + height - 6)}" text-anchor="middle">epoch</text>`);
  const cy = y0 + top + plotH / 2;
  out.push(`<text x="${px(x0 + 16)}" y="${px(cy)}" text-anchor="middle" transform="rotate(-90 ${px(x0 + 16)} ${px(cy)})">${escapeXml(yLabel)}</text>`);
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => (log ? p[1] > 0 : true));
    if (pts.length > 1) {
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.map((p) => `${px(sx(p[0]))},${px(sy(p[1]))}`).join(' ')}"/>`);
    }
    for (const p of pts) out.push(`<circle cx="${px(sx(p[0]))}" cy="${px(sy(p[1]))}" r="2.5" fill="${s.color}"/>`);
    const ly = y0 + top + 10 + i * 18;
    const lx = x0 + left + plotW + 14;
    out.push(`<line x1="${px(lx)}" y1="${px(ly)}" x2="${px(lx + 22)}" y2="${px(ly)}" stroke="${s.color}" stroke-width="2"/>`);
    out.push(`<text x="${px(lx + 28)}" y="${px(ly + 4)}">${escapeXml(s.label)}</text>`);
  });
  out.push('</g>');
  return out.join('\n');
}

/**
 * Training curves of a run as an SVG document: cost, then accuracy (when the run was evaluated),
 * then per-layer speed ‖∂C/∂b^l‖ on a log scale (when it recorded dynamics), then the angle in
 * degrees between the rule's update of each W^l and backprop's gradient (when it recorded alignment).
 */
export function plotRunSvg(run: PlotRun, options: PlotOptions = {}): string {
  const { history } = readRun(run);
  const width = options.width ?? 720;
  const chartHeight = options.chartHeight ?? 260;
  const charts: { title: string; yLabel: string; series: Series[]; log: boolean }[] = [];
  const line = (label: string, color: string, pick: (e: PlotEpoch) => number | undefined): Series | null => {
    const points = history.flatMap((e): [number, number][] => {
      const v = pick(e);
      return v === undefined ? [] : [[e.epoch, v]];
    });
    return points.length > 0 ? { label, color, points } : null;
  };
  const keep = (s: (Series | null)[]): Series[] => s.filter((v): v is Series => v !== null);

  charts.push({
    title: 'Cost',
    yLabel: 'cost C',
    log: false,
    series: keep([
      line('training', PALETTE[0], (e) => e.trainCost),
      line('validation', PALETTE[1], (e) => e.validation?.cost),
      line('test', PALETTE[2], (e) => e.test?.cost),
    ]),
  });
  const accuracy = keep([
    line('validation', PALETTE[1], (e) => (e.validation ? 100 * e.validation.accuracy : undefined)),
    line('test', PALETTE[2], (e) => (e.test ? 100 * e.test.accuracy : undefined)),
  ]);
  if (accuracy.length > 0) charts.push({ title: 'Accuracy', yLabel: 'accuracy (%)', log: false, series: accuracy });
  const layerNumbers = [...new Set(history.flatMap((e) => (e.dynamics ?? []).map((d) => d.layer)))].sort((a, b) => a - b);
  const output = layerNumbers[layerNumbers.length - 1]; // the last layer recorded is the output layer L
  const speed = keep(layerNumbers.map((l, i) => line(l === output ? `layer ${l} (output)` : `layer ${l}`, PALETTE[i % PALETTE.length], (e) => e.dynamics?.find((d) => d.layer === l)?.gradB)));
  if (speed.some((s) => s.points.some((p) => p[1] > 0))) {
    charts.push({ title: 'Speed of learning ‖∂C/∂b^l‖ per layer', yLabel: '‖∂C/∂b‖ (log scale)', log: true, series: speed });
  }
  const alignedLayers = [...new Set(history.flatMap((e) => (e.alignment ?? []).map((d) => d.layer)))].sort((a, b) => a - b);
  const top = alignedLayers[alignedLayers.length - 1];
  const angles = keep(alignedLayers.map((l, i) => line(l === top ? `W${l} (output)` : `W${l}`, PALETTE[i % PALETTE.length], (e) => e.alignment?.find((d) => d.layer === l)?.angle)));
  if (angles.length > 0) {
    charts.push({ title: "Alignment: angle between the rule's update and ∂C/∂W^l", yLabel: 'angle (degrees)', log: false, series: angles });
  }

  const titleH = options.title ? 30 : 0;
  const height = titleH + charts.length * chartHeight;
  const body = charts.map((c, i) => chart(c.title, c.yLabel, c.series, 0, titleH + i * chartHeight, width, chartHeight, c.log));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    options.title ? `<text x="${width / 2}" y="21" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(options.title)}</text>` : '',
    ...body,
    '</svg>',
  ].filter((s) => s !== '').join('\n') + '\n';
}
