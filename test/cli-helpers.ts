// Helpers for the CLI tests: run `glassbox` in this process (fast; same error handling as
// src/cli/main.ts) or as a child process (real exit codes and signals), and compare model files.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
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

/** Start `glassbox ...args` as a child process (node + tsx on src/cli/main.ts). */
export function spawnCli(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
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
