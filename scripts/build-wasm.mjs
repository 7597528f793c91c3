// scripts/build-wasm.mjs — compiles the AssemblyScript kernels (src/tensor/kernels/wasm/assembly/)
// into two WebAssembly modules, plain SIMD128 and relaxed SIMD (fused multiply-add), and writes
// them base64-encoded into src/tensor/kernels/wasm/binary.generated.ts so the same TypeScript loads
// them in Node and in the browser without a fetch. Runs offline (assemblyscript is a devDependency)
// and skips the compile when the sources and compiler are unchanged (hash in the generated file).
//
// Both modules import a *shared* memory `env.memory` (so they can later run on worker threads and
// growing it never detaches views); `memoryFlagsOffset` records where the memory import's limits
// flag byte sits, so the loader can flip shared (0x03) to unshared (0x01) where SharedArrayBuffer is
// unavailable (browsers without cross-origin isolation).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const asmDir = join(root, 'src/tensor/kernels/wasm/assembly');
const outFile = join(root, 'src/tensor/kernels/wasm/binary.generated.ts');
const force = process.argv.includes('--force');

const common = [
  join(asmDir, 'index.ts'),
  '-O3', '--runtime', 'stub', '--noAssert', '--use', 'abort=',
  '--enable', 'simd', '--enable', 'threads',
  '--importMemory', '--sharedMemory', '--initialMemory', '1', '--maximumMemory', '65536',
];
const variants = { simd: [], relaxed: ['--enable', 'relaxed-simd'] };

// ---- worker: compile one variant and hand the bytes back ------------------------------------
if (!isMainThread) {
  const { default: asc } = await import('assemblyscript/asc');
  const { name, extra } = workerData;
  const outputs = {};
  const stderr = [];
  const { error } = await asc.main([...common, ...extra, '-o', `${name}.wasm`], {
    stdout: { write: () => true },
    stderr: { write: (s) => { stderr.push(String(s)); return true; } },
    writeFile: (file, contents) => { outputs[file] = contents; },
  });
  const binary = outputs[`${name}.wasm`];
  parentPort.postMessage(error || !(binary instanceof Uint8Array)
    ? { error: `${error ? error.message : 'no binary'}\n${stderr.join('')}` }
    : { binary });
  process.exit(0);
}

// ---- skip when nothing changed --------------------------------------------------------------
const ascPackage = JSON.parse(readFileSync(join(root, 'node_modules/assemblyscript/package.json'), 'utf8'));
const hash = createHash('sha256');
hash.update(`asc ${ascPackage.version}\n${JSON.stringify(common.slice(1))}\n${JSON.stringify(variants)}\n`);
hash.update(readFileSync(fileURLToPath(import.meta.url)));
for (const f of readdirSync(asmDir).filter((n) => n.endsWith('.ts')).sort()) {
  hash.update(`${f}\n`);
  hash.update(readFileSync(join(asmDir, f)));
}
const sourceHash = hash.digest('hex').slice(0, 16);
if (!force && existsSync(outFile) && readFileSync(outFile, 'utf8').includes(`sourceHash = '${sourceHash}'`)) {
  console.log(`build-wasm: up to date (${sourceHash})`);
  process.exit(0);
}

// ---- compile (the two variants in parallel, one worker thread each) ---------------------------
function compile(name, extra) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { name, extra } });
    worker.once('message', (m) => {
      if (m.error) reject(new Error(`build-wasm: compiling the ${name} variant failed: ${m.error}`));
      else resolve(m.binary);
    });
    worker.once('error', reject);
  });
}

function readLeb(bytes, pos) {
  let result = 0, shift = 0, b;
  do {
    b = bytes[pos++];
    result |= (b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  return [result >>> 0, pos];
}

/** Byte offset of the limits flag of the (only) memory import. */
function memoryFlagsOffset(bytes) {
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos++];
    let size;
    [size, pos] = readLeb(bytes, pos);
    const end = pos + size;
    if (id === 2) {
      let count;
      [count, pos] = readLeb(bytes, pos);
      for (let i = 0; i < count; i++) {
        for (let s = 0; s < 2; s++) {
          let len;
          [len, pos] = readLeb(bytes, pos);
          pos += len;
        }
        const kind = bytes[pos++];
        if (kind === 2) {
          if (bytes[pos] !== 0x03) throw new Error(`build-wasm: memory import flags ${bytes[pos]}, expected 0x03 (shared, max)`);
          return pos;
        }
        throw new Error(`build-wasm: unexpected import of kind ${kind}; the kernels should import only env.memory`);
      }
    }
    pos = end;
  }
  throw new Error('build-wasm: no memory import found');
}

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
const started = Date.now();
const out = {};
const binaries = await Promise.all(Object.entries(variants).map(([name, extra]) => compile(name, extra)));
for (const [i, name] of Object.keys(variants).entries()) {
  const bin = binaries[i];
  const flags = memoryFlagsOffset(bin);
  const unshared = bin.slice();
  unshared[flags] = 0x01;
  for (const b of [bin, unshared]) {
    if (!WebAssembly.validate(b)) throw new Error(`build-wasm: the ${name} module does not validate`);
  }
  out[name] = { base64: Buffer.from(bin).toString('base64'), flags, bytes: bin.length };
}

const text = `// GENERATED by scripts/build-wasm.mjs from src/tensor/kernels/wasm/assembly/ — do not edit.
// wasm/binary.generated — the compiled kernel modules, base64-encoded (not committed; \`npm run build:wasm\`).

/** Hash of the AssemblyScript sources, compiler version and flags these binaries came from. */
export const sourceHash = '${sourceHash}';

/** A compiled module: its bytes in base64 and where its memory import's limits flag byte is. */
export interface WasmBinary {
  /** The module, base64. */
  readonly base64: string;
  /** Offset of the memory import's limits flags (0x03 shared+max; set 0x01 for unshared). */
  readonly memoryFlagsOffset: number;
}

/** SIMD128 only (mul + add). */
export const simdBinary: WasmBinary = { base64: '${out.simd.base64}', memoryFlagsOffset: ${out.simd.flags} };

/** SIMD128 + relaxed SIMD (f32x4.relaxed_madd). */
export const relaxedBinary: WasmBinary = { base64: '${out.relaxed.base64}', memoryFlagsOffset: ${out.relaxed.flags} };
`;
writeFileSync(outFile, text);
console.log(`build-wasm: simd ${out.simd.bytes} B, relaxed ${out.relaxed.bytes} B in ${Date.now() - started} ms (${sourceHash})`);
