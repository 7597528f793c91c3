/**
 * io/node-files — model and checkpoint files on disk under Node: atomic writes (temporary file in
 * the same folder, fsync, rename, fsync of the folder), loading with the file named in every
 * error, and the checkpoint folder (checkpoint-<step>.json, the newest two kept, falling back to
 * the previous one when the newest is torn). Node modules are imported dynamically inside these
 * async functions, so the library still bundles for the browser.
 */
import type { Sequential } from '../nn/model.js';
import { ModelFileError, UnsupportedError } from '../util/errors.js';
import { parseCheckpoint, serializeCheckpoint, type Checkpoint } from './checkpoint.js';
import { parseModel, serializeModel, type ModelMeta, type ParsedModel } from './model-file.js';

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');

/** Node's fs and path modules, loaded on demand (so the library still bundles for the browser). */
export async function node(): Promise<{ fs: Fs; path: Path; pid: number }> {
  try {
    const [fs, path, proc] = await Promise.all([import('node:fs/promises'), import('node:path'), import('node:process')]);
    return { fs, path, pid: proc.pid };
  } catch {
    throw new UnsupportedError('reading and writing files needs Node.js; in the browser use serializeModel / parseModel on text, exportOnnx / importOnnx on bytes');
  }
}

/** A short, readable reason for a file-system error. */
export function reason(e: unknown): string {
  const code = typeof e === 'object' && e !== null ? (e as { code?: string }).code : undefined;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a folder';
  if (code === 'ENOTDIR') return 'a part of the path is not a folder';
  if (code === 'ENOSPC') return 'no space left on the device';
  return e instanceof Error ? e.message : String(e);
}

let tempCounter = 0;

/** The prefix of the temporary files `writeFileAtomic` leaves only if the process dies mid-write. */
export const TEMP_PREFIX = '.glassbox-tmp-';

/**
 * Write `data` (text as UTF-8, or bytes) to `file` atomically: into a temporary file in the same
 * folder, flushed to disk (fsync), then renamed over `file`, and the folder synced, so a crash
 * leaves either the old file or the new one, never a half-written one. Creates the folder when it
 * does not exist.
 * @throws ModelFileError naming the file when it cannot be written (nothing is left behind).
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const { fs, path, pid } = await node();
  const dir = path.dirname(path.resolve(file));
  const temp = path.join(dir, `${TEMP_PREFIX}${path.basename(file)}-${pid}-${tempCounter++}`);
  try {
    await fs.mkdir(dir, { recursive: true });
    const handle = await fs.open(temp, 'w');
    try {
      await handle.writeFile(data);
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

async function readText(file: string, kind: string): Promise<string> {
  const { fs } = await node();
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new ModelFileError(`cannot read ${kind} ${file}: ${reason(e)}`);
  }
}

/**
 * Save a model file atomically (see `serializeModel` for the format).
 * @throws ModelFileError when the model has non-finite parameters or the file cannot be written.
 */
export async function saveModel(file: string, model: Sequential, meta: ModelMeta = {}): Promise<void> {
  await writeFileAtomic(file, serializeModel(model, meta));
}

/**
 * Load and validate a model file.
 * @throws ModelFileError naming the file and listing every problem.
 */
export async function loadModel(file: string): Promise<ParsedModel> {
  return parseModel(await readText(file, 'model file'), `model file ${file}`);
}

/** Load and validate one checkpoint file. */
export async function loadCheckpoint(file: string): Promise<Checkpoint> {
  return parseCheckpoint(await readText(file, 'checkpoint'), `checkpoint ${file}`);
}

const CHECKPOINT_NAME = /^checkpoint-(\d+)\.json$/;

/** The checkpoint files in `dir`, newest (highest step) first. Missing folder: none. */
export async function listCheckpoints(dir: string): Promise<{ file: string; step: number }[]> {
  const { fs, path } = await node();
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (e) {
    const code = typeof e === 'object' && e !== null ? (e as { code?: string }).code : undefined;
    if (code === 'ENOENT') return [];
    throw new ModelFileError(`cannot read checkpoint folder ${dir}: ${reason(e)}`);
  }
  return names
    .map((name) => ({ name, m: CHECKPOINT_NAME.exec(name) }))
    .filter((x) => x.m !== null)
    .map((x) => ({ file: path.join(dir, x.name), step: Number(x.m![1]) }))
    .sort((a, b) => b.step - a.step);
}

/**
 * Write `checkpoint-<step>.json` into `dir` atomically, then delete all but the newest `keep`
 * checkpoints (default 2) and any temporary files a killed process left behind.
 * @returns the path written.
 */
export async function saveCheckpoint(dir: string, checkpoint: Checkpoint, keep = 2): Promise<string> {
  if (!Number.isInteger(keep) || keep < 1) throw new ModelFileError(`saveCheckpoint: keep must be an integer ≥ 1, got ${keep}`);
  const { fs, path } = await node();
  const file = path.join(dir, `checkpoint-${checkpoint.state.step}.json`);
  await writeFileAtomic(file, serializeCheckpoint(checkpoint));
  const all = await listCheckpoints(dir);
  for (const old of all.slice(keep)) await fs.rm(old.file, { force: true });
  const ownTemp = new RegExp(`^${TEMP_PREFIX.replace(/\./g, '\\.')}checkpoint-\\d+\\.json-`);
  for (const name of await fs.readdir(dir)) {
    // Leftovers of a process killed mid-write (ours are already renamed or removed).
    if (ownTemp.test(name)) await fs.rm(path.join(dir, name), { force: true });
  }
  return file;
}

/** What `loadLatestCheckpoint` returns. */
export interface LatestCheckpoint {
  checkpoint: Checkpoint;
  /** The file it was read from. */
  file: string;
  /** Newer checkpoint files that were unreadable and skipped, each with why. */
  warnings: string[];
}

/**
 * The newest valid checkpoint in `dir`. When the newest file is torn or corrupt, falls back to the
 * previous one and says so in `warnings`.
 * @throws ModelFileError when the folder holds no checkpoint, or none of them is valid (listing why).
 */
export async function loadLatestCheckpoint(dir: string): Promise<LatestCheckpoint> {
  const files = await listCheckpoints(dir);
  if (files.length === 0) throw new ModelFileError(`no checkpoint (checkpoint-<step>.json) in ${dir}`);
  const warnings: string[] = [];
  for (const { file } of files) {
    try {
      return { checkpoint: await loadCheckpoint(file), file, warnings };
    } catch (e) {
      if (!(e instanceof ModelFileError)) throw e;
      warnings.push(`skipped ${file}: ${e.problems.join('; ')}`);
    }
  }
  throw new ModelFileError(`no valid checkpoint in ${dir}:\n${warnings.map((w) => `  - ${w}`).join('\n')}`, warnings);
}
