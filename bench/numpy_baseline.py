"""bench/numpy_baseline.py — numpy (BLAS) baselines for `npm run bench`, run as a subprocess.

Reads the same training data the JS engines use (float32 raw files written by bench/main.ts), then
times mini-batch SGD for a workload two ways: batched matrix form, and per-example like Nielsen's
network.py. Prints one JSON line: {"batched": seconds_per_epoch, "perExample": ...}.
Usage: python3 numpy_baseline.py X.f32 Y.f32 N WORKLOAD_JSON MAX_SECONDS [batched-only]
"""
import json, sys, time
import numpy as np

x_path, y_path, n, spec, max_seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4]), float(sys.argv[5])
X = np.fromfile(x_path, dtype=np.float32).reshape(n, -1)
Y = np.fromfile(y_path, dtype=np.float32).reshape(n, -1)
sizes, hidden, output, cost = spec["sizes"], spec["hidden"], spec["output"], spec["cost"]
eta, lam, mom, batch = spec["eta"], spec["lambda"], spec["momentum"], spec["batch"]
rng = np.random.default_rng(1)

def init():
    Ws, bs = [], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        std = 1.0 if spec["init"] == "large" else (1 / np.sqrt(n_in) if spec["init"] == "default" else np.sqrt(2 / n_in))
        Ws.append((rng.standard_normal((n_in, n_out)) * std).astype(np.float32))
        bs.append(np.zeros(n_out, np.float32) if spec["init"] == "he" else rng.standard_normal(n_out).astype(np.float32))
    return Ws, bs

def act(z, kind):
    if kind == "relu": return np.maximum(z, 0)
    if kind == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True)); return e / e.sum(axis=1, keepdims=True)
    return 1 / (1 + np.exp(-z))

def grads(Ws, bs, x, y):
    acts, zs = [x], []
    for l, (W, b) in enumerate(zip(Ws, bs)):
        z = acts[-1] @ W + b
        zs.append(z)
        acts.append(act(z, output if l == len(Ws) - 1 else hidden))
    a = acts[-1]
    delta = (a - y) * a * (1 - a) if cost == "quadratic" else a - y
    out = [None] * len(Ws)
    for l in range(len(Ws) - 1, -1, -1):
        out[l] = (acts[l].T @ delta, delta.sum(axis=0))
        if l > 0:
            delta = (delta @ Ws[l].T) * ((zs[l - 1] > 0) if hidden == "relu" else acts[l] * (1 - acts[l]))
    return out

def apply(Ws, bs, vs, gs, m):
    for l, (dW, db) in enumerate(gs):
        if mom > 0:
            vs[l][0] = mom * vs[l][0] - (eta / m) * dW; Ws[l] += vs[l][0]
            vs[l][1] = mom * vs[l][1] - (eta / m) * db; bs[l] += vs[l][1]
        else:
            Ws[l] *= (1 - eta * lam / n); Ws[l] -= (eta / m) * dW; bs[l] -= (eta / m) * db

def timed(per_example):
    Ws, bs = init()
    vs = [[np.zeros_like(W), np.zeros_like(b)] for W, b in zip(Ws, bs)]
    order = rng.permutation(n)
    steps_per_epoch = (n + batch - 1) // batch
    t0 = time.perf_counter(); steps = 0
    for s in range(steps_per_epoch):
        idx = order[s * batch:(s + 1) * batch]
        if per_example:  # network.py: backprop one example at a time, sum, then one update
            total = None
            for i in idx:
                g = grads(Ws, bs, X[i:i + 1], Y[i:i + 1])
                total = g if total is None else [(a[0] + b[0], a[1] + b[1]) for a, b in zip(total, g)]
            apply(Ws, bs, vs, total, len(idx))
        else:
            apply(Ws, bs, vs, grads(Ws, bs, X[idx], Y[idx]), len(idx))
        steps += 1
        if time.perf_counter() - t0 > max_seconds: break
    return (time.perf_counter() - t0) / steps * steps_per_epoch, steps == steps_per_epoch

batched, full_b = timed(False)
per_example, full_p = (None, False) if sys.argv[6:7] == ["batched-only"] else timed(True)
print(json.dumps({"batched": batched, "batchedFull": full_b, "perExample": per_example, "perExampleFull": full_p,
                  "numpy": np.__version__}))
