// saliency and hidden units (against finite differences and the weights themselves), the diverging
// colour map and heatmap grids, and the SVG training curves with the checks on run records.
import { describe, expect, it } from 'vitest';
import { divergingColor, heatmap, heatmapGrid, plotRunSvg, readRun, saliency, units, type PlotRun } from '../src/explain/index.js';
import { sequential } from '../src/nn/index.js';
import { tensor } from '../src/tensor/index.js';
import { ArgumentError, DataError, Rng } from '../src/util/index.js';
import { PAIRINGS, randomExample } from './explain-helpers.js';

describe('saliency', () => {
  it('∂C/∂x and ∂a^L_j/∂x equal central differences of the model', () => {
    for (const p of PAIRINGS) {
      const model = sequential({ sizes: [9, 5, 4], activation: p.hidden, output: p.output, cost: p.cost, rng: 5, dtype: 'float64' });
      const { x, label } = randomExample(model, new Rng(1));
      const r = saliency(model, x, label, { output: 2 });
      expect(r.imageShape).toEqual([3, 3]);
      expect(r.label).toBe(label);
      expect(r.output).toBe(2);
      const h = 1e-6;
      const at = (i: number, d: number) => {
        const xs = x.slice();
        xs[i] += d;
        return xs;
      };
      for (let i = 0; i < 9; i++) {
        const costAt = (xs: number[]) => model.loss(tensor([xs], undefined, 'float64'), tensor([r.outputs.map((_, j) => (j === label ? 1 : 0))], undefined, 'float64'));
        const outAt = (xs: number[]) => model.predict(tensor([xs], undefined, 'float64')).dataSync()[2];
        const dC = (costAt(at(i, h)) - costAt(at(i, -h))) / (2 * h);
        const dOut = (outAt(at(i, h)) - outAt(at(i, -h))) / (2 * h);
        expect(Math.abs(r.dCdx[i] - dC)).toBeLessThan(1e-7 * Math.max(1, Math.abs(dC)));
        expect(Math.abs(r.dOutputdx[i] - dOut)).toBeLessThan(1e-7 * Math.max(1, Math.abs(dOut)));
      }
    }
  });

  it('defaults to the predicted class and rejects an output that does not exist', () => {
    const model = sequential({ sizes: [6, 4, 3], rng: 2 });
    const r = saliency(model, [1, 0, 1, 0, 1, 0], 1);
    expect(r.output).toBe(r.predicted);
    expect(r.outputs.indexOf(Math.max(...r.outputs))).toBe(r.predicted);
    expect(r.imageShape).toBeNull(); // 6 is not a square
    expect(saliency(model, [1, 0, 1, 0, 1, 0], 1, { imageShape: [2, 3] }).imageShape).toEqual([2, 3]);
    expect(() => saliency(model, [1, 0, 1, 0, 1, 0], 1, { output: 3 })).toThrow('saliency: output 3 is out of range: the output layer has neurons 0…2');
    expect(() => saliency(model, [1, 0, 1, 0, 1, 0], 1, { imageShape: [4, 4] })).toThrow(ArgumentError);
  });
});

describe('units', () => {
  it("are the rows of W^2, one image per first-layer neuron", () => {
    const model = sequential({ sizes: [16, 3, 2], rng: 1 });
    const r = units(model);
    expect(r.imageShape).toEqual([4, 4]);
    expect(r.units).toHaveLength(3);
    const W = model.layers[0].W.dataSync();
    r.units.forEach((u, j) => {
      expect(u.weights).toEqual(Array.from(W.subarray(j * 16, (j + 1) * 16)));
      expect(u.bias).toBe(model.layers[0].b.dataSync()[j]);
      expect(u.norm).toBeCloseTo(Math.hypot(...u.weights), 12);
    });
  });
});

describe('images', () => {
  it('maps negative to blue, zero to white, positive to red, clamping beyond ±1', () => {
    expect(divergingColor(0)).toEqual([255, 255, 255]);
    expect(divergingColor(-1)).toEqual([33, 102, 172]);
    expect(divergingColor(1)).toEqual([178, 24, 43]);
    expect(divergingColor(5)).toEqual([178, 24, 43]);
    const half = divergingColor(-0.5);
    expect(half[2]).toBeGreaterThan(half[0]); // bluish
  });

  it('draws a heatmap with zoom, and a grid with grey separators', () => {
    const img = heatmap([-2, 0, 1, 2], [2, 2], { zoom: 3 });
    expect([img.width, img.height, img.data.length]).toEqual([6, 6, 6 * 6 * 4]);
    expect(Array.from(img.data.subarray(0, 4))).toEqual([33, 102, 172, 255]); // −2 is the largest |value|: full blue
    const px = (x: number, y: number) => Array.from(img.data.subarray((y * 6 + x) * 4, (y * 6 + x) * 4 + 3));
    expect(px(4, 0)).toEqual([255, 255, 255]); // 0 → white
    expect(px(5, 5)).toEqual([178, 24, 43]); // 2 → full red
    const grid = heatmapGrid([[1, 0], [0, -1], [1, 1]], [1, 2], { columns: 2, pad: 1 });
    expect([grid.width, grid.height]).toEqual([2 * 2 + 3, 2 * 1 + 3]);
    expect(Array.from(grid.data.subarray(0, 4))).toEqual([160, 160, 160, 255]);
    expect(() => heatmap([1, 2, 3], [2, 2])).toThrow('heatmap: shape [2, 2] needs 4 values, got 3');
    expect(() => heatmapGrid([], [2, 2])).toThrow(ArgumentError);
  });
});

describe('plotRunSvg', () => {
  const run: PlotRun = {
    history: [1, 2, 3].map((epoch) => ({
      epoch,
      trainCost: 1 / epoch,
      validation: { accuracy: 0.8 + epoch / 100, cost: 1.1 / epoch },
      dynamics: [{ layer: 2, gradB: 0.003 * epoch, gradW: 0.1 }, { layer: 3, gradB: 0.2, gradW: 0.5 }],
    })),
  };

  it('draws cost, accuracy and per-layer speed with axes, ticks and legends', () => {
    const svg = plotRunSvg(run, { title: 'A & B' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('A &amp; B');
    expect(svg.match(/<g class="chart">/g)).toHaveLength(3);
    expect(svg.match(/<polyline/g)).toHaveLength(2 + 1 + 2); // cost: training, validation; accuracy: validation; speed: 2 layers
    for (const label of ['training', 'validation', 'layer 2', 'layer 3', 'epoch', 'accuracy (%)', 'Speed of learning']) expect(svg).toContain(label);
    expect(svg).not.toContain('NaN');
    // Every element opened is closed.
    const opened = (svg.match(/<(g|svg)[ >]/g) ?? []).length;
    const closed = (svg.match(/<\/(g|svg)>/g) ?? []).length;
    expect(opened).toBe(closed);
  });

  it('leaves out the charts a run has no data for, and plots a single epoch as points', () => {
    const svg = plotRunSvg({ history: [{ epoch: 1, trainCost: 0.5 }] });
    expect(svg.match(/<g class="chart">/g)).toHaveLength(1);
    expect(svg.match(/<circle/g)).toHaveLength(1);
    expect(svg).not.toContain('NaN');
  });

  it('names the first bad field of a run record', () => {
    expect(() => readRun({ config: {} }, 'run.json')).toThrow(DataError);
    expect(() => readRun({ history: [] }, 'run.json')).toThrow('run.json: the history is empty: nothing to plot');
    expect(() => readRun({ history: [{ epoch: 1, trainCost: 1 }, { epoch: 2, trainCost: 'x' }] }, 'run.json')).toThrow(
      'run.json: history[1].trainCost must be a finite number, got "x"',
    );
    expect(() => readRun({ history: [{ epoch: 1, trainCost: 1, dynamics: [{ layer: 2, gradB: null, gradW: 1 }] }] })).toThrow('run: history[0].dynamics[0].gradB must be a finite number, got null');
    expect(() => readRun({ history: [{ epoch: 1, trainCost: 1, alignment: 'x' }] })).toThrow('run: history[0].alignment must be a list of layer angles, got "x"');
    expect(() => readRun({ history: [{ epoch: 1, trainCost: 1, alignment: [{ layer: 2, angle: 'wide', normRatio: 1 }] }] })).toThrow('run: history[0].alignment[0].angle must be a finite number, got "wide"');
  });

  it('adds the alignment chart (degrees per layer) when the run recorded it', () => {
    const aligned: PlotRun = { history: run.history.map((h, i) => ({ ...h, alignment: [{ layer: 2, angle: 80 - 20 * i, normRatio: 1 }, { layer: 3, angle: 0, normRatio: 1 }] })) };
    const svg = plotRunSvg(aligned);
    expect(svg.match(/<g class="chart">/g)).toHaveLength(4);
    expect(svg.match(/<polyline/g)).toHaveLength(2 + 1 + 2 + 2);
    for (const label of ["Alignment: angle between the rule's update and ∂C/∂W^l", 'angle (degrees)', 'W2', 'W3 (output)']) expect(svg).toContain(label);
  });
});
