/**
 * autodiff/primitive — what a primitive is, and the values the two interpreters trace.
 *
 * A primitive bundles three things side by side (see primitives/*.ts): its forward call, its JVP
 * rule (forward mode: how a small change of the inputs propagates to the output — the seed's
 * "forward propagation of changes") and its VJP rule (reverse mode: how ∂C/∂output flows back to
 * ∂C/∂inputs — backpropagation). Nothing outside primitives/ knows a derivative.
 *
 * `apply` is the single entry point every differentiable op goes through. It looks at its inputs:
 *   - plain Tensors                → evaluate (no differentiation);
 *   - a `Dual` among them          → forward-mode interpreter: run forward, then the JVP rule;
 *   - a `Var` among them           → reverse-mode interpreter: run forward and record the node on
 *                                    the tape (the graph of Vars) for a later backward sweep.
 * These are the two interpreters over the one rule table (as in JAX's autodidax). Mixing Dual and
 * Var in one call (forward-over-reverse) is not supported and says so.
 */
import { ArgumentError } from '../util/errors.js';
import type { Tensor } from '../tensor/tensor.js';

/** A differentiable operation: forward, JVP rule and VJP rule. */
export interface Primitive<P = void> {
  /** Name used in error messages and reports. */
  readonly name: string;
  /** The output value from the input values. */
  forward(inputs: readonly Tensor[], params: P): Tensor;
  /**
   * Forward mode. Given input tangents (null = zero tangent, at least one non-null), the output
   * tangent: J · inputDot.
   */
  jvp(inputs: readonly Tensor[], tangents: readonly (Tensor | null)[], output: Tensor, params: P): Tensor;
  /**
   * Reverse mode. Given the cotangent of the output (∂C/∂output), the cotangent of each input
   * (Jᵀ · outputBar); compute only where `needed[i]`, return null elsewhere.
   */
  vjp(inputs: readonly Tensor[], output: Tensor, cotangent: Tensor, params: P, needed: readonly boolean[]): (Tensor | null)[];
}

/** A node of the reverse-mode tape: a value, and how it was made. */
export class Var {
  constructor(
    /** The forward value. */
    readonly value: Tensor,
    /** The primitive that made it, or null for a leaf (an argument being differentiated). */
    readonly primitive: Primitive<unknown> | null = null,
    /** Its inputs (Vars are traced; Tensors are constants). */
    readonly inputs: readonly Operand[] = [],
    /** The primitive's static parameters. */
    readonly params: unknown = undefined,
  ) {}
}

/** A forward-mode value: the primal and its tangent (null = zero tangent). */
export class Dual {
  constructor(
    /** The value. */
    readonly primal: Tensor,
    /** Its directional derivative (xDot), or null when it is zero. */
    readonly tangent: Tensor | null,
  ) {}
}

/** Anything a differentiable op accepts: a constant Tensor, a traced Var or a Dual. */
export type Operand = Tensor | Var | Dual;

/** The plain value of an operand. */
export function valueOf(x: Operand): Tensor {
  return x instanceof Var ? x.value : x instanceof Dual ? x.primal : x;
}

/** Run `primitive` on `inputs` under whichever interpreter their types call for. */
export function apply<P>(primitive: Primitive<P>, inputs: readonly Operand[], params: P): Operand {
  let hasVar = false;
  let hasDual = false;
  for (const x of inputs) {
    if (x instanceof Var) hasVar = true;
    else if (x instanceof Dual) hasDual = true;
  }
  if (hasVar && hasDual) {
    throw new ArgumentError(`${primitive.name}: cannot mix forward-mode (Dual) and reverse-mode (Var) inputs in one call`);
  }
  const primals = inputs.map(valueOf);
  const output = primitive.forward(primals, params);
  if (hasDual) {
    const tangents = inputs.map((x) => (x instanceof Dual ? x.tangent : null));
    if (tangents.every((t) => t === null)) return new Dual(output, null);
    return new Dual(output, primitive.jvp(primals, tangents, output, params));
  }
  if (hasVar) return new Var(output, primitive as Primitive<unknown>, inputs, params);
  return output;
}
