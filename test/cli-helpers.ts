// Helpers for the CLI tests: run `glassbox` in this process (fast; same error handling as
// src/cli/main.ts) or as a child process (real exit codes and signals) of the CLI built from the
// current sources, and compare model files.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import ts from 'typescript';
import { vi } from 'vitest';
import { EXIT_USAGE, reportError } from '../src/cli/common.js';
import { buildProgram } from '../src/cli/program.js';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** What a CLI run printed and how it ended. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `glassbox ...args` inside this process, capturing stdout and stderr (as main.ts would exit). */
export async function runCli(args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  let code = 0;
  try {
    await buildProgram().parseAsync(['node', 'glassbox', ...args]);
  } catch (e) {
    code = e instanceof CommanderError ? (e.exitCode === 0 ? 0 : EXIT_USAGE) : reportError(e);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return { code, stdout, stderr };
}

let builtMain: string | undefined;

/**
 * Build the CLI from the current sources into .tmp/cli-build-<hash>/ (TypeScript's transpiler, no
 * type check; cached by a hash of the sources, shared by test files) so child processes start on
 * plain JavaScript, about three times faster than through tsx. Call in beforeAll.
 */
export async function buildCli(): Promise<string> {
  const src = join(ROOT, 'src');
  const files = (await readdir(src, { recursive: true }))
    .filter((f) => f.endsWith('.ts') && !f.includes('assembly'))
    .sort();
  const hash = createHash('sha256').update(ts.version);
  const texts = await Promise.all(files.map((f) => readFile(join(src, f), 'utf8')));
  files.forEach((f, i) => hash.update(`\0${f}\0${texts[i]}`));
  const tmp = join(ROOT, '.tmp');
  const out = join(tmp, `cli-build-${hash.digest('hex').slice(0, 16)}`);
  const main = join(out, 'cli', 'main.js');
  if (!existsSync(main)) {
    const staging = `${out}-${process.pid}`;
    for (const [i, f] of files.entries()) {
      const js = ts.transpileModule(texts[i], { fileName: f, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
      const file = join(staging, f.replace(/\.ts$/, '.js'));
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, js);
    }
    // Another test file may have finished the same build first: then keep theirs.
    await rename(staging, out).catch(() => rm(staging, { recursive: true, force: true }));
    // Builds of older sources, untouched for an hour, are removed.
    for (const name of await readdir(tmp)) {
      const old = join(tmp, name);
      if (name.startsWith('cli-build-') && old !== out && Date.now() - (await stat(old)).mtimeMs > 3_600_000) await rm(old, { recursive: true, force: true });
    }
  }
  builtMain = relative(ROOT, main);
  return main;
}

/** Start `glassbox ...args` as a child process: the built CLI (see buildCli), else node + tsx on src/cli/main.ts. */
export function spawnCli(args: string[]): ChildProcess {
  const entry = builtMain ? [builtMain] : ['--import', 'tsx', 'src/cli/main.ts'];
  return spawn(process.execPath, [...entry, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Wait for a child to end: its exit code (null when killed), the signal, and what it printed. */
export function finished(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The stored parameter data (base64 of the exact bytes) of a model file, by name. */
export async function parameterBits(file: string): Promise<Record<string, string>> {
  const doc = JSON.parse(await readFile(file, 'utf8')) as { parameters: { name: string; data: string }[] };
  return Object.fromEntries(doc.parameters.map((p) => [p.name, p.data]));
}
