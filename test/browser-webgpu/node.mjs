#!/usr/bin/env node
// test/browser-webgpu/node — the same exactness tests as run.mjs, in Node on Dawn (the `webgpu`
// package) instead of Chromium: for GPU machines without a browser (scripts/gpu-bench.sh runs it
// there before the benchmark). Takes the page bundled by Vite and the folder of the `webgpu`
// package; prints one line per test and ends with exactly `N passed, M failed`; exits 1 on a failure.
//
//   node test/browser-webgpu/node.mjs PAGE.mjs path/to/node_modules/webgpu [dawn options…]
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [pageFile, webgpuDir, ...dawnOptions] = process.argv.slice(2);
if (!pageFile || !webgpuDir) {
  console.error('usage: node test/browser-webgpu/node.mjs PAGE.mjs path/to/node_modules/webgpu [dawn options…]');
  process.exit(2);
}
const { create } = await import(pathToFileURL(join(resolve(webgpuDir), 'index.js')).href);
Object.defineProperty(globalThis, 'navigator', { value: { gpu: create(dawnOptions) }, configurable: true });
globalThis.window = globalThis;
globalThis.location = { search: process.env.GLASSBOX_ONLY ? `?only=${encodeURIComponent(process.env.GLASSBOX_ONLY)}` : '' };

let passed = 0;
let failed = 0;
let skipped = null;
const print = console.log.bind(console);
console.log = (...args) => {
  const text = args.join(' ');
  if (!text.startsWith('GBTEST ')) return print(...args);
  const r = JSON.parse(text.slice(7));
  if (r.kind === 'skip') skipped = r.reason;
  else if (r.kind === 'info') print(`info  ${r.text}`);
  else if (r.ok) {
    passed++;
    print(`ok    ${r.name}${r.detail ? ` — ${r.detail}` : ''}`);
  } else {
    failed++;
    print(`FAIL  ${r.name}\n      ${r.detail.split('\n').slice(0, 6).join('\n      ')}`);
  }
};
try {
  await import(pathToFileURL(resolve(pageFile)).href);
  await globalThis.__runWebGpuTests();
} catch (e) {
  failed++;
  print(`FAIL  the test page itself: ${e.message}`);
}
if (skipped !== null && passed === 0 && failed === 0) {
  print(`WebGPU tests did not run: ${skipped}`);
  process.exit(process.env.REQUIRE_WEBGPU === '1' ? 1 : 0);
}
print(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0); // Dawn keeps the process alive otherwise
