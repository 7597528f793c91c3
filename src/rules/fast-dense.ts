/**
 * rules/fast-dense — the fused training step for the hot case: backprop on a Sequential of dense
 * layers with a closed-form output error, optimised by SGD (plain or momentum) or Adam, L1/L2.
 * Every buffer (the gathered batch, z, a, δ, ∂C/∂W, ∂C/∂b per layer) is allocated once from the
 * active backend, so a step allocates nothing: gather x and y (2 kernel calls), one dense forward
 * per layer, the output δ^L, one dense VJP per layer, each followed at once by its parameters'
 * update: one `momentumStep` per parameter (a backend's one-pass equal of the momentum axpy calls,
 * L2 included), one `adamStep` (the kernel optim's adam calls), or a few axpy calls. The
 * derivative rules come from autodiff/primitives (dense VJP, output δ); nothing is re-derived here.
 * With plain SGD (no momentum) and no L1, the VJP and the update are one fused kernel per layer
 * (denseVjpSgdInto: W ← (1 − ηλ/n)W − η·δᵀx straight into W), so ∂C/∂W is never written out.
 * Where the backend has a helper thread that the step's big layers use (the wasm backend, W3), the
 * next batch's x is gathered on it into a second buffer while the small top layer runs
 * (`gatherRowsInBackground`); the next step then starts from that buffer.
 * `fit` uses it automatically when `compileFastDense` accepts the run; everything else takes the
 * general autodiff path, which this one matches to float32 round-off.
 *
 * Indices: `layers[i]` is Nielsen's layer l = i + 2; buffer i of each list belongs to that layer.
 */
import { denseForwardInto, denseVjpInto, denseVjpSgdInto, hasDenseVjpSgd } from '../autodiff/primitives/dense.js';
import { outputCostAndDelta, outputPairing, type OutputPairing } from '../autodiff/primitives/output-delta.js';
import type { Sequential } from '../nn/model.js';
import type { Optimizer, OptimizerState } from '../optim/optimizers.js';
import { kernels } from '../tensor/kernels/registry.js';
import type { ActivationKind, FloatArray, Kernels } from '../tensor/kernels/types.js';
import { allocate, type Tensor } from '../tensor/tensor.js';

/** Where touchRows leaves its sum (written, never read: it only keeps the loads from being dropped). */
let _touchSink = 0;

/**
 * Read the first and last value of each of `rows` of src (row length `rowLength`): independent
 * loads the core issues together, so a later gather of those rows from a large training set (157 MB
 * for Fashion-MNIST, far past the caches and the TLB's reach) finds their pages mapped and their
 * ends cached instead of waiting on memory once per row. The sum only keeps the loads alive.
 */
function touchRows(src: FloatArray, rowLength: number, rows: Int32Array): void {
  let sum = 0;
  for (let r = 0; r < rows.length; r++) {
    const from = rows[r] * rowLength;
    sum += src[from] + src[from + rowLength - 1];
  }
  _touchSink += sum;
}

/** Whether the first `count` entries of `rows` are `indices`, in the same order. */
function sameRows(rows: Int32Array, count: number, indices: Int32Array): boolean {
  if (count !== indices.length) return false;
  for (let i = 0; i < count; i++) if (rows[i] !== indices[i]) return false;
  return true;
}

/** √(Σ a[i]²) over the first n elements, summed in double. */
function norm2(a: FloatArray, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/** A compiled fused step for one model, optimiser, batch size and backend. */
export interface FastDense {
  /** The backend the buffers were allocated from (the step must run on the same one). */
  readonly backend: string;
  /**
   * One training step on rows `indices` of (x, y): forward, δ^L, backward, update of the model's
   * parameters and the optimiser state in place. Returns the batch-mean cost before the update.
   * `next`, the rows of the step that follows (when known), are gathered in the background where
   * the backend can (see the file header), else touched once the forward pass is under way, so the
   * next gather finds their pages mapped and their first lines on the way.
   * `norms`, when given ([2 × layers]), receives ‖∂C/∂W^l‖ and ‖∂C/∂b^l‖ of this batch's cost for
   * each layer i at 2i and 2i + 1 (the data term only, before L1/L2, as autodiff's gradient): the
   * learning speed `fit`'s dynamics monitor records. Observing changes nothing in the step.
   */
  step(x: Tensor, y: Tensor, indices: Int32Array, optimizerState: OptimizerState, next?: Int32Array, norms?: Float64Array): number;
  /**
   * ∂C/∂W^l and ∂C/∂b^l of the last step, in `parameters()` order (views valid until the next step);
   * null when the step is fused (plain SGD, no L1), which never writes them out.
   */
  lastGradients(): FloatArray[] | null;
  /** Whether the backward and the update run as one fused kernel per layer. */
  readonly fused: boolean;
}

/** Backends whose arrays live on the CPU (the fused step indexes the small output arrays). */
const CPU_BACKENDS = new Set(['reference', 'js', 'wasm']);

/**
 * Compile the fused step, or return null when the run is not the hot case (another rule than
 * backprop is the caller's business; here: a non-CPU backend, float64 parameters, an activation
 * without a kernel in a hidden layer, a cost pairing without a closed-form δ^L, an optimiser other
 * than `sgd` (plain or momentum) or `adam`).
 */
export function compileFastDense(model: Sequential, optimizer: Optimizer, batchSize: number): FastDense | null {
  const k: Kernels = kernels();
  if (!CPU_BACKENDS.has(k.name)) return null;
  if (optimizer.name !== 'sgd' && optimizer.name !== 'momentum' && optimizer.name !== 'adam') return null;
  const cfg = optimizer.config as Record<string, number>;
  const isAdam = optimizer.name === 'adam';
  const { eta, lambda, l1, trainingSize, beta1, beta2, epsilon } = cfg;
  const momentum = isAdam ? 0 : cfg.momentum;
  const finite = (v: number): boolean => typeof v === 'number' && Number.isFinite(v);
  if (![eta, momentum, lambda, l1].every(finite) || (isAdam && ![beta1, beta2, epsilon].every(finite))) return null;
  const layers = model.layers;
  const last = layers.length - 1;
  if (layers.some((l) => l.W.dtype !== 'float32' || l.b.dtype !== 'float32')) return null;
  if (layers.some((l, i) => i < last && l.activation.kernel === null)) return null;
  const pairing: OutputPairing | null = outputPairing(model.cost.name, layers[last].activation.name);
  if (!pairing) return null;

  const sizes = model.sizes;
  const f32 = (n: number): FloatArray => allocate('float32', n);
  // The batch's x [B, nIn], twice: the next batch may be gathered into one buffer in the
  // background while this step still reads the other (see `step`).
  const xBufs = [f32(batchSize * sizes[0]), f32(batchSize * sizes[0])];
  const yBuf = f32(batchSize * sizes[sizes.length - 1]); // [B, classes]
  const z = layers.map((_, i) => f32(batchSize * sizes[i + 1])); // z^l [B, nOut]
  const a = layers.map((_, i) => f32(batchSize * sizes[i + 1])); // a^l [B, nOut]
  const delta = layers.map((_, i) => f32(batchSize * sizes[i + 1])); // δ^l [B, nOut]
  const dW = layers.map((_, i) => f32(sizes[i + 1] * sizes[i])); // ∂C/∂W^l [nOut, nIn]
  const db = layers.map((_, i) => f32(sizes[i + 1])); // ∂C/∂b^l [nOut]
  const signBuf = l1 > 0 ? layers.map((_, i) => f32(sizes[i + 1] * sizes[i])) : null;
  // The fused kernel applies the output activation itself when it is element-wise; softmax's a^L
  // is written by outputCostAndDelta from z^L.
  const acts: ActivationKind[] = layers.map((l, i) => (i < last ? l.activation.kernel! : l.activation.kernel ?? 'linear'));
  const grads: FloatArray[] = layers.flatMap((_, i) => [dW[i], db[i]]);
  // Plain SGD without L1: VJP and update fused. δ^L carries the batch mean's 1/m, so the kernel's
  // eta is η itself, and L2's g + (λ/n)W becomes the decay 1 − ηλ/n: Nielsen's
  // w ← (1 − ηλ/n)w − (η/m)Σ_x ∂C_x/∂w.
  const fused = !isAdam && momentum === 0 && l1 === 0 && hasDenseVjpSgd();
  const decay = fused && lambda !== 0 ? 1 - (eta * lambda) / trainingSize : 1;

  // The rows the last step gathered in the background into xBufs[1 − current] (the first
  // `prefetchedCount` of prefetchedRows), and from where (null: none).
  const prefetchedRows = new Int32Array(batchSize);
  let prefetchedCount = 0;
  let prefetchedSrc: FloatArray | null = null;
  let current = 0;
  /** Waits for the background gather in flight, if any (called before the layer below the top needs the helper). */
  let pending: (() => void) | null = null;
  const waitForNext = (): void => {
    const wait = pending;
    pending = null;
    wait?.();
  };
  // The sizes of the kernels that run while the next batch is being gathered (the top layer's) and
  // of the step's biggest, for the backend to decide whether its helper thread can do the gather.
  const layerWork = layers.map((_, i) => batchSize * sizes[i] * sizes[i + 1]);
  const gatherWork = { alongside: layerWork[last], largest: Math.max(...layerWork) };

  /**
   * Parameter p's update (p = 2i: W of layers[i], 2i + 1: its b) from grads[p], the same kernel calls
   * as optim's sgd and adam: g ← g + (λ/n)W + (λ₁/n)sgn(W) for weights; momentum v ← μv − ηg,
   * θ ← θ + v; plain θ ← θ − ηg; Adam one adamStep with the bias-corrected step size of step t.
   * `m` is the batch the layer's VJP ran on: the backend splits the update over its threads where it
   * split that VJP's ∂C/∂W.
   */
  const update = (p: number, buffers: Tensor[][], adamStepSize: number, m: number): void => {
    const theta = (p % 2 === 0 ? layers[p >> 1].W : layers[p >> 1].b).dataSync();
    const g = grads[p];
    const n = theta.length;
    const rowLength = p % 2 === 0 ? sizes[p >> 1] : n;
    if (momentum > 0 && l1 === 0 && k.momentumStep) {
      // One pass (the backend's fused equal of the axpy calls below), L2 folded in for weights.
      k.momentumStep(theta, buffers[p][0].dataSync(), g, n, momentum, eta, p % 2 === 0 && lambda !== 0 ? lambda / trainingSize : 0, rowLength, m);
      return;
    }
    if (p % 2 === 0) {
      if (lambda !== 0) k.axpy(lambda / trainingSize, theta, g, n);
      if (l1 !== 0) {
        const s = signBuf![p >> 1];
        k.unary('sign', theta, s, n);
        k.axpy(l1 / trainingSize, s, g, n);
      }
    }
    if (isAdam) {
      const [mean, variance] = buffers[p];
      k.adamStep(theta, mean.dataSync(), variance.dataSync(), g, n, beta1, beta2, adamStepSize, epsilon, rowLength, m);
    } else if (momentum > 0) {
      const v = buffers[p][0].dataSync();
      k.axpy(momentum - 1, v, v, n);
      k.axpy(-eta, g, v, n);
      k.axpy(1, v, theta, n);
    } else {
      k.axpy(-eta, g, theta, n);
    }
  };

  return {
    backend: k.name,
    fused,
    lastGradients: () => (fused ? null : grads),
    step(x, y, indices, state, next, norms) {
      const m = indices.length; // ≤ batchSize (the last batch of an epoch may be short)
      const xs = x.dataSync(), ys = y.dataSync();
      if (prefetchedSrc === xs && sameRows(prefetchedRows, prefetchedCount, indices)) {
        current = 1 - current; // the last step gathered these rows already
      } else {
        k.gatherRows(xs, sizes[0], indices, xBufs[current]);
      }
      prefetchedSrc = null;
      const xBuf = xBufs[current];
      k.gatherRows(ys, sizes[sizes.length - 1], indices, yBuf);
      // The next batch's x is gathered into the other buffer on the backend's helper thread, if it
      // has one to spare, from just before the top layer's forward to just before the VJP of the
      // layer below it (W3: the helper would otherwise idle through the small top layer and δ^L).
      let cost: number;
      try {
        // Forward: one fused dense kernel per layer.
        let input = xBuf;
        for (let i = 0; i <= last; i++) {
          if (i === last && i > 0 && next) {
            pending = next.length <= batchSize ? k.gatherRowsInBackground?.(xs, sizes[0], next, xBufs[1 - current], gatherWork) ?? null : null;
            if (pending) {
              prefetchedRows.set(next);
              prefetchedCount = next.length;
              prefetchedSrc = xs;
            } else {
              touchRows(xs, sizes[0], next);
            }
          }
          denseForwardInto(input, layers[i].W.dataSync(), layers[i].b.dataSync(), z[i], a[i], m, sizes[i], sizes[i + 1], acts[i]);
          input = a[i];
          if (i === 0 && next) {
            if (last === 0) touchRows(xs, sizes[0], next);
            touchRows(ys, sizes[sizes.length - 1], next);
          }
        }
        // δ^L (BP1) with the 1/m of the batch mean; then one dense VJP per layer, whose x̄ = δ^l·W^l is
        // the next layer down's ā, turned into its δ in place by that layer's VJP (BP2).
        cost = outputCostAndDelta(pairing, z[last], a[last], yBuf, delta[last], m, sizes[sizes.length - 1]);
        if (fused) {
          // Layer by layer from the top, as below; each kernel computes x̄ with W^l before updating it.
          for (let i = last; i >= 0; i--) {
            if (i === last - 1) waitForNext();
            const act = i === last ? 'linear' : acts[i]; // δ^L already includes act'(z^L)
            denseVjpSgdInto(i > 0 ? a[i - 1] : xBuf, layers[i].W.dataSync(), layers[i].b.dataSync(), z[i], a[i], delta[i], i > 0 ? delta[i - 1] : null, m, sizes[i], sizes[i + 1], act, eta, decay);
            if (norms) {
              // The fused kernel never writes ∂C/∂W or ∂C/∂b; for the monitor, δᵀ·x and Σ_rows δ into
              // the idle dW and db buffers (δ^l is in delta[i] now, the layer's input untouched).
              k.matmul(delta[i], i > 0 ? a[i - 1] : xBuf, dW[i], sizes[i + 1], sizes[i], m, true, false, false);
              k.sumAxis(delta[i], db[i], 1, m, sizes[i + 1]);
              norms[2 * i] = norm2(dW[i], sizes[i + 1] * sizes[i]);
              norms[2 * i + 1] = norm2(db[i], sizes[i + 1]);
            }
          }
          state.step++;
          return cost;
        }
        // Each layer's update right after its VJP, while its ∂C/∂W is still in the caches of the
        // threads that computed it (W^l is not read again this step: x̄ used it inside the VJP). The
        // parameters are independent, so the order changes no value.
        const t = state.step + 1;
        const adamStepSize = isAdam ? (eta * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t) : 0;
        for (let i = last; i >= 0; i--) {
          if (i === last - 1) waitForNext();
          const act = i === last ? 'linear' : acts[i]; // δ^L already includes act'(z^L)
          denseVjpInto(i > 0 ? a[i - 1] : xBuf, layers[i].W.dataSync(), z[i], a[i], delta[i], dW[i], db[i], i > 0 ? delta[i - 1] : null, m, sizes[i], sizes[i + 1], act);
          if (norms) {
            norms[2 * i] = norm2(dW[i], sizes[i + 1] * sizes[i]); // before the update adds L1/L2 to them
            norms[2 * i + 1] = norm2(db[i], sizes[i + 1]);
          }
          update(2 * i, state.buffers, adamStepSize, m);
          update(2 * i + 1, state.buffers, adamStepSize, m);
        }
      } finally {
        waitForNext(); // (on an error too: the helper must be free for the next kernel)
      }
      state.step++;
      return cost;
    },
  };
}
