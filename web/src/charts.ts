/**
 * web/charts — small live line charts on a canvas (cost, accuracy, per-layer learning speed):
 * several series, linear or log y axis, a legend, redrawn at most once per animation frame.
 */
import { num } from './dom.js';

/** One line of a chart. */
export interface Series {
  name: string;
  color: string;
  /** x values (steps or epochs). */
  xs: number[];
  ys: number[];
  /** Draw faint dots instead of a line (raw, noisy values). */
  dots?: boolean;
}

/** Options of a chart. */
export interface ChartOptions {
  title: string;
  xLabel: string;
  log?: boolean;
  /** Fixed y range (e.g. [0, 1] for accuracy). */
  yRange?: [number, number];
  /** Text to show while there is no data. */
  empty?: string;
}

/** A line chart drawn on a canvas that fills its container's width. */
export class LineChart {
  private readonly canvas: HTMLCanvasElement;
  private series: Series[] = [];
  private pending = 0;

  constructor(
    container: HTMLElement,
    private readonly options: ChartOptions,
    private readonly cssHeight = 120,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', options.title);
    container.append(this.canvas);
    new ResizeObserver(() => this.schedule()).observe(container);
  }

  /** Replace the data and redraw on the next frame. */
  set(series: Series[]): void {
    this.series = series;
    this.schedule();
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.draw();
    });
  }

  private draw(): void {
    const canvas = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const cssWidth = Math.max(160, canvas.parentElement?.clientWidth ?? 300);
    const cssHeight = this.cssHeight;
    canvas.width = Math.round(cssWidth * dpr);
    canvas.height = Math.round(cssHeight * dpr);
    canvas.style.width = `${cssWidth}px`;
    canvas.style.height = `${cssHeight}px`;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssWidth, cssHeight);
    const left = 54;
    const right = 8;
    const bottom = 18;
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#333';
    ctx.fillText(this.options.title, left, 12);
    // The legend goes right-aligned in the title row, or in a row of its own under the title when
    // the title leaves no room (without the last values if even that row is too narrow).
    const legend = (values: boolean) => this.series.filter((s) => !s.dots).map((s) => {
      const last = s.ys[s.ys.length - 1];
      return { color: s.color, text: `${s.name}${values && last !== undefined ? ` ${num(last, 3)}` : ''}` };
    });
    const widthOf = (list: { text: string }[]): number => list.reduce((sum, e) => sum + ctx.measureText(e.text).width + 12, 0) - 12;
    let entries = legend(true);
    const inTitle = left + ctx.measureText(this.options.title).width + 16 + widthOf(entries) <= cssWidth - right;
    if (!inTitle && widthOf(entries) > cssWidth - right - 4) entries = legend(false);
    const top = inTitle ? 18 : 32;
    const w = cssWidth - left - right;
    const hgt = cssHeight - top - bottom;

    const log = this.options.log === true;
    const tf = (y: number): number => (log ? Math.log10(y) : y);
    let xMin = Infinity;
    let xMax = -Infinity;
    let yMin = Infinity;
    let yMax = -Infinity;
    for (const s of this.series) {
      for (let i = 0; i < s.xs.length; i++) {
        const y = s.ys[i];
        if (!Number.isFinite(y) || (log && y <= 0)) continue;
        xMin = Math.min(xMin, s.xs[i]);
        xMax = Math.max(xMax, s.xs[i]);
        yMin = Math.min(yMin, tf(y));
        yMax = Math.max(yMax, tf(y));
      }
    }
    ctx.strokeStyle = '#ccc';
    ctx.lineWidth = 1;
    ctx.strokeRect(left + 0.5, top + 0.5, w, hgt);
    if (!Number.isFinite(xMin)) {
      ctx.fillStyle = '#888';
      ctx.fillText(this.options.empty ?? 'no data yet', left + 8, top + hgt / 2 + 4);
      return;
    }
    if (this.options.yRange) [yMin, yMax] = this.options.yRange.map(tf) as [number, number];
    if (yMax - yMin < 1e-12) {
      yMax += log ? 0.5 : Math.max(1e-6, Math.abs(yMax) * 0.1);
      yMin -= log ? 0.5 : Math.max(1e-6, Math.abs(yMin) * 0.1);
    }
    if (xMax === xMin) xMax = xMin + 1;
    const X = (x: number): number => left + ((x - xMin) / (xMax - xMin)) * w;
    const Y = (y: number): number => top + (1 - (tf(y) - yMin) / (yMax - yMin)) * hgt;

    // Axis labels: y range and x range.
    ctx.fillStyle = '#666';
    ctx.textAlign = 'right';
    const yLabel = (v: number): string => num(log ? 10 ** v : v, 2);
    ctx.fillText(yLabel(yMax), left - 4, top + 9);
    ctx.fillText(yLabel(yMin), left - 4, top + hgt);
    ctx.textAlign = 'left';
    ctx.fillText(`${this.options.xLabel} ${Math.round(xMin)}`, left, cssHeight - 4);
    ctx.textAlign = 'right';
    ctx.fillText(String(Math.round(xMax)), left + w, cssHeight - 4);
    ctx.textAlign = 'left';

    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, w, hgt);
    ctx.clip();
    for (const s of this.series) {
      ctx.strokeStyle = s.color;
      ctx.fillStyle = s.color;
      if (s.dots) {
        ctx.globalAlpha = 0.25;
        for (let i = 0; i < s.xs.length; i++) {
          const y = s.ys[i];
          if (!Number.isFinite(y) || (log && y <= 0)) continue;
          ctx.fillRect(X(s.xs[i]) - 1, Y(y) - 1, 2, 2);
        }
        ctx.globalAlpha = 1;
        continue;
      }
      ctx.lineWidth = 1.6;
      ctx.beginPath();
      let started = false;
      for (let i = 0; i < s.xs.length; i++) {
        const y = s.ys[i];
        if (!Number.isFinite(y) || (log && y <= 0)) continue;
        if (started) ctx.lineTo(X(s.xs[i]), Y(y));
        else ctx.moveTo(X(s.xs[i]), Y(y));
        started = true;
      }
      ctx.stroke();
      // A point with no drawable neighbour would make no line: mark it with a dot.
      const drawable = (i: number): boolean => i >= 0 && i < s.ys.length && Number.isFinite(s.ys[i]) && !(log && s.ys[i] <= 0);
      for (let i = 0; i < s.xs.length; i++) {
        if (drawable(i) && !drawable(i - 1) && !drawable(i + 1)) ctx.fillRect(X(s.xs[i]) - 2.5, Y(s.ys[i]) - 2.5, 5, 5);
      }
    }
    ctx.restore();

    // The legend (placed above).
    let x = cssWidth - right;
    const y = inTitle ? 12 : 26;
    ctx.textAlign = 'right';
    for (const e of [...entries].reverse()) {
      ctx.fillStyle = e.color;
      ctx.fillText(e.text, x, y);
      x -= ctx.measureText(e.text).width + 12;
    }
    ctx.textAlign = 'left';
  }
}
