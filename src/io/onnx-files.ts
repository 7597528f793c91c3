/**
 * io/onnx-files — ONNX files on disk under Node: `saveOnnx` writes atomically (writeFileAtomic),
 * `loadOnnx` reads with a size check first and names the file in
 * every error. Node modules are imported dynamically inside these async functions, so the library
 * still bundles for the browser (where exportOnnx / importOnnx work on bytes).
 */
import type { Sequential } from '../nn/model.js';
import { ModelFileError } from '../util/errors.js';
import { node, reason, writeFileAtomic } from './node-files.js';
import { exportOnnx, type OnnxExportOptions } from './onnx.js';
import { importOnnx, MAX_ONNX_BYTES, type ImportedOnnx, type OnnxImportOptions } from './onnx-import.js';

/**
 * Export `model` to an ONNX file (see `exportOnnx`), written atomically.
 * @throws ModelFileError when a parameter is not finite or the file cannot be written.
 */
export async function saveOnnx(file: string, model: Sequential, options: OnnxExportOptions = {}): Promise<void> {
  await writeFileAtomic(file, await exportOnnx(model, options));
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
