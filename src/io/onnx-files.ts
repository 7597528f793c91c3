/**
 * io/onnx-files — ONNX files on disk under Node: `saveOnnx` writes atomically (temporary file in
 * the same folder, fsync, rename), `loadOnnx` reads with a size check first and names the file in
 * every error. Node modules are imported dynamically inside these async functions, so the library
 * still bundles for the browser (where exportOnnx / importOnnx work on bytes).
 */
import type { Sequential } from '../nn/model.js';
import { ModelFileError, UnsupportedError } from '../util/errors.js';
import { exportOnnx, type OnnxExportOptions } from './onnx.js';
import { importOnnx, MAX_ONNX_BYTES, type ImportedOnnx, type OnnxImportOptions } from './onnx-import.js';

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');

async function node(): Promise<{ fs: Fs; path: Path; pid: number }> {
  try {
    const [fs, path, proc] = await Promise.all([import('node:fs/promises'), import('node:path'), import('node:process')]);
    return { fs, path, pid: proc.pid };
  } catch {
    throw new UnsupportedError('reading and writing ONNX files needs Node.js; in the browser use exportOnnx / importOnnx on bytes');
  }
}

function reason(e: unknown): string {
  const code = typeof e === 'object' && e !== null ? (e as { code?: string }).code : undefined;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a folder';
  if (code === 'ENOTDIR') return 'a part of the path is not a folder';
  if (code === 'ENOSPC') return 'no space left on the device';
  return e instanceof Error ? e.message : String(e);
}

let tempCounter = 0;

/**
 * Write `bytes` to `file` atomically: a temporary file beside it, flushed (fsync), renamed over
 * `file`, and the folder synced, so a crash leaves the old file or the new one, never half of one.
 * @throws ModelFileError naming the file when it cannot be written (the temporary file is removed).
 */
export async function writeBytesAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const { fs, path, pid } = await node();
  const dir = path.dirname(path.resolve(file));
  const temp = path.join(dir, `.glassbox-tmp-${path.basename(file)}-${pid}-${tempCounter++}`);
  try {
    await fs.mkdir(dir, { recursive: true });
    const handle = await fs.open(temp, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
  } catch (e) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw new ModelFileError(`cannot write ${file}: ${reason(e)}`);
  }
  try {
    const d = await fs.open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // Some platforms cannot fsync a folder; the rename itself is still atomic.
  }
}

/**
 * Export `model` to an ONNX file (see `exportOnnx`), written atomically.
 * @throws ModelFileError when a parameter is not finite or the file cannot be written.
 */
export async function saveOnnx(file: string, model: Sequential, options: OnnxExportOptions = {}): Promise<void> {
  await writeBytesAtomic(file, await exportOnnx(model, options));
}

/**
 * Read an ONNX file into a glassbox model (see `importOnnx`).
 * @throws ModelFileError naming the file: missing, unreadable, larger than 2 GiB, or not an
 *   importable dense network (every problem listed).
 */
export async function loadOnnx(file: string, options: Omit<OnnxImportOptions, 'what'> = {}): Promise<ImportedOnnx> {
  const { fs } = await node();
  let bytes: Uint8Array;
  try {
    const info = await fs.stat(file);
    if (info.isDirectory()) throw Object.assign(new Error('it is a folder'), { code: 'EISDIR' });
    if (info.size > MAX_ONNX_BYTES) throw new ModelFileError(`ONNX file ${file}: ${info.size} bytes; ONNX files are at most ${MAX_ONNX_BYTES} bytes`);
    bytes = new Uint8Array(await fs.readFile(file));
  } catch (e) {
    if (e instanceof ModelFileError) throw e;
    throw new ModelFileError(`cannot read ONNX file ${file}: ${reason(e)}`);
  }
  return importOnnx(bytes, { ...options, what: `ONNX file ${file}` });
}
