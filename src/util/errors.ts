/**
 * util/errors — the one error hierarchy of glassbox.
 *
 * Every error the library throws on purpose is a `GlassboxError`, so callers (the CLI above all) can
 * tell our messages from crashes. Subclasses say what kind of thing was wrong; `problems` lists every
 * problem a parser found, so one error can report them all at once.
 */

/** Base class of every error glassbox throws on purpose. */
export class GlassboxError extends Error {
  /** Every separate problem found (at least the message itself). */
  readonly problems: readonly string[];
  constructor(message: string, problems?: readonly string[]) {
    super(message);
    this.name = new.target.name;
    this.problems = problems && problems.length > 0 ? problems : [message];
  }
}

/** A tensor shape that does not fit the operation, e.g. `matmul: inner dimensions must match`. */
export class ShapeError extends GlassboxError {}

/** An argument with a bad value: a negative size, a NaN learning rate, an unknown name. */
export class ArgumentError extends GlassboxError {}

/** Outside data that is missing, truncated or malformed: IDX, CSV, PNG, NaN in inputs. */
export class DataError extends GlassboxError {}

/** A model or checkpoint file that is corrupt, of another version, or does not validate. */
export class ModelFileError extends GlassboxError {}

/** Training produced a non-finite cost (or parameters). */
export class DivergenceError extends GlassboxError {
  constructor(
    message: string,
    /** Global step (mini-batch counter, from 0) at which the cost stopped being finite. */
    readonly step: number,
    /** The last finite cost seen before it happened, or NaN if none. */
    readonly lastFiniteCost: number,
  ) {
    super(message);
  }
}

/** Something that requires a capability the runtime lacks (WebGPU, WASM SIMD, …). */
export class UnsupportedError extends GlassboxError {}

/** Build a single error from a list of problems: one line of summary plus a bullet per problem. */
export function collectProblems<E extends GlassboxError>(
  ErrorClass: new (message: string, problems?: readonly string[]) => E,
  what: string,
  problems: readonly string[],
): E {
  const message =
    problems.length === 1
      ? `${what}: ${problems[0]}`
      : `${what}: ${problems.length} problems\n${problems.map((p) => `  - ${p}`).join('\n')}`;
  return new ErrorClass(message, problems);
}
