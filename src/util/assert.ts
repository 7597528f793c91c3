/**
 * util/assert — a lazy assertion: the message is built only when the check fails, so asserts cost
 * nothing on hot paths where they pass.
 */
import { ArgumentError, type GlassboxError } from './errors.js';

/**
 * Throw `new ErrorClass(message())` unless `condition` holds.
 * @param message called only on failure, so it may format shapes and values freely.
 */
export function assert(
  condition: unknown,
  message: () => string,
  ErrorClass: new (message: string) => GlassboxError = ArgumentError,
): asserts condition {
  if (!condition) throw new ErrorClass(message());
}

/** Throw unless `value` is a finite number, naming the argument. */
export function assertFinite(value: number, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ArgumentError(`${what} must be a finite number, got ${String(value)}`);
  }
}

/** Throw unless `value` is an integer ≥ `min`, naming the argument. */
export function assertInt(value: number, what: string, min = 0): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ArgumentError(`${what} must be an integer ≥ ${min}, got ${String(value)}`);
  }
}
