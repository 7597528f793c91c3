// The explorer's local server (src/cli/explore.ts): it serves its own files and the one model,
// refuses traversal (plain, encoded, double-encoded, backslashes), absolute paths, symlinks out,
// dot-files, other methods, request bodies, huge URLs/headers and foreign Host headers, and sends
// a CSP without remote sources plus nosniff on every response, and the cross-origin isolation
// headers (COOP same-origin, COEP require-corp, CORP same-origin) the wasm backend's threads need. Also `glassbox explore` itself: its
// usage and model-file errors (in process) and a real run that serves the model and stops on SIGINT.
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, createExploreServer, MODEL_URL, siteRoot } from '../src/cli/explore.js';
import { sequential, serializeModel } from '../src/index.js';
import { runCli as runInProcess } from './cli-helpers.js';

const SECRET = 'top-secret-outside-the-root';
/** A real model file (the command validates what it serves). */
const MODEL = new TextEncoder().encode(serializeModel(sequential({ sizes: [2, 3, 2], rng: 5 }), { dataset: 'xor' }));

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request with the target sent exactly as given (no client-side normalisation). */
function request(port: number, target: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** Send raw bytes and return the status line (for request targets http.request would reject). */
function rawStatus(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (data.includes('\r\n')) {
        resolve(data.split('\r\n')[0]);
        socket.destroy();
      }
    });
    socket.on('error', reject);
    socket.on('end', () => resolve(data.split('\r\n')[0]));
  });
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

let dir: string;
let root: string;
let withModel: http.Server;
let withoutModel: http.Server;
let port: number;
let portNoModel: number;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'glassbox-explore-'));
  root = path.join(dir, 'site');
  await mkdir(path.join(root, 'assets'), { recursive: true });
  await mkdir(path.join(root, 'empty-dir'));
  await mkdir(path.join(dir, 'outside'));
  await writeFile(path.join(root, 'index.html'), '<!doctype html><title>explorer</title>');
  await writeFile(path.join(root, 'assets', 'app.js'), 'console.log("app");');
  await writeFile(path.join(root, 'assets', 'data.idx'), new Uint8Array([0, 0, 8, 1, 0, 0, 0, 1, 7]));
  await writeFile(path.join(root, '.env'), SECRET);
  await writeFile(path.join(dir, 'secret.txt'), SECRET);
  await writeFile(path.join(dir, 'outside', 'secret.txt'), SECRET);
  await symlink(path.join(dir, 'secret.txt'), path.join(root, 'link-out.txt'));
  await symlink(path.join(dir, 'outside'), path.join(root, 'dir-out'));
  await symlink(path.join(root, 'assets', 'app.js'), path.join(root, 'link-in.js'));
  withModel = createExploreServer({ root, model: MODEL });
  withoutModel = createExploreServer({ root });
  port = await listen(withModel);
  portNoModel = await listen(withoutModel);
});

afterAll(async () => {
  await new Promise((r) => withModel.close(r));
  await new Promise((r) => withoutModel.close(r));
  await rm(dir, { recursive: true, force: true });
});

describe('explore server: what it serves', () => {
  it('serves index.html at / with a CSP that allows no remote sources, and nosniff', async () => {
    const r = await request(port, '/');
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>explorer</title>');
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    const csp = r.headers['content-security-policy'] as string;
    expect(csp).toBe(CONTENT_SECURITY_POLICY);
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    for (const sources of directives.values()) {
      for (const s of sources) expect(s).toMatch(/^('self'|'none'|'wasm-unsafe-eval'|blob:|data:)$/); // no hosts, no 'unsafe-eval', no 'unsafe-inline'
    }
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });

  it('makes every response cross-origin isolated (COOP + COEP), pages, assets, the model and errors alike', async () => {
    for (const target of ['/', '/assets/app.js', '/model.json', '/missing.js', '/../etc/passwd']) {
      const r = await request(port, target);
      expect(r.headers['cross-origin-opener-policy'], target).toBe('same-origin');
      expect(r.headers['cross-origin-embedder-policy'], target).toBe('require-corp');
      expect(r.headers['cross-origin-resource-policy'], target).toBe('same-origin');
    }
  });

  it('serves files under the root with their content type; HEAD gives headers only', async () => {
    const js = await request(port, '/assets/app.js?v=1#frag');
    expect(js.status).toBe(200);
    expect(js.body).toBe('console.log("app");');
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    const head = await request(port, '/assets/app.js', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(String('console.log("app");'.length));
    const idx = await request(port, '/assets/data.idx');
    expect(idx.headers['content-type']).toBe('application/octet-stream');
    expect(idx.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves the given model at /model.json, byte for byte; 404 when no model was given', async () => {
    const r = await request(port, MODEL_URL);
    expect(r.status).toBe(200);
    expect(r.body).toBe(new TextDecoder().decode(MODEL));
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    const none = await request(portNoModel, MODEL_URL);
    expect(none.status).toBe(404);
    expect(none.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  });

  it('answers 404 for missing files and for folders without index.html', async () => {
    expect((await request(port, '/nope.js')).status).toBe(404);
    expect((await request(port, '/assets/nope/deeper.js')).status).toBe(404);
    expect((await request(port, '/empty-dir/')).status).toBe(404);
    expect((await request(port, '/empty-dir')).status).toBe(404);
  });

  it('follows a symlink that stays inside the root', async () => {
    const r = await request(port, '/link-in.js');
    expect(r.status).toBe(200);
    expect(r.body).toBe('console.log("app");');
  });
});

describe('explore server: what it refuses', () => {
  const traversals = [
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/assets/../index.html', // even a traversal that would stay inside is refused, not normalised
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/%2e%2e%2fsecret.txt',
    '/..%2Fsecret.txt',
    '/assets/%2e%2e/%2e%2e/secret.txt',
    '/%252e%252e/secret.txt', // double-encoded
    '/..%5csecret.txt', // backslash
    '/..\\secret.txt',
    '/.env', // dot-files
    '/assets/./app.js',
    '/%00index.html',
  ];
  for (const target of traversals) {
    it(`refuses ${JSON.stringify(target)}`, async () => {
      const r = await request(port, target);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(r.body).not.toContain(SECRET);
      expect(r.body).not.toContain(dir); // no file-system paths leak
      expect(r.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    });
  }

  it('refuses absolute paths in every spelling', async () => {
    const secretAbs = path.join(dir, 'secret.txt');
    for (const target of ['//etc/passwd', `/${secretAbs}`, `/${encodeURIComponent(secretAbs)}`, '/%2Fetc%2Fpasswd', '/C:/Windows/win.ini', '/C%3A%5CWindows']) {
      const r = await request(port, target);
      expect(r.status, target).toBeGreaterThanOrEqual(400);
      expect(r.body, target).not.toContain(SECRET);
    }
    // absolute-form and asterisk request targets, sent raw
    expect(await rawStatus(port, `GET http://127.0.0.1${secretAbs} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 403/);
    expect(await rawStatus(port, 'GET * HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1\.1 4\d\d/);
  });

  it('refuses symlinks that lead outside the root (to a file or through a folder)', async () => {
    const file = await request(port, '/link-out.txt');
    expect(file.status).toBe(403);
    expect(file.body).not.toContain(SECRET);
    const folder = await request(port, '/dir-out/secret.txt');
    expect(folder.status).toBe(403);
    expect(folder.body).not.toContain(SECRET);
  });

  it('answers only GET and HEAD (405 with Allow for the rest)', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE']) {
      const r = await request(port, '/index.html', { method });
      expect(r.status, method).toBe(405);
      expect(r.headers.allow).toBe('GET, HEAD');
    }
  });

  it('refuses request bodies, over-long URLs and over-large headers', async () => {
    expect((await request(port, '/index.html', { body: 'hello', headers: { 'Content-Length': '5' } })).status).toBe(413);
    expect((await request(port, '/' + 'a'.repeat(3000))).status).toBe(414);
    expect((await request(port, '/index.html', { headers: { 'X-Big': 'x'.repeat(20_000) } })).status).toBe(431);
  });

  it('answers only requests addressed to a loopback name (DNS rebinding)', async () => {
    expect((await request(port, '/', { headers: { Host: 'evil.example:80' } })).status).toBe(403);
    expect((await request(port, '/', { headers: { Host: `localhost:${port}` } })).status).toBe(200);
    expect((await request(port, '/', { headers: { Host: `[::1]:${port}` } })).status).toBe(200);
    const open = createExploreServer({ root, loopbackOnly: false });
    const openPort = await listen(open);
    try {
      expect((await request(openPort, '/', { headers: { Host: 'my-laptop.local' } })).status).toBe(200);
    } finally {
      await new Promise((r) => open.close(r));
    }
  });

  it('refuses a root that does not exist, with a message naming it', () => {
    expect(() => createExploreServer({ root: path.join(os.tmpdir(), 'no-such-glassbox-site') })).toThrow(/no-such-glassbox-site does not exist/);
  });
});

/** Run the CLI (through tsx) and collect its output; `onLine` may send a signal. */
function runCli(args: string[], onLine?: (line: string, child: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: path.resolve(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      for (const line of chunk.split('\n')) if (line) onLine?.(line, child);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('glassbox explore (command)', () => {
  it('exits 2 on a bad --port and 1 on a missing or broken model file, naming it', async () => {
    const badPort = await runInProcess(['explore', '--port', 'http', '--no-open']);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/port number from 0 to 65535, got 'http'/);
    expect((await runInProcess(['explore', '--port', '70000', '--no-open'])).code).toBe(2);
    const missing = await runInProcess(['explore', path.join(dir, 'missing-model.json'), '--no-open']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/missing-model\.json/);
    const broken = path.join(dir, 'broken.json');
    await writeFile(broken, '{"sizes": [2, ');
    const bad = await runInProcess(['explore', broken, '--no-open']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/broken\.json/);
    expect(bad.stderr).toMatch(/JSON/);
    // Valid JSON but not a model: refused with the library's reasons, before any server starts.
    const notModel = path.join(dir, 'not-a-model.json');
    await writeFile(notModel, '{"format": "something-else", "version": 1}');
    const wrong = await runInProcess(['explore', notModel, '--no-open']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/not-a-model\.json/);
    expect(wrong.stderr).toMatch(/format/);
    expect(wrong.stdout).not.toMatch(/glassbox explorer: http/);
  });

  it('serves the model on 127.0.0.1 at a printed free port and stops cleanly on SIGINT', async () => {
    const modelFile = path.join(dir, 'model.json');
    await writeFile(modelFile, MODEL);
    const built = existsSync(path.join(siteRoot(), 'index.html'));
    let served: Reply | null = null;
    const run = await runCli(['explore', modelFile, '--no-open'], (line, child) => {
      const m = /^glassbox explorer: http:\/\/127\.0\.0\.1:(\d+)\//.exec(line);
      if (m) {
        request(Number(m[1]), MODEL_URL).then((r) => {
          served = r;
          child.kill('SIGINT');
        });
      }
    });
    if (!built) {
      // Without `npm run web:build` the command must say so and fail.
      expect(run.code).toBe(1);
      expect(run.err).toMatch(/not built.*npm run web:build/);
      return;
    }
    expect(run.code).toBe(0);
    expect(served).not.toBeNull();
    expect(served!.status).toBe(200);
    expect(served!.body).toBe(new TextDecoder().decode(MODEL));
    expect(run.out).toMatch(/glassbox explorer stopped/);
    expect(run.err).toBe('');
  });

  // 127.0.0.2 is loopback on Linux but not a name the server trusts by default: it stands in for
  // "another address" without exposing anything to the network.
  it.runIf(process.platform === 'linux' && existsSync(path.join(siteRoot(), 'index.html')))('--host other than 127.0.0.1 warns, and then accepts that Host', async () => {
    let status = 0;
    const run = await runCli(['explore', '--host', '127.0.0.2', '--no-open'], (line, child) => {
      const m = /^glassbox explorer: http:\/\/127\.0\.0\.2:(\d+)\//.exec(line);
      if (!m) return;
      const req = http.request({ host: '127.0.0.2', port: Number(m[1]), path: '/', agent: false }, (res) => {
        status = res.statusCode ?? 0;
        res.resume();
        res.on('end', () => child.kill('SIGINT'));
      });
      req.on('error', () => child.kill('SIGINT'));
      req.end();
    });
    expect(run.code).toBe(0);
    expect(run.err).toMatch(/warning: --host 127\.0\.0\.2 makes the explorer reachable from other machines/);
    expect(status).toBe(200);
  });
});
