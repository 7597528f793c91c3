/**
 * cli/explore — `glassbox explore [MODEL]`: a small, read-only local web server for the built
 * explorer (web/dist) and the one model file it was given, and the command that starts it.
 *
 * Safety (issue 6, "the local server"): it binds 127.0.0.1 unless --host says otherwise (with a
 * warning); answers GET and HEAD only, with no request body and a bounded URL and header size;
 * serves nothing but the files under its root and the model at the fixed URL /model.json; refuses
 * path traversal (plain or percent-encoded), absolute paths, dot-files, backslashes and symlinks
 * that lead outside the root; checks the Host header against loopback names (DNS rebinding);
 * and sends a Content-Security-Policy that allows only the page's own scripts, plus nosniff.
 * Nothing from the URL is ever evaluated: the path only selects a file.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, existsSync, realpathSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { ArgumentError, ModelFileError, parseModel, UnsupportedError } from '../index.js';
import { contentSecurityPolicy } from './csp.js';

/** The fixed URL at which the given model is served. */
export const MODEL_URL = '/model.json';

/** Longest request target accepted (characters); longer ones get 414. */
export const MAX_URL_LENGTH = 2048;

/** Largest request header block accepted (bytes); Node answers 431 above it. */
export const MAX_HEADER_BYTES = 16 * 1024;

/** Largest model file `glassbox explore` will read and serve (bytes). */
export const MAX_MODEL_BYTES = 512 * 1024 * 1024;

/**
 * The Content-Security-Policy sent with every response: the page's own origin only (no remote
 * scripts, styles, fonts or connections), workers from itself, no plugins, no framing, no forms.
 * 'wasm-unsafe-eval' permits compiling the library's WebAssembly kernels, not JavaScript eval.
 * The built page carries the same policy (without frame-ancestors) as a meta tag (web/vite.config.ts);
 * both come from cli/csp.ts.
 */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy(true);

/** Host names that mean "this machine only". */
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1', '[::1]'];

/**
 * A decoded path the server will look up: segments of letters, digits, '_', '-' and '.', none
 * starting with '.', so no '..', no dot-files, no backslashes, colons, NULs or empty segments.
 */
const SAFE_PATH = /^\/(?:[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}\/)*(?:[A-Za-z0-9_-][A-Za-z0-9._-]{0,127})?$/;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.idx': 'application/octet-stream',
};

/** Options of `createExploreServer`. */
export interface ExploreServerOptions {
  /** The folder of the built site (web/dist); only files under it are served. */
  root: string;
  /** The model file's bytes, served at /model.json; absent: /model.json is 404. */
  model?: Uint8Array | null;
  /**
   * Accept only requests whose Host header names a loopback address (guards against DNS
   * rebinding). Default true; `glassbox explore --host` turns it off for other addresses.
   */
  loopbackOnly?: boolean;
}

/**
 * Security headers of every response. COOP same-origin + COEP require-corp make the page cross-origin
 * isolated, so its training worker gets SharedArrayBuffer and the wasm backend's second thread;
 * everything served is same-origin (and marked CORP same-origin), so nothing is blocked by COEP.
 */
function setSecurityHeaders(res: http.ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
}

function reply(res: http.ServerResponse, status: number, message: string, extra: Record<string, string> = {}): void {
  const body = `${status} ${message}\n`;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** The host name of a Host header value (`127.0.0.1:8080` → `127.0.0.1`, `[::1]:80` → `[::1]`). */
function hostName(header: string): string {
  if (header.startsWith('[')) return header.slice(0, header.indexOf(']') + 1);
  return header.split(':')[0];
}

/**
 * Map a request path to a file under `rootReal`, or an HTTP status and reason for refusing it.
 */
async function resolveTarget(rootReal: string, pathname: string): Promise<{ file: string } | { status: number; reason: string }> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { status: 400, reason: 'Bad Request: malformed percent-encoding' };
  }
  if (!SAFE_PATH.test(decoded)) return { status: 403, reason: 'Forbidden: the path is not one of the explorer\'s files' };
  const relative = decoded === '/' || decoded.endsWith('/') ? `${decoded.slice(1)}index.html` : decoded.slice(1);
  const candidate = path.join(rootReal, ...relative.split('/'));
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    return { status: 404, reason: 'Not Found' };
  }
  if (!real.startsWith(rootReal + path.sep)) return { status: 403, reason: 'Forbidden: the file lies outside the explorer\'s folder' };
  try {
    const info = await stat(real);
    if (!info.isFile()) return { status: 404, reason: 'Not Found' };
  } catch {
    return { status: 404, reason: 'Not Found' };
  }
  return { file: real };
}

/**
 * The explorer's HTTP server (not yet listening): static files of `root` and the model at
 * /model.json, read-only, with the checks described at the top of this file. Call
 * `.listen(port, '127.0.0.1')` on it.
 * @throws UnsupportedError when `root` does not exist.
 */
export function createExploreServer(options: ExploreServerOptions): http.Server {
  let rootReal: string;
  try {
    rootReal = realpathSync(options.root);
  } catch {
    throw new UnsupportedError(`explore: the site folder ${options.root} does not exist (build it with 'npm run web:build')`);
  }
  const model = options.model ?? null;
  const loopbackOnly = options.loopbackOnly ?? true;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    setSecurityHeaders(res);
    const method = req.method ?? '';
    if (method !== 'GET' && method !== 'HEAD') {
      reply(res, 405, `Method Not Allowed: ${method.slice(0, 16)} (only GET and HEAD)`, { Allow: 'GET, HEAD' });
      return;
    }
    const length = req.headers['content-length'];
    if ((length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined) {
      reply(res, 413, 'Content Too Large: requests may not carry a body', { Connection: 'close' });
      return;
    }
    const target = req.url ?? '';
    if (target.length > MAX_URL_LENGTH) {
      reply(res, 414, `URI Too Long: at most ${MAX_URL_LENGTH} characters`);
      return;
    }
    if (loopbackOnly && !LOOPBACK_HOSTS.includes(hostName(req.headers.host ?? '').toLowerCase())) {
      reply(res, 403, 'Forbidden: this server answers only requests addressed to 127.0.0.1 or localhost');
      return;
    }
    if (!target.startsWith('/') || target.startsWith('//')) {
      reply(res, 403, 'Forbidden: only paths on this server are served');
      return;
    }
    const pathname = target.split(/[?#]/, 1)[0];
    if (pathname === MODEL_URL) {
      if (!model) {
        reply(res, 404, 'Not Found: no model was given to glassbox explore');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': model.byteLength, 'Cache-Control': 'no-store' });
      res.end(method === 'HEAD' ? undefined : model);
      return;
    }
    const found = await resolveTarget(rootReal, pathname);
    if ('status' in found) {
      reply(res, found.status, found.reason);
      return;
    }
    const info = await stat(found.file);
    const type = CONTENT_TYPES[path.extname(found.file).toLowerCase()] ?? 'application/octet-stream';
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': info.size, 'Cache-Control': 'no-cache' });
    if (method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(found.file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };

  const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) reply(res, 500, 'Internal Server Error');
      else res.destroy();
    });
  });
  return server;
}

/** The folder of the built explorer, next to this file's package (web/dist). */
export function siteRoot(): string {
  return fileURLToPath(new URL('../../web/dist/', import.meta.url));
}

/** The first of `names` found as an executable on PATH, or null. */
function findExecutable(names: readonly string[]): string | null {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const name of names) {
    for (const dir of dirs) {
      const file = path.join(dir, name);
      try {
        accessSync(file, fsConstants.X_OK);
        return file;
      } catch {
        // not here
      }
    }
  }
  return null;
}

/** Try to open `url` in a browser with xdg-open or open; never fails (returns whether it tried). */
function openBrowser(url: string): boolean {
  const opener = findExecutable(process.platform === 'darwin' ? ['open'] : ['xdg-open', 'open']);
  if (!opener) return false;
  try {
    const child = spawn(opener, [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}

/**
 * Read the model file given on the command line and validate it with the library's `parseModel`
 * (format, version, shapes, finite values, checksum), so a broken file fails here, with every
 * problem listed, rather than in the browser.
 */
async function readModelFile(file: string): Promise<Uint8Array> {
  let info;
  try {
    info = await stat(file);
  } catch {
    throw new ModelFileError(`explore: cannot read the model file ${file}: it does not exist`);
  }
  if (!info.isFile()) throw new ModelFileError(`explore: the model ${file} is not a file`);
  if (info.size > MAX_MODEL_BYTES) {
    throw new ModelFileError(`explore: the model file ${file} has ${info.size} bytes, more than the ${MAX_MODEL_BYTES} accepted`);
  }
  const bytes = new Uint8Array(await readFile(file));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ModelFileError(`explore: the model file ${file} is not UTF-8 text (a glassbox model is a JSON file)`);
  }
  parseModel(text, file); // throws ModelFileError naming the file and every problem
  return bytes;
}

function portFlag(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError(`expected a port number from 0 to 65535, got '${value}'`);
  }
  return n;
}

interface ExploreFlags {
  host: string;
  port: number;
  open: boolean;
}

/** Start the server for `modelFile` (optional) and run until SIGINT/SIGTERM. */
async function explore(modelFile: string | undefined, flags: ExploreFlags): Promise<void> {
  const model = modelFile ? await readModelFile(modelFile) : null;
  const root = siteRoot();
  if (!existsSync(path.join(root, 'index.html'))) {
    throw new UnsupportedError(`explore: the explorer is not built (no ${path.join(root, 'index.html')}); run 'npm run web:build' first`);
  }
  const loopback = LOOPBACK_HOSTS.includes(flags.host.toLowerCase());
  if (!loopback) {
    process.stderr.write(
      `glassbox: warning: --host ${flags.host} makes the explorer reachable from other machines; ` +
        'it serves only the explorer\'s files and the model, read-only, to anyone who can connect\n',
    );
  }
  const server = createExploreServer({ root, model, loopbackOnly: loopback });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new ArgumentError(`explore: --port ${flags.port} is already in use on ${flags.host}; leave --port out to get a free one`));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') reject(new ArgumentError(`explore: --host ${flags.host} is not an address of this machine`));
      else if (err.code === 'EACCES') reject(new ArgumentError(`explore: no permission to listen on port ${flags.port} (ports below 1024 need privileges)`));
      else reject(err);
    });
    server.listen(flags.port, flags.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = flags.host.includes(':') ? `[${flags.host}]` : flags.host;
  const url = `http://${shownHost}:${port}/${model ? '#model=served' : ''}`;
  process.stdout.write(`glassbox explorer: ${url}\n${model ? `serving ${modelFile} at ${MODEL_URL}\n` : ''}(Ctrl-C to stop)\n`);
  if (flags.open && !openBrowser(url)) process.stdout.write('(no xdg-open or open found: open the address above in a browser)\n');
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.close(() => resolve());
      server.closeAllConnections();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  process.stdout.write('glassbox explorer stopped\n');
}

/** Register `glassbox explore`. */
export function registerExplore(program: Command): void {
  program
    .command('explore')
    .description('open the browser explorer on this machine (a local, read-only web server)')
    .argument('[model]', 'a model file (.json) to open in the explorer, served at /model.json')
    .option('--host <address>', 'address to listen on; anything but 127.0.0.1/localhost exposes the explorer to the network', '127.0.0.1')
    .option('--port <n>', 'port to listen on (default: a free one)', portFlag, 0)
    .option('--no-open', 'do not try to open a browser')
    .action((model: string | undefined, flags: ExploreFlags) => explore(model, flags));
}
