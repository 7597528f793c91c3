/**
 * cli/common — what every command shares: flag parsers that name the bad flag, exit codes,
 * output (human tables or --json), and the top-level error handler.
 *
 * Exit codes: 0 success; 1 a data/model/training error (message only, no stack); 2 a usage error
 * (bad flag or argument, with a one-line hint).
 */
import { InvalidArgumentError } from 'commander';
import { GlassboxError } from '../index.js';

/** Exit code for data, model and training errors. */
export const EXIT_FAILURE = 1;
/** Exit code for usage errors. */
export const EXIT_USAGE = 2;

/** A usage error raised by our own checks (exit 2). */
export class UsageError extends Error {}

/** commander argParser: an integer ≥ min. */
export function intFlag(min = 0): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer ≥ ${min}, got '${value}'`);
    return n;
  };
}

/** commander argParser: a finite number ≥ min (or > min when `strict`). */
export function numberFlag(min = -Infinity, strict = false): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || (strict && n === min)) {
      throw new InvalidArgumentError(`expected a number ${strict ? '>' : '≥'} ${min}, got '${value}'`);
    }
    return n;
  };
}

/** commander argParser: one of `choices`. */
export function choiceFlag<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!choices.includes(value as T)) throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got '${value}'`);
    return value as T;
  };
}

/** commander argParser: a comma-separated list of positive integers, e.g. `784,30,10`. */
export function sizesFlag(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const sizes = parts.map(Number);
  if (parts.length < 1 || sizes.some((n, i) => parts[i] === '' || !Number.isInteger(n) || n < 1)) {
    throw new InvalidArgumentError(`expected comma-separated positive integers like 784,30,10, got '${value}'`);
  }
  return sizes;
}

/** Print a table with aligned columns. */
export function printTable(headers: string[], rows: (string | number)[][], out: (line: string) => void = console.log): void {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  out(line(headers));
  out(widths.map((w) => '─'.repeat(w)).join('  '));
  for (const r of cells.slice(1)) out(line(r));
}

/** Print a JSON document on stdout (for --json). */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/**
 * Turn an error into a message and an exit code: our own errors and usage errors print their
 * message only; anything else is a bug and prints its stack.
 */
export function reportError(err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(`glassbox: ${err.message}\n(run 'glassbox --help' for usage)\n`);
    return EXIT_USAGE;
  }
  if (err instanceof GlassboxError) {
    process.stderr.write(`glassbox: ${err.message}\n`);
    return EXIT_FAILURE;
  }
  process.stderr.write(`glassbox: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return EXIT_FAILURE;
}
