/**
 * autodiff/grad — the two interpreters' entry points: reverse mode (grad, valueAndGrad, vjp) and
 * forward mode (jvp).
 *
 * Reverse mode runs f on leaf Vars, which records the graph; `backward` then visits the nodes in
 * reverse topological order and applies each primitive's VJP rule, summing the cotangents of a value
 * used more than once. Forward mode runs f on Duals: each primitive's JVP rule carries the tangent
 * forward alongside the value, in the same pass.
 */
import { ArgumentError, ShapeError } from '../util/errors.js';
import { formatShape } from '../util/format.js';
import * as T from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import { Dual, type Operand, Var, valueOf } from './primitive.js';

/** A function of differentiable operands. */
export type DiffFunction = (...args: Operand[]) => Operand;

/** Nodes reachable from `root`, ordered so each node comes after all of its inputs. */
function topologicalOrder(root: Var): Var[] {
  const order: Var[] = [];
  const seen = new Set<Var>();
  // Iterative DFS: deep networks must not overflow the call stack.
  const stack: [Var, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [node, i] = top;
    if (i < node.inputs.length) {
      top[1] = i + 1;
      const input = node.inputs[i];
      if (input instanceof Var && !seen.has(input)) {
        seen.add(input);
        stack.push([input, 0]);
      }
    } else {
      order.push(node);
      stack.pop();
    }
  }
  return order;
}

/**
 * The backward sweep: given ∂C/∂out = `seed`, the cotangent of every node reachable from `out`.
 * Returned map: Var → ∂C/∂Var (absent when the node does not influence `out`).
 */
export function backward(out: Var, seed: Tensor): Map<Var, Tensor> {
  const cotangents = new Map<Var, Tensor>([[out, seed]]);
  const order = topologicalOrder(out);
  for (let n = order.length - 1; n >= 0; n--) {
    const node = order[n];
    const g = cotangents.get(node);
    if (!g || !node.primitive) continue;
    const needed = node.inputs.map((x) => x instanceof Var);
    const inputBars = node.primitive.vjp(node.inputs.map(valueOf), node.value, g, node.params, needed);
    node.inputs.forEach((input, i) => {
      const bar = inputBars[i];
      if (!(input instanceof Var) || !bar) return;
      const prev = cotangents.get(input);
      cotangents.set(input, prev ? T.add(prev, bar) : bar); // a value used twice accumulates
    });
  }
  return cotangents;
}

function asVar(out: Operand, what: string): Var {
  if (out instanceof Dual) throw new ArgumentError(`${what}: the function returned a forward-mode value; use jvp`);
  if (!(out instanceof Var)) {
    // f did not depend on its arguments: the output is a constant.
    return new Var(out);
  }
  return out;
}

/**
 * Reverse mode. `vjp(f, ...x)` runs f once and returns its output and a function that maps a
 * cotangent ȳ (same shape as the output) to the cotangents x̄ᵢ = (∂f/∂xᵢ)ᵀ · ȳ.
 */
export function vjp(f: DiffFunction, ...primals: Tensor[]): { out: Tensor; vjp: (cotangent: Tensor) => Tensor[] } {
  const leaves = primals.map((x) => new Var(x));
  const out = asVar(f(...leaves), 'vjp');
  return {
    out: out.value,
    vjp: (cotangent: Tensor) => {
      if (cotangent.shape.join() !== out.value.shape.join()) {
        throw new ShapeError(`vjp: cotangent shape ${formatShape(cotangent.shape)} must match the output's ${formatShape(out.value.shape)}`);
      }
      const bars = backward(out, cotangent);
      return leaves.map((leaf) => bars.get(leaf) ?? T.zeros(leaf.value.shape, leaf.value.dtype));
    },
  };
}

/**
 * Reverse mode for a scalar function: its value and ∂f/∂xᵢ for every argument, in one forward and
 * one backward sweep.
 */
export function valueAndGrad(f: DiffFunction): (...args: Tensor[]) => { value: Tensor; grads: Tensor[] } {
  return (...args) => {
    const { out, vjp: pullback } = vjp(f, ...args);
    if (out.size !== 1) throw new ShapeError(`valueAndGrad: the function must return one number, got shape ${formatShape(out.shape)}`);
    return { value: out, grads: pullback(T.ones(out.shape, out.dtype)) };
  };
}

/** Reverse mode: ∂f/∂xᵢ for every argument of a scalar function. */
export function grad(f: DiffFunction): (...args: Tensor[]) => Tensor[] {
  const vg = valueAndGrad(f);
  return (...args) => vg(...args).grads;
}

/**
 * Forward mode: f's output and its directional derivative ẏ = Σᵢ (∂f/∂xᵢ) · ẋᵢ along the tangents
 * (one per argument; null for "not moving"), in a single forward pass.
 */
export function jvp(f: DiffFunction, primals: Tensor[], tangents: (Tensor | null)[]): { out: Tensor; tangent: Tensor } {
  if (primals.length !== tangents.length) {
    throw new ArgumentError(`jvp: got ${primals.length} primals but ${tangents.length} tangents`);
  }
  primals.forEach((x, i) => {
    const t = tangents[i];
    if (t && t.shape.join() !== x.shape.join()) {
      throw new ShapeError(`jvp: tangent ${i} has shape ${formatShape(t.shape)}, its primal ${formatShape(x.shape)}`);
    }
  });
  const out = f(...primals.map((x, i) => new Dual(x, tangents[i])));
  if (out instanceof Var) throw new ArgumentError('jvp: the function returned a reverse-mode value');
  if (out instanceof Dual) return { out: out.primal, tangent: out.tangent ?? T.zeros(out.primal.shape, out.primal.dtype) };
  return { out, tangent: T.zeros(out.shape, out.dtype) };
}
