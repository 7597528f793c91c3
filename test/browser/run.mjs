#!/usr/bin/env node
// Browser tests of the explorer (web/): builds the site when it is missing or older than its
// sources, serves web/dist with the explorer's own server (src/cli/explore.ts) on 127.0.0.1, and
// drives Debian's Chromium through playwright-core. Every number the page shows that a test
// checks is recomputed here, independently, with the library in Node (imported through tsx).
// The server sends COOP + COEP, so pages are cross-origin isolated and the wasm backend runs its
// second thread in a Web Worker; a small page bundled here from test/browser/wasm-threads-page.ts
// checks those threaded kernels bit for bit against one thread.
// Prints one line per test and a final `N passed, M failed`; screenshots go to test-artifacts/.
// Without /usr/bin/chromium it says so and exits 0 (1 when REQUIRE_BROWSER=1).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CHROMIUM = '/usr/bin/chromium';
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const site = path.join(repo, 'web/dist');
const artifacts = path.join(repo, 'test-artifacts');

if (!existsSync(CHROMIUM)) {
  console.log(`browser tests did not run: ${CHROMIUM} not found (apt-get install -y chromium)`);
  process.exit(process.env.REQUIRE_BROWSER === '1' ? 1 : 0);
}

/** Newest modification time under `p` (files only). */
function newest(p) {
  const info = statSync(p);
  if (!info.isDirectory()) return info.mtimeMs;
  let t = 0;
  for (const name of readdirSync(p)) t = Math.max(t, newest(path.join(p, name)));
  return t;
}

const sources = ['web/src', 'web/index.html', 'web/vite.config.ts', 'src'].map((p) => path.join(repo, p));
const builtAt = existsSync(path.join(site, 'index.html')) ? statSync(path.join(site, 'index.html')).mtimeMs : 0;
if (builtAt === 0 || sources.some((p) => newest(p) > builtAt)) {
  console.log('building the site (vite build web) …');
  execFileSync(process.execPath, [path.join(repo, 'node_modules/vite/bin/vite.js'), 'build', 'web', '--logLevel', 'warn'], { cwd: repo, stdio: 'inherit' });
}
mkdirSync(artifacts, { recursive: true });

const { tsImport } = await import('tsx/esm/api');
const lib = await tsImport(path.join(repo, 'src/index.ts'), import.meta.url);
const { createExploreServer } = await tsImport(path.join(repo, 'src/cli/explore.ts'), import.meta.url);
const { chromium } = await import('playwright-core');

// ── independent computations with the library ────────────────────────────────────────────────

/** The page's model in float64, rebuilt from its spec and parameters. */
function modelOf(spec, params) {
  const tensors = params.map((p, i) => {
    const l = i >> 1;
    const shape = i % 2 === 0 ? [spec.sizes[l + 1], spec.sizes[l]] : [spec.sizes[l + 1]];
    return lib.tensor(p, shape, 'float64');
  });
  return lib.Sequential.fromSpec(spec, tensors);
}

/** C of one example. */
function costOf(model, x, label) {
  const classes = model.sizes[model.sizes.length - 1];
  return model.loss(lib.tensor(x, [1, x.length], 'float64'), lib.oneHot([label], classes, 'float64'));
}

/** C(w + Δw) − C(w) by two plain forward passes, and ∂C/∂w by reverse mode (`grad`). */
function nudgeByHand(spec, params, x, label, w, dw) {
  const base = modelOf(spec, params);
  const nIn = spec.sizes[w.layer - 2];
  const changed = params.map((p) => [...p]);
  changed[2 * (w.layer - 2)][w.to * nIn + w.from] += dw; // w^l_jk = W^l[j, k], W^l is parameter 2(l − 2)
  const measured = costOf(modelOf(spec, changed), x, label) - costOf(base, x, label);
  const classes = spec.sizes[spec.sizes.length - 1];
  const X = lib.tensor(x, [1, x.length], 'float64');
  const Y = lib.oneHot([label], classes, 'float64');
  const grads = lib.grad((...ps) => base.lossWith(ps, X, Y))(...base.paramTensors());
  const gradient = grads[2 * (w.layer - 2)].dataSync()[w.to * nIn + w.from];
  return { measured, gradient, linear: gradient * dw };
}

/** Mean cost of the page's model over a data set. */
function datasetCost(spec, params, ds) {
  return modelOf(spec, params).loss(lib.cast(ds.x, 'float64'), lib.cast(ds.y, 'float64'));
}

// ── harness ──────────────────────────────────────────────────────────────────────────────────

const servers = [];
async function serve(options) {
  const server = createExploreServer(options);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${server.address().port}/`;
}

const base = await serve({ root: site });
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

/** Problems seen on any page: console errors, uncaught exceptions, failed or foreign requests. */
const problems = [];

async function open(url, { viewport = { width: 1440, height: 900 } } = {}) {
  const page = await browser.newPage({ viewport });
  const origin = new URL(url).origin;
  page.warnings = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error on ${page.url()}: ${m.text()}`);
    if (m.type() === 'warning') page.warnings.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`uncaught exception on ${page.url()}: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')) problems.push(`request outside the page's origin: ${u}`);
  });
  await page.goto(url);
  await waitReady(page);
  return page;
}

async function waitReady(page, timeout = 60_000) {
  await page.waitForFunction(() => window.__glassbox?.ready() === true, null, { timeout });
}

/** Wait until the page's model snapshot no longer changes and training is idle. */
async function settle(page) {
  await page.waitForFunction(() => window.__glassbox.idle(), null, { timeout: 60_000 });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

const hook = (page) =>
  page.evaluate(() => ({ state: window.__glassbox.state(), spec: window.__glassbox.spec(), params: window.__glassbox.params(), example: window.__glassbox.example() }));

const dataValue = async (page, selector) => Number(await page.getAttribute(selector, 'data-value'));

async function shot(page, name) {
  await page.screenshot({ path: path.join(artifacts, name), fullPage: true });
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function close(a, b, tol, what) {
  check(Math.abs(a - b) <= tol, `${what}: page ${a}, library ${b} (difference ${Math.abs(a - b)} > ${tol})`);
}

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

// ── the tests ────────────────────────────────────────────────────────────────────────────────

test('the page loads with the whole network drawn and no console errors', async () => {
  const page = await open(base);
  const neurons = await page.locator('svg.network circle.neuron').count();
  const weights = await page.locator('svg.network g.weights line').count();
  check(neurons === 2 + 4 + 4 + 2, `expected 12 neurons for [2, 4, 4, 2], drew ${neurons}`);
  check(weights === 2 * 4 + 4 * 4 + 4 * 2, `expected 32 weights, drew ${weights}`);
  check((await page.title()).includes('glassbox'), 'title');
  await shot(page, 'toy-nudge.png');
  const before = problems.length;
  check(before === 0, problems.join('\n'));
  await page.close();
});

/** A point on screen where the weight line w^l_jk is the topmost element (to hover or click it). */
async function pointOnWeight(page, l, j, k) {
  const line = page.locator(`svg.network g.weights line[data-l="${l}"][data-j="${j}"][data-k="${k}"]`);
  const point = await line.evaluate((el) => {
    const svg = el.ownerSVGElement;
    const ctm = svg.getScreenCTM();
    for (const t of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]) {
      const p = svg.createSVGPoint();
      p.x = Number(el.getAttribute('x1')) * (1 - t) + Number(el.getAttribute('x2')) * t;
      p.y = Number(el.getAttribute('y1')) * (1 - t) + Number(el.getAttribute('y2')) * t;
      const q = p.matrixTransform(ctm);
      if (document.elementFromPoint(q.x, q.y) === el) return { x: q.x, y: q.y };
    }
    return null;
  });
  check(point, `w^${l}_{${j},${k}} is hidden under other lines everywhere`);
  return point;
}

test('clicking a weight and moving the slider shows ΔC equal to the library’s (1e-6)', async () => {
  const page = await open(base);
  const point = await pointOnWeight(page, 3, 1, 2);
  await page.mouse.click(point.x, point.y);
  await page.waitForFunction(() => location.hash.includes('w=3.1.2'));
  // Drag the Δw slider from its thumb to three quarters of its track.
  const box = await page.locator('#dw-slider').boundingBox();
  const start = await page.locator('#dw-slider').evaluate((el) => (Number(el.value) - Number(el.min)) / (Number(el.max) - Number(el.min)));
  await page.mouse.move(box.x + 8 + start * (box.width - 16), box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.62, box.y + box.height / 2, { steps: 5 });
  await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  const slider = Number(await page.inputValue('#dw-slider'));
  check(Math.abs(slider - 1) < 0.15, `the slider should sit near Δw = 1 after the drag, it reads ${slider}`);
  await page.waitForFunction((v) => Number(document.querySelector('#dw-value')?.getAttribute('data-value')) === v, slider);
  await page.waitForFunction(() => Number(document.querySelector('svg.network')?.dataset.rippled ?? 0) > 0, null, { timeout: 20_000 });
  const { state, spec, params, example } = await hook(page);
  check(state.weight.layer === 3 && state.weight.to === 1 && state.weight.from === 2, `selected ${JSON.stringify(state.weight)}`);
  const expect = nudgeByHand(spec, params, example.x, example.label, state.weight, slider);
  close(await dataValue(page, '#dc-measured'), expect.measured, 1e-6, 'ΔC measured');
  close(await dataValue(page, '#dc-linear'), expect.linear, 1e-6, '(∂C/∂w)·Δw');
  close(await dataValue(page, '#grad-value'), expect.gradient, 1e-6, '∂C/∂w');
  check(Math.abs(expect.measured) > 1e-4, `the nudge should change the cost visibly, ΔC = ${expect.measured}`);
  // The animation put Δa labels on the drawing and ended with ΔC.
  const labels = await page.locator('.network-box .ripple-label').allTextContents();
  check(labels.some((t) => t.startsWith('ΔC')), `no ΔC label in the ripple: ${labels.join(' | ')}`);
  await shot(page, 'ripple.png');
  await page.close();
});

test('the paths panel’s sum equals the gradient shown (and the library’s)', async () => {
  const page = await open(`${base}#w=2.1.0&tab=paths`);
  await page.waitForSelector('#paths-sum');
  const count = Number(await page.getAttribute('#paths-count', 'data-value'));
  const sum = await dataValue(page, '#paths-sum');
  const total = await dataValue(page, '#paths-total');
  const rows = await page.locator('.paths-table tbody tr').count();
  check(count === 8 && rows === 8, `[2, 4, 4, 2] has 1 × 4 × 2 = 8 paths from a layer-2 weight; the page says ${count}, lists ${rows}`);
  close(sum, total, 1e-12 * Math.max(1, Math.abs(total)), 'sum of all paths vs ∂C/∂w shown');
  const { state, spec, params, example } = await hook(page);
  close(total, nudgeByHand(spec, params, example.x, example.label, state.weight, 0).gradient, 1e-9, '∂C/∂w');
  check((await page.locator('svg.network .path-line').count()) === 8, 'the 8 paths are highlighted on the drawing');
  await shot(page, 'paths.png');
  // A deeper network: more paths than listed; the listed sum plus the remainder is the gradient.
  await page.goto(`${base}#hidden=8,8,8&w=2.3.1&tab=paths`);
  await waitReady(page);
  await page.waitForFunction(() => Number(document.querySelector('#paths-count')?.getAttribute('data-value')) === 8 * 8 * 2);
  const listed = await dataValue(page, '#paths-sum');
  const remainder = await dataValue(page, '#paths-remainder');
  const total2 = await dataValue(page, '#paths-total');
  close(listed + remainder, total2, 1e-12, 'listed + remainder');
  await page.close();
});

test('hovering shows a neuron’s z, a, δ and a weight’s w, ∂C/∂w — the library’s', async () => {
  const page = await open(`${base}#hidden=3`);
  const { spec, params, example } = await hook(page);
  const model = modelOf(spec, params);
  const X = lib.tensor(example.x, [1, 2], 'float64');
  const Y = lib.oneHot([example.label], 2, 'float64');
  const grads = lib.grad((...ps) => model.lossWith(ps, X, Y))(...model.paramTensors());
  const { zs, activations } = model.forwardTrace(X);
  const tip = async () => page.$$eval('.tooltip td', (tds) => tds.map((td) => Number(td.getAttribute('data-value'))));
  await page.hover('svg.network circle.neuron[data-l="2"][data-j="1"]');
  await page.waitForSelector('.tooltip:not([hidden])');
  const [z, a, delta] = await tip();
  close(z, zs[0].dataSync()[1], 1e-9, 'z²₁');
  close(a, activations[1].dataSync()[1], 1e-9, 'a²₁');
  close(delta, grads[1].dataSync()[1], 1e-9, 'δ²₁ = ∂C/∂b²₁'); // BP3: δ equals the bias gradient
  const point = await pointOnWeight(page, 3, 0, 2);
  await page.mouse.move(point.x, point.y);
  await page.waitForFunction(() => document.querySelector('.tooltip-title')?.textContent?.includes('neuron 2 of layer 2 → neuron 0 of layer 3'));
  const [w, dw] = await tip();
  close(w, params[2][0 * 3 + 2], 0, 'w³₀,₂');
  close(dw, grads[2].dataSync()[0 * 3 + 2], 1e-9, '∂C/∂w³₀,₂');
  await shot(page, 'hover.png');
  await page.close();
});

test('backprop, step by step: BP4 of the selected weight equals the library’s ∂C/∂w', async () => {
  const page = await open(`${base}#w=3.2.1&tab=backprop`);
  const steps = await page.locator('#panel-backprop .pill').count();
  check(steps === 4, `forward + three layers expected, got ${steps} steps`);
  await page.click('#bp-next'); // δ^4 (BP1)
  check((await page.textContent('#backprop-body')).includes('BP1'), 'BP1 shown at the output layer');
  await page.click('#bp-next'); // δ^3 (BP2)
  const text = await page.textContent('#backprop-body');
  check(text.includes('BP2') && text.includes('the selected weight'), 'BP2 and the selected weight shown at layer 3');
  const shown = await dataValue(page, '#bp4-example b');
  const { state, spec, params, example } = await hook(page);
  close(shown, nudgeByHand(spec, params, example.x, example.label, state.weight, 0).gradient, 1e-9, 'BP4 ∂C/∂w');
  check((await page.locator('svg.network .layer-highlight').count()) === 1, 'the layer is highlighted on the drawing');
  await shot(page, 'backprop.png');
  await page.close();
});

test('100 training steps on the spiral set lower the cost', async () => {
  const page = await open(`${base}#data=spiral&hidden=8,8`);
  const before = await hook(page);
  check(before.state.data === 'spiral', 'spiral selected');
  for (let i = 0; i < 100; i++) await page.click('#step');
  await page.waitForFunction(() => window.__glassbox.step() === 100, null, { timeout: 60_000 });
  await settle(page);
  const after = await hook(page);
  const splits = await lib.loadDataset('spiral', { noise: before.state.noise, rng: new lib.Rng(before.state.seed) });
  const c0 = datasetCost(before.spec, before.params, splits.train);
  const c1 = datasetCost(after.spec, after.params, splits.train);
  check(c1 < c0, `training cost ${c0} → ${c1} did not fall`);
  check((await page.textContent('#step-count')).trim() === '100', 'the step counter reads 100');
  console.log(`    spiral [2, 8, 8, 2], 100 steps: training-set cost ${c0.toFixed(4)} → ${c1.toFixed(4)}`);
  await shot(page, 'spiral-100-steps.png');
  // Play, let it train a while, pause: epochs recorded, charts and accuracy filled.
  await page.click('#play');
  await page.waitForFunction(() => window.__glassbox.step() > 100 + 25 * 40, null, { timeout: 60_000 });
  await page.click('#play');
  await settle(page);
  const acc = (await page.textContent('#acc-now')).trim();
  check(/%$/.test(acc), `test accuracy shown after training, got '${acc}'`);
  await page.click('#tab-units');
  await page.waitForSelector('#panel-units canvas');
  await shot(page, 'training-spiral.png');
  await page.close();
});

test('training by feedback alignment: the weights are the library’s fit with that rule, and the alignment chart shows its angles', async () => {
  const page = await open(`${base}#data=spiral&hidden=8,8&rule=feedback-alignment&eta=0.5`);
  check((await page.inputValue('#rule')) === 'feedback-alignment', 'the rule control shows the URL’s rule');
  check(await page.isVisible('#chart-align'), 'the alignment chart is shown for a rule other than backprop');
  const before = await hook(page);
  // Three epochs (25 batches each), stepped: the same run as fit with the rule in Node.
  for (let i = 0; i < 75; i++) await page.click('#step');
  await page.waitForFunction(() => window.__glassbox.step() === 75 && window.__glassbox.idle(), null, { timeout: 60_000 });
  await settle(page);
  const after = await hook(page);
  const splits = await lib.loadDataset('spiral', { noise: before.state.noise, rng: new lib.Rng(before.state.seed) });
  const model = lib.sequential({ sizes: before.spec.sizes, activation: before.state.activation, output: 'sigmoid', cost: before.state.cost, init: 'default', rng: before.state.seed });
  const result = await lib.fit(model, splits.train, {
    epochs: 3, batchSize: 10, optimizer: lib.sgd({ eta: 0.5 }), rng: before.state.seed, rule: lib.rules['feedback-alignment'], monitor: { dynamics: true, alignment: true, every: 1 },
  });
  const want = model.paramTensors().map((t) => Array.from(t.dataSync()));
  after.params.forEach((p, i) => p.forEach((w, k) => close(w, want[i][k], 1e-5, `parameter ${i}[${k}] after 75 steps of feedback alignment`)));
  // A segment that ends on an epoch's last batch stops before closing the epoch; the next one closes
  // it first (with the monitor's sums carried in the state), then trains its batch.
  await page.click('#step');
  await page.waitForFunction(() => window.__glassbox.step() === 76 && window.__glassbox.idle(), null, { timeout: 60_000 });
  await settle(page);
  const epochs = (await page.evaluate(() => window.__glassbox.epochs())).filter((r) => r.epoch > 0);
  check(epochs.length === 3, `three epochs recorded, got ${epochs.length}`);
  epochs.forEach((r, e) => {
    const wantAngles = result.history[e].alignment;
    check(r.alignment?.length === 3, `epoch ${r.epoch}: alignment of three layers expected, got ${JSON.stringify(r.alignment)}`);
    r.alignment.forEach((a, l) => close(a.angle, wantAngles[l].angle, 1e-3, `epoch ${r.epoch} angle of W${a.layer}`));
    check(r.alignment[2].angle < 0.5, `feedback alignment's output layer is backprop's: ${r.alignment[2].angle}°`);
  });
  console.log(`    spiral [2, 8, 8, 2], feedback alignment, 3 epochs: W2's angle to ∂C/∂W2 ${epochs.map((r) => `${r.alignment[0].angle.toFixed(1)}°`).join(' → ')} (fit in Node: ${result.history.map((h) => `${h.alignment[0].angle.toFixed(1)}°`).join(' → ')})`);
  await shot(page, 'feedback-alignment.png');
  // Back to backprop: a fresh network, the alignment chart hidden.
  await page.selectOption('#rule', 'backprop');
  await page.waitForFunction(() => window.__glassbox.step() === 0 && window.__glassbox.state().rule === 'backprop', null, { timeout: 30_000 });
  check(!(await page.isVisible('#chart-align')), 'no alignment chart for backprop');
  check(!page.url().includes('rule='), `backprop is the default and leaves the URL: ${page.url()}`);
  await page.close();
});

test('MNIST: a drawn stroke gives a prediction (the library’s), with saliency maps', async () => {
  const page = await open(`${base}#data=mnist`);
  // Train one epoch first (6,000 digits, Nielsen's η = 3), so the pictures show a trained network.
  await page.click('#play');
  await page.waitForFunction(() => window.__glassbox.step() >= 600, null, { timeout: 120_000 });
  await page.click('#play');
  await settle(page);
  const pad = await page.locator('#pad').boundingBox();
  const at = (fx, fy) => [pad.x + fx * pad.width, pad.y + fy * pad.height];
  // A "1": one stroke down the middle, a little slanted.
  await page.mouse.move(...at(0.55, 0.15));
  await page.mouse.down();
  for (let i = 1; i <= 12; i++) await page.mouse.move(...at(0.55 - 0.08 * (i / 12), 0.15 + 0.7 * (i / 12)));
  await page.mouse.up();
  await page.waitForFunction(() => window.__glassbox.example()?.source === 'drawing');
  await page.waitForFunction(() => document.querySelector('#prediction')?.textContent?.includes('your drawing'));
  const digit = await dataValue(page, '#prediction b');
  const { spec, params, example } = await hook(page);
  check(example.x.some((v) => v > 0.5), 'the drawing reached the input');
  const out = modelOf(spec, params).predict(lib.tensor(example.x, [1, 784], 'float64')).dataSync();
  const expected = out.indexOf(Math.max(...out));
  check(digit === expected, `the page predicts ${digit}, the library ${expected}`);
  check((await page.locator('#saliency-cost').evaluate((c) => c.width)) === 28, 'saliency map drawn at 28×28');
  await shot(page, 'mnist-draw.png');
  await page.click('#tab-units');
  await page.waitForFunction(() => document.querySelectorAll('#units-grid canvas').length === 30);
  await shot(page, 'mnist-units.png');
  await page.close();
});

test('MNIST [784, 30, 10]: the ripple animates frame by frame (frame rate reported)', async () => {
  const page = await open(`${base}#data=mnist`);
  await page.waitForFunction(() => Number(document.querySelector('svg.network')?.dataset.rippled ?? 0) > 0, null, { timeout: 20_000 });
  const frames = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const times = [];
        const svg = document.querySelector('svg.network');
        const tick = (t) => {
          times.push(t);
          if (Number(svg.dataset.rippled) < 2) requestAnimationFrame(tick);
          else resolve(times);
        };
        document.querySelector('#replay').click();
        requestAnimationFrame(tick);
      }),
  );
  check(frames.length > 10, `only ${frames.length} frames during the ripple`);
  // The first gap includes building the overlay; the rest are the animation proper.
  const gaps = frames.slice(2).map((t, i) => t - frames[i + 1]).sort((a, b) => a - b);
  const median = gaps[gaps.length >> 1];
  const p95 = gaps[Math.floor(gaps.length * 0.95)];
  console.log(`    ripple on [784, 30, 10]: ${frames.length} frames, median ${median.toFixed(1)} ms (${(1000 / median).toFixed(0)} fps), 95th percentile ${p95.toFixed(1)} ms, first ${(frames[1] - frames[0]).toFixed(1)} ms (headless Chromium, no GPU)`);
  await shot(page, 'mnist-ripple.png');
  await page.close();
});

test('the URL round-trips the state', async () => {
  const page = await open(base);
  await page.selectOption('#data', 'xor');
  await waitReady(page);
  await page.click('#layer-add');
  await page.click('#layer-0-plus');
  await page.selectOption('#activation', 'relu');
  await page.selectOption('#cost', 'log-likelihood');
  await page.fill('#eta', '0.05');
  await page.press('#eta', 'Enter');
  await page.fill('#lambda', '0.5');
  await page.press('#lambda', 'Enter');
  await page.fill('#example', '17');
  await page.press('#example', 'Enter');
  await page.click('#tab-backprop');
  await waitReady(page);
  const first = await page.evaluate(() => window.__glassbox.state());
  check(first.data === 'xor' && first.hidden.join() === '5,4,4' && first.activation === 'relu' && first.eta === 0.05 && first.lambda === 0.5 && first.example === 17 && first.tab === 'backprop',
    `the controls did not all reach the state: ${JSON.stringify(first)}`);
  const url = page.url();
  const again = await open(url);
  const second = await again.evaluate(() => window.__glassbox.state());
  check(JSON.stringify(first) === JSON.stringify(second), `state from ${url}:\n${JSON.stringify(second)}\nexpected\n${JSON.stringify(first)}`);
  check((await again.inputValue('#eta')) === '0.05' && (await again.inputValue('#activation')) === 'relu', 'controls show the state');
  check((await again.getAttribute('#tab-backprop', 'aria-selected')) === 'true', 'the tab is restored');
  // Editing the URL of an open page applies it as written (explicit values win over MNIST's defaults).
  await again.evaluate(() => (location.hash = '#data=mnist&eta=0.5&act=tanh&hidden=20'));
  await again.waitForFunction(() => window.__glassbox.state().data === 'mnist');
  await waitReady(again);
  const edited = await again.evaluate(() => window.__glassbox.state());
  check(edited.eta === 0.5 && edited.activation === 'tanh' && edited.hidden.join() === '20', `URL edit applied as written: ${JSON.stringify(edited)}`);
  await again.waitForFunction(() => window.__glassbox.spec()?.sizes.join() === '784,20,10', null, { timeout: 60_000 });
  await page.close();
  await again.close();
});

test('bad URL values fall back to defaults with console warnings, never errors', async () => {
  const page = await open(`${base}#eta=abc&data=%3Cscript%3Ealert(1)%3C%2Fscript%3E&hidden=4,9999&w=99.0.0&evil=1&batch=2.5&rule=forward-forward`);
  const s = await page.evaluate(() => window.__glassbox.state());
  check(s.eta === 0.3 && s.data === 'circle' && s.hidden.join() === '4,4' && s.batch === 10 && s.weight.layer === 2 && s.rule === 'backprop', `defaults expected: ${JSON.stringify(s)}`);
  check(page.warnings.length >= 7, `one warning per bad value expected, got ${page.warnings.length}: ${page.warnings.join(' | ')}`);
  check(!(await page.evaluate(() => document.body.innerHTML.includes('<script>alert'))), 'the URL text was not injected into the page');
  await page.close();
});

test('a model given to `glassbox explore` is served at /model.json and opened', async () => {
  const model = lib.sequential({ sizes: [2, 3, 2], activation: 'sigmoid', cost: 'cross-entropy', rng: 7 });
  const text = lib.serializeModel(model, { dataset: 'xor' });
  const url = await serve({ root: site, model: new TextEncoder().encode(text) });
  const page = await open(`${url}#model=served`);
  await page.waitForFunction(() => window.__glassbox.spec()?.sizes.join() === '2,3,2');
  const { state, params } = await hook(page);
  check(state.data === 'xor' && state.hidden.join() === '3', `state follows the model: ${JSON.stringify(state)}`);
  const expected = model.paramTensors().map((t) => Array.from(t.dataSync()));
  check(JSON.stringify(params) === JSON.stringify(expected), 'the page holds the served weights exactly');
  await shot(page, 'served-model.png');
  await page.close();
});

test('opening a model file: a good one is adopted, a corrupt one is refused with the reasons', async () => {
  const page = await open(base);
  const model = lib.sequential({ sizes: [784, 16, 10], activation: 'sigmoid', cost: 'quadratic', rng: 3 });
  const good = path.join(artifacts, 'upload-model.json');
  await writeFile(good, lib.serializeModel(model, { dataset: 'mnist' }));
  await page.setInputFiles('#model-file', good);
  await page.waitForFunction(() => window.__glassbox.spec()?.sizes.join() === '784,16,10', null, { timeout: 60_000 });
  await waitReady(page);
  const s = await page.evaluate(() => window.__glassbox.state());
  check(s.data === 'mnist' && s.hidden.join() === '16', `state follows the file: ${JSON.stringify(s)}`);
  const bad = path.join(artifacts, 'upload-corrupt.json');
  await writeFile(bad, lib.serializeModel(model).replace('"version": 1', '"version": 99'));
  await page.setInputFiles('#model-file', bad);
  await page.waitForSelector('#banner:not([hidden])');
  const banner = await page.textContent('#banner');
  check(/upload-corrupt\.json/.test(banner) && /version/.test(banner), `the banner should name the file and the problem: ${banner}`);
  check((await page.evaluate(() => window.__glassbox.spec()?.sizes.join())) === '784,16,10', 'the corrupt file changed nothing');
  await page.close();
});

test('keyboard: play/pause from the keyboard, arrow keys pick weights', async () => {
  const page = await open(base);
  await page.focus('#play');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.__glassbox.step() > 0);
  check(await page.evaluate(() => window.__glassbox.running()), 'Enter on the play button starts training');
  await page.keyboard.press('Enter');
  await settle(page);
  check(!(await page.evaluate(() => window.__glassbox.running())), 'and Enter again pauses it');
  await page.focus('svg.network');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Shift+ArrowDown');
  const w = (await page.evaluate(() => window.__glassbox.state())).weight;
  check(w.layer === 3 && w.to === 1 && w.from === 1, `arrow keys should reach w^3_{1,1}, got ${JSON.stringify(w)}`);
  const focusVisible = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  check(focusVisible !== 'none', 'the focused network view shows a focus outline');
  await page.close();
});

test('beyond backprop: backprop and feedback alignment compared; backprop’s accuracy is the library’s fit', async () => {
  const page = await open(`${base}#data=xor&tab=compare`);
  await page.waitForSelector('#panel-compare:not([hidden])');
  check(await page.isChecked('#compare-rule-backprop'), 'backprop is chosen by default');
  check(await page.isChecked('#compare-rule-feedback-alignment'), 'feedback alignment is chosen by default');
  check(await page.isDisabled('#compare-rule-forward-forward'), 'forward-forward cannot train a 2-input, 2-class network: its box is disabled');
  // A budget out of range is refused with the value and the range named; nothing runs.
  await page.fill('#compare-budget', '5');
  await page.click('#compare-run');
  const refusal = await page.textContent('#compare-status');
  check(/'5'/.test(refusal) && /10 to 1,000,000/.test(refusal), `the refusal should name the value and the range: ${refusal}`);
  check((await page.locator('#compare-table tr').count()) === 0, 'no table after a refused run');
  const budget = 2500; // 10 epochs of the 250 training points
  await page.fill('#compare-budget', String(budget));
  await page.fill('#compare-target', '0.8');
  await page.focus('#compare-run');
  await page.keyboard.press('Enter'); // keyboard: the Run button works from the keyboard
  await page.waitForFunction(() => document.querySelector('#panel-compare')?.dataset.state === 'done', null, { timeout: 120_000 });
  const rows = await page.$$eval('#compare-table tbody tr', (trs) => trs.map((tr) => ({
    rule: tr.getAttribute('data-rule'),
    accuracy: Number(tr.querySelector('td.accuracy')?.getAttribute('data-value')),
    forward: Number(tr.children[5].getAttribute('data-value')),
    backward: Number(tr.children[6].getAttribute('data-value')),
  })));
  check(rows.length === 2 && rows[0].rule === 'backprop' && rows[1].rule === 'feedback-alignment', `two rows expected, backprop then feedback alignment: ${JSON.stringify(rows)}`);
  for (const r of rows) {
    check(Number.isFinite(r.accuracy) && r.accuracy >= 0 && r.accuracy <= 1, `${r.rule}: accuracy ${r.accuracy} is not a number in [0, 1]`);
    check(r.forward === budget / 10 && r.backward === budget / 10, `${r.rule}: one forward and one backward pass per step expected, got ${r.forward} and ${r.backward} over ${budget / 10} steps`);
  }
  check((await page.locator('#compare-chart polyline.curve').count()) === 2, 'one learning curve per rule');
  // Backprop in the panel is the library's fit with the page's settings: recompute it here.
  const { state, spec } = await hook(page);
  const splits = await lib.loadDataset('xor', { noise: state.noise, rng: new lib.Rng(state.seed) });
  const model = lib.sequential({ sizes: spec.sizes, activation: state.activation, output: 'sigmoid', cost: state.cost, init: 'default', rng: state.seed });
  await lib.fit(model, splits.train, { epochs: budget / splits.train.labels.length, batchSize: state.batch, optimizer: lib.sgd({ eta: state.eta }), rng: state.seed });
  const expected = lib.evaluate(model, splits.test).accuracy;
  check(rows[0].accuracy === expected, `backprop's test accuracy: page ${rows[0].accuracy}, library's fit ${expected}`);
  // The angle chart: one line per rule; backprop's is 0°; feedback alignment's first point is the angle
  // computed here from the initial weights, its fixed matrices (isolatedRule's, as the worker's) and
  // the first 100 training rows; by the end it has turned towards the gradient.
  const angles = Object.fromEntries(await page.$$eval('#compare-angles .angle', (els) => els.map((e) => [e.getAttribute('data-rule'), e.getAttribute('data-angles').split(',').map(Number)])));
  check(Object.keys(angles).join() === 'backprop,feedback-alignment', `one angle line per rule: ${Object.keys(angles).join()}`);
  check(angles.backprop.every((a) => a < 0.5), `backprop's update is its gradient: ${angles.backprop.join(', ')}`);
  const start = lib.sequential({ sizes: spec.sizes, activation: state.activation, output: 'sigmoid', cost: state.cost, init: 'default', rng: state.seed });
  const fa = lib.rules['feedback-alignment'];
  const faState = lib.isolatedRule(fa, state.seed, { forward: 0, backward: 0 }).init(start, new lib.Rng(0)).inner;
  const probe = lib.sliceDataset(splits.train, 0, Math.min(100, splits.train.labels.length));
  const u = fa.step(start, { x: probe.x, y: probe.y }, faState, new lib.Rng(1)).grads[0];
  const g = lib.backprop.step(start, { x: probe.x, y: probe.y }, null, new lib.Rng(1)).grads[0];
  const angle0 = (Math.acos(lib.dot(u, g) / (lib.norm(u) * lib.norm(g))) * 180) / Math.PI;
  const faAngles = angles['feedback-alignment'];
  check(Math.abs(faAngles[0] - angle0) < 1e-3, `feedback alignment's first angle: page ${faAngles[0]}°, computed here ${angle0}°`);
  check(faAngles.at(-1) < faAngles[0], `feedback alignment should turn towards the gradient: ${faAngles[0]}° → ${faAngles.at(-1)}°`);
  console.log(`    xor [${spec.sizes.join(', ')}], ${budget} examples: backprop ${(100 * rows[0].accuracy).toFixed(1)} % (fit in Node ${(100 * expected).toFixed(1)} %), feedback alignment ${(100 * rows[1].accuracy).toFixed(1)} %, its W2 update at ${faAngles[0].toFixed(1)}° → ${faAngles.at(-1).toFixed(1)}° to the gradient`);
  await shot(page, 'compare.png');
  await page.close();
});

test('backend webgpu without a GPU: the page says what is missing and trains on wasm', async () => {
  // This runner starts Chromium with --disable-gpu: no WebGPU adapter can be had.
  const page = await open(`${base}#data=spiral&hidden=8,8&backend=webgpu`);
  await page.waitForFunction(() => window.__glassbox.backend() !== null, null, { timeout: 60_000 });
  const inUse = await page.evaluate(() => window.__glassbox.backend());
  check(inUse === 'wasm', `the fallback should be wasm, the worker trains on ${inUse}`);
  check((await page.inputValue('#backend')) === 'webgpu', 'the control still shows the choice made (webgpu)');
  const note = (await page.textContent('#backend-note')).trim();
  const threads = await page.evaluate(() => (navigator.hardwareConcurrency >= 2 ? 2 : 1));
  check(/WebGPU could not be used/.test(note) && /(navigator\.gpu|adapter)/.test(note) && note.includes(`Training on wasm (${threads} thread${threads === 1 ? '' : 's'}) instead`),
    `the note should name what is missing and the fallback: '${note}'`);
  check((await page.getAttribute('#backend-note', 'data-backend')) === 'wasm', 'the note is marked with the backend in use');
  const banner = (await page.textContent('#banner')).trim();
  check(banner === note, `the same message is shown in the banner: '${banner}'`);
  // And it trains, on the CPU: 30 steps lower the training-set cost (recomputed here).
  const before = await hook(page);
  for (let i = 0; i < 30; i++) await page.click('#step');
  await page.waitForFunction(() => window.__glassbox.step() === 30, null, { timeout: 60_000 });
  await settle(page);
  const after = await hook(page);
  const splits = await lib.loadDataset('spiral', { noise: before.state.noise, rng: new lib.Rng(before.state.seed) });
  const c0 = datasetCost(before.spec, before.params, splits.train);
  const c1 = datasetCost(after.spec, after.params, splits.train);
  check(c1 < c0, `training cost ${c0} → ${c1} did not fall on the fallback backend`);
  console.log(`    note: ${note}`);
  await page.close();
});

test('the explorer is cross-origin isolated and its wasm backend trains on two threads', async () => {
  const page = await open(`${base}#data=mnist&hidden=100&batch=100&backend=wasm`);
  await page.waitForFunction(() => window.__glassbox.backend() !== null, null, { timeout: 60_000 });
  const env = await page.evaluate(() => ({ isolated: globalThis.crossOriginIsolated, cores: navigator.hardwareConcurrency }));
  check(env.isolated === true, 'the page is not cross-origin isolated (COOP/COEP headers missing?)');
  const expected = env.cores >= 2 ? 2 : 1;
  check(expected === 2, `this test needs a browser that reports at least 2 cores (navigator.hardwareConcurrency = ${env.cores})`);
  const note = (await page.textContent('#backend-note')).trim();
  check(note === 'Training on wasm · 2 threads.', `the backend note should say 'Training on wasm · 2 threads.': '${note}'`);
  check((await page.getAttribute('#backend-note', 'data-threads')) === '2', 'the note is marked with data-threads="2"');
  // It trains: steps on [784, 100, 10] at batch 100 (every layer-2 kernel is split) lower the cost of that batch's set.
  await page.click('#play');
  await page.waitForFunction(() => window.__glassbox.step() >= 60, null, { timeout: 120_000 });
  await page.click('#play');
  await settle(page);
  const { spec, params } = await hook(page);
  check(params.every((p) => p.every(Number.isFinite)), 'the trained weights are finite');
  check(spec.sizes.join() === '784,100,10', `spec ${spec.sizes.join()}`);
  console.log(`    ${note}`);
  await page.close();
});

test('wasm kernels with threads: 2 in the page (spinning join) equal threads: 1 bit for bit', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'glassbox-threads-page-'));
  const esbuild = await import('esbuild'); // tsx's own bundler
  await esbuild.build({
    entryPoints: [path.join(here, 'wasm-threads-page.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
    outfile: path.join(dir, 'page.js'), logLevel: 'error',
  });
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>glassbox wasm threads</title><link rel="icon" href="data:,"><script type="module" src="./page.js"></script>\n');
  const url = await serve({ root: dir });
  const page = await browser.newPage();
  page.on('pageerror', (e) => problems.push(`uncaught exception on the threads page: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error on the threads page: ${m.text()}`);
  });
  await page.goto(url);
  await page.waitForFunction(() => globalThis.__wasmThreads !== undefined, null, { timeout: 30_000 });
  const r = await page.evaluate(() => globalThis.__wasmThreads.run());
  await page.close();
  const { info, cases, timing, statsAfter } = r;
  check(info.crossOriginIsolated && info.sharedMemory, `the page should be cross-origin isolated with a shared wasm memory: ${JSON.stringify(info)}`);
  check(!info.oneHasThreads && info.twoHasThreads, `threads: 1 has no helper, threads: 2 has one: ${JSON.stringify(info)}`);
  check(info.ready && info.statsBefore?.ready === true && info.statsBefore.spawns === 1, `the helper Web Worker is up: ${JSON.stringify(info)}`);
  check(cases.length === 3 * 2 * 2 * 2 * 2, `${cases.length} cases ran`);
  for (const c of cases) {
    const name = `batch ${c.batch}, nIn ${c.nIn}, nOut ${c.nOut}, ${c.sparse ? 'sparse' : 'random'} x, ${c.act}`;
    check(c.mismatched.length === 0, `${name}: arrays ${c.mismatched.join(', ')} of ${c.arrays} differ between 1 and 2 threads`);
    check(c.nonTrivial, `${name}: trivial results (all zero or W unchanged)`);
    // With nOut 257 all three kernels split (forward, backward and the SGD update each hand the worker a share).
    if (c.nOut === 257) check(c.jobs >= 3, `${name}: only ${c.jobs} jobs went to the helper thread`);
  }
  const jobs = cases.reduce((n, c) => n + c.jobs, 0);
  check(statsAfter.jobs >= jobs && jobs > 0 && statsAfter.skipped === 0, `helper thread counters: ${JSON.stringify(statsAfter)}, case jobs ${jobs}`);
  console.log(`    ${cases.length} cases bit-identical, ${jobs} kernel shares ran on the helper Web Worker; [128, 784] → 256 sigmoid layer forward + SGD backward: ${timing.oneThreadMs.toFixed(3)} ms on 1 thread, ${timing.twoThreadsMs.toFixed(3)} ms on 2 (headless Chromium, window main thread)`);
});

test('no console errors, uncaught exceptions, failed or off-site requests on any page', async () => {
  check(problems.length === 0, problems.join('\n'));
});

// ── run ─────────────────────────────────────────────────────────────────────────────────────

// BROWSER_TEST_ONLY=text runs only the tests whose names contain it (and the final check for problems).
const only = process.env.BROWSER_TEST_ONLY;
const chosen = only ? tests.filter((t, i) => t.name.includes(only) || i === tests.length - 1) : tests;
let passed = 0;
let failed = 0;
for (const t of chosen) {
  const t0 = performance.now();
  const seconds = () => `(${((performance.now() - t0) / 1000).toFixed(1)} s)`;
  try {
    await t.fn();
    passed++;
    console.log(`ok   ${t.name} ${seconds()}`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${t.name} ${seconds()}\n     ${String(err?.message ?? err).split('\n').join('\n     ')}`);
  }
}
await browser.close();
for (const s of servers) s.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
