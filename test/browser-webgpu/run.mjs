#!/usr/bin/env node
// test/browser-webgpu/run — the WebGPU exactness tests in headless Chromium, no GPU needed.
//
// Bundles page.ts with Vite, serves it at http://localhost/ from memory (page.route: no server, no
// port; localhost is a secure context, which WebGPU requires) and runs it in Chromium with
// --enable-unsafe-webgpu, which gives SwiftShader's WebGPU adapter on the CPU (or a real GPU's
// when there is one). Prints one line per test and ends with exactly `N passed, M failed`; exits 1
// when a test failed. When Chromium is missing or no WebGPU adapter can be had, it says plainly that
// the WebGPU tests did not run and why, and exits 0 — or 1 when REQUIRE_WEBGPU=1.
//
//   node test/browser-webgpu/run.mjs            CHROMIUM=/path/to/chromium to use another browser
//   node test/browser-webgpu/run.mjs --timing   also time one epoch of the GPU trainer beside the CPU
//                                               engine on this adapter (slow on SwiftShader; no claim)
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const required = process.env.REQUIRE_WEBGPU === '1';
const timeoutMs = Number(process.env.WEBGPU_TEST_TIMEOUT_MS ?? 600_000);
const args = [
  '--headless=new', '--no-sandbox', '--enable-unsafe-webgpu', '--enable-features=Vulkan,WebGPU',
  '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

function notRun(reason) {
  console.log(`WebGPU tests did not run: ${reason}`);
  process.exit(required ? 1 : 0);
}

if (!existsSync(chromiumPath)) notRun(`no Chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM=path)`);

let playwright;
try {
  playwright = await import('playwright-core');
} catch (e) {
  notRun(`playwright-core could not be loaded (${e.message}); run npm install`);
}

// ---- bundle the page
const out = await mkdtemp(join(tmpdir(), 'glassbox-webgpu-'));
let script;
try {
  const { build } = await import('vite');
  await build({
    configFile: false,
    logLevel: 'warn',
    root: here,
    build: {
      outDir: out,
      emptyOutDir: true,
      minify: false,
      target: 'es2022',
      reportCompressedSize: false,
      lib: { entry: join(here, 'page.ts'), formats: ['es'], fileName: () => 'page.js' },
    },
  });
  script = await readFile(join(out, 'page.js'), 'utf8');
} finally {
  await rm(out, { recursive: true, force: true });
}
const html = '<!doctype html><meta charset="utf-8"><title>glassbox WebGPU tests</title><script type="module" src="/page.js"></script>';

// ---- run it
const browser = await playwright.chromium.launch({ executablePath: chromiumPath, args, headless: true }).catch((e) => notRun(`Chromium did not start: ${e.message.split('\n')[0]}`));
let passed = 0;
let failed = 0;
let skipped = null;
const pageErrors = [];
try {
  const page = await browser.newPage();
  await page.route('http://localhost/**', (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/') return route.fulfill({ status: 200, contentType: 'text/html', body: html });
    if (path === '/page.js') return route.fulfill({ status: 200, contentType: 'text/javascript', body: script });
    return route.fulfill({ status: 404, body: 'not found' });
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (msg) => {
    const text = msg.text();
    if (!text.startsWith('GBTEST ')) return;
    const r = JSON.parse(text.slice(7));
    if (r.kind === 'skip') skipped = r.reason;
    else if (r.kind === 'info') console.log(`info  ${r.text}`);
    else if (r.ok) {
      passed++;
      console.log(`ok    ${r.name}${r.detail ? ` — ${r.detail}` : ''}`);
    } else {
      failed++;
      console.log(`FAIL  ${r.name}\n      ${r.detail.split('\n').slice(0, 6).join('\n      ')}`);
    }
  });
  await page.goto(process.argv.includes('--timing') ? 'http://localhost/?timing' : 'http://localhost/');
  await page.waitForFunction(() => typeof window.__runWebGpuTests === 'function', null, { timeout: 60_000 });
  const timer = new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000} s`)), timeoutMs).unref());
  await Promise.race([page.evaluate(() => window.__runWebGpuTests()), timer]);
} catch (e) {
  failed++;
  console.log(`FAIL  the test page itself: ${e.message.split('\n')[0]}`);
} finally {
  await browser.close();
}
for (const m of pageErrors) {
  failed++;
  console.log(`FAIL  uncaught error in the page: ${m}`);
}
if (skipped !== null && passed === 0 && failed === 0) notRun(`no WebGPU adapter in Chromium: ${skipped}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
