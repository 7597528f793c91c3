/**
 * tensor/kernels/types — the small, fixed kernel interface everything numeric runs on.
 *
 * Kernels see only typed arrays and integers: no Tensor, no validation, no allocation of graph
 * nodes. The caller (tensor/ops.ts) has already checked shapes; kernels trust their input.
 * `reference.ts` defines what each kernel means with naive loops; every other backend must agree
 * with it to float round-off (test/kernels.test.ts runs the same table against each backend).
 *
 * Layout is row-major throughout. Dense weights follow Nielsen: W is [nOut, nIn], so w[j][k] (to
 * neuron j from neuron k) is W[j * nIn + k], and a batch of inputs is X [batch, nIn].
 */

/** The storage every CPU kernel works on. float32 for training, float64 for exact checks. */
export type FloatArray = Float32Array | Float64Array;

/** Element-wise functions of one argument. `*Prime` are derivatives evaluated at z. */
export type UnaryOp =
  | 'neg'
  | 'exp'
  | 'log'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'square'
  | 'sqrt'
  | 'abs'
  | 'sign'
  | 'step'
  | 'reciprocal'
  | 'softplus'
  | 'sigmoidPrime'
  | 'tanhPrime';

/** Element-wise functions of two (broadcast) arguments. */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min';

/** Activations a fused dense kernel knows. */
export type ActivationKind = 'linear' | 'sigmoid' | 'tanh' | 'relu';

/** The kernel set a backend provides. All sizes are element counts; all arrays are row-major. */
export interface Kernels {
  /** Backend name: 'reference', 'js', 'wasm', … */
  readonly name: string;

  /**
   * Optional: storage for a new tensor of `n` zeroed elements. `allocate()` in tensor.ts uses the
   * active backend's when present, so a backend can keep tensors in its own memory (the wasm
   * backend hands out Float32Array views into its linear memory and then works on them in place,
   * without copying). Every kernel of every backend must still accept arrays from anywhere.
   */
  allocate?(dtype: 'float32' | 'float64', n: number): FloatArray;

  /**
   * Optional: give back storage from this backend's `allocate` before garbage collection would.
   * The array must not be used afterwards; arrays the backend did not allocate are ignored.
   */
  release?(array: FloatArray): void;

  /**
   * C[m, n] = op(A) · op(B)  (or C += … when `accumulate`).
   * A is [m, k] row-major, or [k, m] when `transA`; B is [k, n], or [n, k] when `transB`.
   */
  matmul(
    a: FloatArray, b: FloatArray, c: FloatArray,
    m: number, n: number, k: number,
    transA: boolean, transB: boolean, accumulate: boolean,
  ): void;

  /** out[i] = op(x[i]) for i < n. `out` may be `x`. */
  unary(op: UnaryOp, x: FloatArray, out: FloatArray, n: number): void;

  /**
   * out[idx] = a[idx · aStrides] op b[idx · bStrides] for every multi-index idx of `outShape`.
   * A stride of 0 broadcasts that axis. Strides are in elements.
   */
  binary(
    op: BinaryOp,
    a: FloatArray, aStrides: readonly number[],
    b: FloatArray, bStrides: readonly number[],
    out: FloatArray, outShape: readonly number[],
  ): void;

  /** out[o, i] = Σ_m x[o, m, i] — x viewed as [outer, mid, inner]. */
  sumAxis(x: FloatArray, out: FloatArray, outer: number, mid: number, inner: number): void;

  /** out[o, i] = max_m x[o, m, i] — x viewed as [outer, mid, inner]; mid ≥ 1. */
  maxAxis(x: FloatArray, out: FloatArray, outer: number, mid: number, inner: number): void;

  /** out[r, :] = src[indices[r], :] for rows of length `rowLength`. */
  gatherRows(src: FloatArray, rowLength: number, indices: Int32Array, out: FloatArray): void;

  /** y[i] += alpha · x[i] for i < n. */
  axpy(alpha: number, x: FloatArray, y: FloatArray, n: number): void;

  /** out[r, :] = softmax(x[r, :]) for `rows` rows of `cols` (max-shifted, stable). */
  softmaxRows(x: FloatArray, out: FloatArray, rows: number, cols: number): void;

  /** out[r, :] = log softmax(x[r, :]) (stable). */
  logSoftmaxRows(x: FloatArray, out: FloatArray, rows: number, cols: number): void;

  /** out[r] = index of the largest x[r, :] (first on ties). */
  argmaxRows(x: FloatArray, out: Int32Array, rows: number, cols: number): void;

  /**
   * Fused dense layer forward: z = x · Wᵀ + b, a = act(z).
   * x [batch, nIn], W [nOut, nIn], b [nOut], z and a [batch, nOut].
   */
  denseForward(
    x: FloatArray, W: FloatArray, b: FloatArray, z: FloatArray, a: FloatArray,
    batch: number, nIn: number, nOut: number, act: ActivationKind,
  ): void;

  /**
   * Fused dense layer backward. Given dA = ∂C/∂a [batch, nOut] and the forward's z and a:
   * delta = dA ⊙ act'(z)            [batch, nOut]  (Nielsen's δ for each example)
   * dW (+)= deltaᵀ · x              [nOut, nIn]
   * db (+)= Σ_batch delta           [nOut]
   * dX  = delta · W                 [batch, nIn]   (skipped when dX is null)
   * `delta` may be `dA` (overwritten). dW and db are overwritten unless `accumulate`.
   */
  denseBackward(
    x: FloatArray, W: FloatArray, z: FloatArray, a: FloatArray, dA: FloatArray,
    delta: FloatArray, dW: FloatArray, db: FloatArray, dX: FloatArray | null,
    batch: number, nIn: number, nOut: number, act: ActivationKind, accumulate: boolean,
  ): void;

  /**
   * Fused dense backward with plain-SGD update, never writing ∂C/∂W (optional; callers fall back
   * to denseBackward + axpy without it). Given dA = ∂C/∂a [batch, nOut] and the forward's z and a:
   * delta = dA ⊙ act'(z)                  [batch, nOut]
   * dX    = delta · W                     [batch, nIn]  with the OLD W (skipped when dX is null)
   * b    ← b − eta · Σ_batch delta        [nOut]
   * W    ← decay · W − eta · deltaᵀ · x   [nOut, nIn]   (one scaling pass, none when decay = 1)
   * `delta` may be `dA` (overwritten); dX must not alias W.
   */
  denseBackwardSgd?(
    x: FloatArray, W: FloatArray, z: FloatArray, a: FloatArray, dA: FloatArray,
    delta: FloatArray, b: FloatArray, dX: FloatArray | null,
    batch: number, nIn: number, nOut: number, act: ActivationKind, eta: number, decay: number,
  ): void;

  /**
   * The momentum-SGD update in one pass (optional; callers fall back to the axpy calls it equals
   * bit for bit on the same backend): for i < n,
   * g[i] += l2 · θ[i]   (only when l2 ≠ 0: the L2 term λ/n, weights only)
   * v[i] += (mu − 1) · v[i];  v[i] += −eta · g[i]   (v ← μv − ηg)
   * θ[i] += v[i]
   * θ is [n / rowLength, rowLength] (a weight matrix's rows, or rowLength = n): a backend with
   * two threads splits it by rows where it splits the dense kernels of a layer of that shape run on
   * `batch` samples (default 16), so each thread updates the rows whose ∂C/∂W it computed.
   */
  momentumStep?(theta: FloatArray, v: FloatArray, g: FloatArray, n: number, mu: number, eta: number, l2: number, rowLength: number, batch?: number): void;

  /**
   * One Adam step (Kingma & Ba 2015) in one pass over the n elements of θ, m, v and g, every
   * operation rounded to the arrays' precision (float32 arrays: exactly what the four-wide float32
   * instructions give, no fused multiply-add, so every backend agrees bit for bit):
   *   m[i] ← β1·m[i] + c1·g[i]
   *   v[i] ← β2·v[i] + (c2·g[i])·g[i]
   *   θ[i] ← θ[i] − (s·m[i]) / (√v[i] + ε)
   * with c1 = 1 − β1, c2 = 1 − β2 (in double, then rounded like β1, β2, s and ε) and s = stepSize,
   * η·√(1 − β2ᵗ)/(1 − β1ᵗ): the bias correction of step t folded into the step size. θ is
   * [n / rowLength, rowLength] (a weight matrix's rows, or rowLength = n): a backend with two
   * threads splits it by rows as momentumStep does (`batch`, default 16, as there).
   */
  adamStep(
    theta: FloatArray, m: FloatArray, v: FloatArray, g: FloatArray, n: number,
    beta1: number, beta2: number, stepSize: number, epsilon: number, rowLength: number, batch?: number,
  ): void;

  /**
   * Storage for a data set's values (optional; the data loaders use it through `allocateDataset`).
   * The wasm backend places it in its own memory, outside the tensor arena's caps, so the training
   * step's row gathers run as WebAssembly copies instead of JavaScript copies into shared memory
   * (128 random Fashion-MNIST rows: 39 µs against 86–100 µs). Null when there is no room; the
   * caller then uses an ordinary array.
   */
  allocateDataset?(n: number): Float32Array | null;

  /**
   * Optional: start `gatherRows(src, rowLength, indices, out)` on a helper thread and return a
   * function that waits for it to finish; null when the backend declines. The training step uses
   * it to gather the next mini-batch while its small top layer runs on one core. `work` sizes the
   * caller's dense kernels as batch × nIn × nOut: `alongside`, the biggest it runs before the wait;
   * `largest`, the biggest of its step. The backend declines unless its helper splits a kernel of
   * `largest` (so the helper is awake, and already shares the step's data) and none of
   * `alongside`; and when it has no idle helper or the arrays are outside its memory. Until the
   * wait, the caller must not touch `out` nor change `src`; `indices` is copied at the call.
   * Kernels called meanwhile run without the helper. The wait must be called, even after an error.
   */
  gatherRowsInBackground?(
    src: FloatArray, rowLength: number, indices: Int32Array, out: FloatArray, work: { alongside: number; largest: number },
  ): (() => void) | null;
}
