#!/usr/bin/env bash
# scripts/gpu-bench — the WebGPU benchmark (bench/webgpu.ts) on an NVIDIA machine with Vulkan, with
# PyTorch CUDA and TensorFlow.js's webgpu backend measured on the same GPU in the same run as the
# baselines. Two steps:
#
#   bash scripts/gpu-bench.sh prepare   here (npm and apt reachable): bundle bench/webgpu.ts into
#                                       .gpu-bench/bench.mjs and bench/tfjs-webgpu.ts (TF.js inside)
#                                       into .gpu-bench/tfjs.mjs, install Dawn's `webgpu` npm package
#                                       into .gpu-bench/ only (not the project's package.json), a
#                                       compressed copy of this node, and the Vulkan loader .debs in
#                                       .gl/ — both folders ignored by git, together under 64 MiB
#   bash scripts/gpu-bench.sh run [bench options]
#                                       there: unpack the loader, find the NVIDIA Vulkan driver, print
#                                       the GPU, run the exactness tests on it (test/browser-webgpu/node.mjs),
#                                       bench/webgpu.ts (with the tiles 'huge4', 'huge4uwf', 'huge4uwd', 'huge4h' timed beside
#                                       chooseTile's on the matmul and W4; GLASSBOX_COMPARE_TILE= turns that off), then
#                                       the PyTorch baseline, then TF.js webgpu's (TORCH_BASELINE=0, TFJS_BASELINE=0,
#                                       EXACTNESS=0: skipped); with GLASSBOX_BENCH_ALSO='OPTIONS',
#                                       the benchmark once more with those options; logs and JSON go to $OUT (or .gpu-bench/out)
#
# With the device tool: run(command="bash scripts/gpu-bench.sh run", carry=[".gl", ".gpu-bench"],
# timeout_s=540). docs/webgpu.md has the details.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=.gpu-bench
WEBGPU_VERSION="${WEBGPU_VERSION:-0.6.2}"

prepare() {
  for p in /.gpu-bench/ /.gl/; do grep -qxF "$p" .git/info/exclude 2>/dev/null || echo "$p" >>.git/info/exclude; done
  rm -rf "$DIR" && mkdir -p "$DIR"
  echo "bundling bench/webgpu.ts → $DIR/bench.mjs, bench/tfjs-webgpu.ts → $DIR/tfjs.mjs and the exactness tests (test/browser-webgpu/page.ts) → $DIR/page.mjs"
  node --input-type=module -e "
    import { build } from 'vite';
    await build({ configFile: false, logLevel: 'warn', ssr: { noExternal: true },
      build: { ssr: 'bench/webgpu.ts', outDir: '$DIR', emptyOutDir: false, target: 'node20', minify: false,
        rollupOptions: { output: { entryFileNames: 'bench.mjs', format: 'es' } } } });
    await build({ configFile: false, logLevel: 'warn', ssr: { noExternal: true },
      build: { ssr: 'bench/tfjs-webgpu.ts', outDir: '$DIR', emptyOutDir: false, target: 'node20', minify: false,
        rollupOptions: { output: { entryFileNames: 'tfjs.mjs', format: 'es', codeSplitting: false } } } });
    await build({ configFile: false, logLevel: 'warn', root: 'test/browser-webgpu',
      build: { outDir: '$PWD/$DIR', emptyOutDir: false, minify: false, target: 'es2022', reportCompressedSize: false,
        lib: { entry: '$PWD/test/browser-webgpu/page.ts', formats: ['es'], fileName: () => 'page.mjs' } } });"
  echo "installing webgpu@$WEBGPU_VERSION (Dawn) into $DIR/node_modules"
  (cd "$DIR" && echo '{"private":true}' >package.json && npm install --no-audit --no-fund --no-package-lock --omit=dev "webgpu@$WEBGPU_VERSION" >/dev/null)
  # Keep only the Linux x64 build of dawn.node (the package ships dist/<platform>-<arch>/ for each: 132 MB).
  find "$DIR/node_modules/webgpu/dist" -mindepth 1 -maxdepth 1 -type d ! -name linux-x64 -exec rm -rf {} +
  [ -f "$DIR/node_modules/webgpu/dist/linux-x64/dawn.node" ] || { echo "webgpu@$WEBGPU_VERSION has no dist/linux-x64/dawn.node" >&2; exit 1; }
  echo "compressing $(command -v node) ($(node --version)) → $DIR/node.xz (used there only when the image has no node)"
  xz -T2 -6 -c "$(command -v node)" >"$DIR/node.xz"
  echo "downloading the Vulkan loader into .gl/"
  mkdir -p .gl /tmp/amd64/partial
  local o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  # shellcheck disable=SC2086
  # The device README's list: the NVIDIA Vulkan ICD (libGLX_nvidia) needs the glvnd libraries too.
  apt-get $o update >/dev/null && (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null)
  du -sh "$DIR" .gl
  local total
  total=$(du -sck "$DIR" .gl | tail -1 | cut -f1)
  if [ "$total" -gt $((62 * 1024)) ]; then
    echo "too big to carry: ${total} KiB in $DIR and .gl (the device tool carries 64 MiB)" >&2
    exit 1
  fi
  echo "ready: run(command=\"bash scripts/gpu-bench.sh run\", carry=[\".gl\", \".gpu-bench\"], timeout_s=540)"
}

torch_baseline() {
  cat >/tmp/torch_baseline.py <<'PY'
# One epoch of W1, W3, W4 in PyTorch CUDA fp32 on the same random data shape as bench/webgpu.ts
# (50,000 x 784, 10 classes), batches gathered on the GPU from a permutation: the in-run baseline.
import json, sys, time
import torch
torch.backends.cuda.matmul.allow_tf32 = False  # fp32, like WGSL
torch.backends.cudnn.allow_tf32 = False
dev = torch.device('cuda')
g = torch.Generator(device='cpu').manual_seed(2024)
n = int(sys.argv[sys.argv.index('--examples') + 1]) if '--examples' in sys.argv else 50000
X = torch.rand(n, 784, generator=g).to(dev)
labels = torch.randint(0, 10, (n,), generator=g).to(dev)
Y = torch.nn.functional.one_hot(labels, 10).float()
W = [
  ('W1', [784, 30, 10], 'sigmoid', 'quadratic', 10, 3.0, 0.0, 5.0),
  ('W3', [784, 256, 128, 10], 'relu', 'log-likelihood', 128, 0.05, 0.9, 0.5),
  ('W4', [784, 4096, 4096, 10], 'relu', 'log-likelihood', 1024, 0.05, 0.9, 0.132),
]
rows = []
for wid, sizes, hidden, cost, batch, eta, mom, quoted in W:
  torch.manual_seed(1)
  layers = []
  for i in range(len(sizes) - 1):
    layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
    if i < len(sizes) - 2:
      layers.append(torch.nn.Sigmoid() if hidden == 'sigmoid' else torch.nn.ReLU())
  model = torch.nn.Sequential(*layers).to(dev)
  opt = torch.optim.SGD(model.parameters(), lr=eta, momentum=mom)
  def epoch(seed):
    perm = torch.randperm(n, device=dev, generator=torch.Generator(device=dev).manual_seed(seed))
    total = torch.zeros((), device=dev)
    for s in range(0, n, batch):
      idx = perm[s:s + batch]
      z = model(X[idx])
      if cost == 'quadratic':
        loss = 0.5 * ((torch.sigmoid(z) - Y[idx]) ** 2).sum(1).mean()
      else:
        loss = torch.nn.functional.cross_entropy(z, labels[idx])
      opt.zero_grad(set_to_none=True)
      loss.backward()
      opt.step()
      total += loss.detach()
    torch.cuda.synchronize()
    return total.item()
  epoch(0)  # warm-up
  times = []
  for e in range(2):
    t0 = time.perf_counter()
    epoch(e + 1)
    times.append(time.perf_counter() - t0)
  best = min(times)
  rows.append({'what': wid, 'seconds': best, 'epochs': times, 'quoted_h200': quoted})
  print(f'PyTorch CUDA {wid} {sizes} batch {batch}: {best:.3f} s per epoch (epochs {", ".join(f"{t:.3f}" for t in times)}; quoted on an H200: {quoted} s)', flush=True)
a = torch.rand(4096, 4096, device=dev) - 0.5
for _ in range(2): a @ a
torch.cuda.synchronize(); t0 = time.perf_counter()
for _ in range(10): a @ a
torch.cuda.synchronize(); s = (time.perf_counter() - t0) / 10
print(f'PyTorch CUDA matmul 4096^3 fp32: {s * 1000:.2f} ms, {2 * 4096 ** 3 / s / 1e12:.2f} TFLOP/s', flush=True)
rows.append({'what': 'matmul 4096^3', 'seconds': s, 'tflops': 2 * 4096 ** 3 / s / 1e12})
if '--json' in sys.argv:
  json.dump({'device': torch.cuda.get_device_name(0), 'torch': torch.__version__, 'rows': rows}, open(sys.argv[sys.argv.index('--json') + 1], 'w'), indent=2)
PY
}

run() {
  local out="${OUT:-$DIR/out}"
  mkdir -p "$out"
  [ -f "$DIR/bench.mjs" ] || { echo "no $DIR/bench.mjs: run 'bash scripts/gpu-bench.sh prepare' first and carry .gpu-bench" >&2; exit 2; }
  if compgen -G ".gl/*.deb" >/dev/null; then
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
  fi
  if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  fi
  echo "libvulkan: $(ldconfig -p | grep -c 'libvulkan.so.1') found; VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | tee "$out/gpu.txt" || true
  local node_bin=node
  if ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' 2>/dev/null; then
    xz -dc "$DIR/node.xz" >/tmp/node && chmod +x /tmp/node
    node_bin=/tmp/node
  fi
  echo "node $($node_bin --version)"
  local status=0
  set -o pipefail
  echo "== exactness: every WGSL kernel against the reference backend, the trainer against the CPU engine, on this GPU"
  if [ "${EXACTNESS:-1}" = 0 ]; then
    echo "skipped (EXACTNESS=0)"
  else
    "$node_bin" test/browser-webgpu/node.mjs "$DIR/page.mjs" "$DIR/node_modules/webgpu" 2>&1 | tee "$out/exactness.log" || status=$?
  fi
  echo "== benchmark"
  # GLASSBOX_COMPARE_TILE (default huge4,huge4uwf,huge4uwd,huge4h; empty: off) also times those tiles beside chooseTile's: matmul and W4.
  # Without options, the default workloads, W4's products one by one, and each workload through
  # fitWebGpu, the CLI's loop (bench/webgpu.ts --only).
  [ $# -gt 0 ] || set -- --only W1,W3,W4,matmul,W4products,W1fit,W3fit,W4fit,W1mon,W4mon,W4fa,W4dfa
  GLASSBOX_COMPARE_TILE="${GLASSBOX_COMPARE_TILE-huge4,huge4uwf,huge4uwd,huge4h}" "$node_bin" "$DIR/bench.mjs" --json "$out/webgpu.json" "$@" 2>&1 | tee "$out/webgpu.log" || status=$?
  if [ -n "${GLASSBOX_BENCH_ALSO:-}" ]; then
    # A second benchmark run with other options (word-split), e.g. Dawn toggles:
    # GLASSBOX_BENCH_ALSO='--only matmul --dawn enable-dawn-features=disable_robustness'
    echo "== benchmark again: $GLASSBOX_BENCH_ALSO"
    # shellcheck disable=SC2086
    GLASSBOX_COMPARE_TILE="${GLASSBOX_COMPARE_TILE-huge4,huge4uwf,huge4uwd,huge4h}" "$node_bin" "$DIR/bench.mjs" --json "$out/webgpu-also.json" $GLASSBOX_BENCH_ALSO 2>&1 | tee "$out/webgpu-also.log" || status=$?
  fi
  echo "== PyTorch CUDA baseline, same GPU"
  if [ "${TORCH_BASELINE:-1}" = 0 ]; then
    echo "skipped (TORCH_BASELINE=0)"
  elif python3 -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null; then
    torch_baseline
    python3 /tmp/torch_baseline.py --json "$out/torch.json" 2>&1 | tee "$out/torch.log" || true
  else
    echo "PyTorch with CUDA not available here: no in-run baseline" | tee "$out/torch.log"
  fi
  echo "== TensorFlow.js webgpu baseline, same GPU (bench/tfjs-webgpu.ts; at most ${TFJS_SECONDS:-150} s)"
  if [ "${TFJS_BASELINE:-1}" = 0 ]; then
    echo "skipped (TFJS_BASELINE=0)"
  else
    timeout "${TFJS_SECONDS:-150}" "$node_bin" "$DIR/tfjs.mjs" "$DIR/node_modules/webgpu" --json "$out/tfjs.json" 2>&1 | tee "$out/tfjs.log" || echo "TF.js baseline ended with status $? (124: out of time)" | tee -a "$out/tfjs.log"
  fi
  return "$status"
}

case "${1:-}" in
  prepare) prepare ;;
  run) shift; run "$@" ;;
  *) echo "usage: bash scripts/gpu-bench.sh prepare | run [--only W1,W3,W4,matmul] [--examples N] [--epochs N]" >&2; exit 2 ;;
esac
