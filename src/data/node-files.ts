/**
 * data/node-files — reading data files from disk under Node: raw or gzipped bytes, text, IDX
 * files, and finding the four standard IDX files in a folder. Node modules are imported only
 * dynamically, inside these async functions, so the library still bundles for the browser (where
 * calling these rejects with a clear error instead).
 */
import { DataError, UnsupportedError } from '../util/errors.js';
import { parseIdx, type IdxArray } from './idx.js';

interface NodeError {
  code?: string;
  message?: string;
}

function errorCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null ? (e as NodeError).code : undefined;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function nodeImport<T>(load: () => Promise<T>, what: string): Promise<T> {
  try {
    return await load();
  } catch {
    throw new UnsupportedError(`${what} needs Node.js file access; in the browser, fetch the bytes yourself and use parseIdx / parseCsv`);
  }
}

/** `node:path`, loaded on first use. */
export async function nodePath(): Promise<typeof import('node:path')> {
  return nodeImport(() => import('node:path'), 'reading data files');
}

/** True when `bytes` start with the gzip magic bytes 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Largest decompressed size accepted (guards against gzip bombs): 2 GiB. */
const MAX_GUNZIP = 2 ** 31 - 1;

/**
 * Decompress `bytes` when they are gzip (by magic bytes, not by file name); return them as they
 * are otherwise.
 * @throws DataError naming `what` for corrupt or truncated gzip data.
 */
export async function gunzipIfNeeded(bytes: Uint8Array, what: string): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  const zlib = await nodeImport(() => import('node:zlib'), 'gunzip');
  const out = await new Promise<Uint8Array>((resolve, reject) => {
    zlib.gunzip(bytes, { maxOutputLength: MAX_GUNZIP }, (err, result) => {
      if (err) reject(new DataError(`${what}: corrupt gzip data (${errorText(err)}); download the file again`));
      else resolve(new Uint8Array(result.buffer, result.byteOffset, result.byteLength));
    });
  });
  return out;
}

/**
 * Read a whole file as bytes.
 * @throws DataError naming the file and its folder when it is missing, unreadable or a folder.
 */
export async function readBytes(file: string): Promise<Uint8Array> {
  const fs = await nodeImport(() => import('node:fs/promises'), 'reading data files');
  const path = await nodePath();
  try {
    const buf = await fs.readFile(file);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    const code = errorCode(e);
    const dir = path.dirname(path.resolve(file));
    if (code === 'ENOENT') throw new DataError(`file not found: ${path.basename(file)} in folder ${dir}`);
    if (code === 'EISDIR') throw new DataError(`${file} is a folder, expected a file`);
    if (code === 'EACCES' || code === 'EPERM') throw new DataError(`${file}: permission denied`);
    throw new DataError(`${file}: cannot read (${errorText(e)})`);
  }
}

/** Read a file, gunzipping it when its bytes are gzip. */
export async function readMaybeGzip(file: string): Promise<Uint8Array> {
  return gunzipIfNeeded(await readBytes(file), file);
}

/** Read a (possibly gzipped) UTF-8 text file. */
export async function readText(file: string): Promise<string> {
  const bytes = await readMaybeGzip(file);
  return new TextDecoder('utf-8').decode(bytes);
}

/** Read and parse a (possibly gzipped) IDX file; see `parseIdx`. */
export async function readIdx(file: string, expectedRank?: number): Promise<IdxArray> {
  return parseIdx(await readMaybeGzip(file), file, expectedRank);
}

/** What a path is on disk. */
export async function pathKind(p: string): Promise<'file' | 'folder' | 'missing'> {
  const fs = await nodeImport(() => import('node:fs/promises'), 'reading data files');
  try {
    const st = await fs.stat(p);
    return st.isDirectory() ? 'folder' : 'file';
  } catch {
    return 'missing';
  }
}

/** The four files of a standard IDX data set. */
export interface IdxFiles {
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
}

const ROLES: { key: keyof IdxFiles; part: RegExp; standard: string }[] = [
  { key: 'trainImages', part: /train[-_.]images[-_.]idx3[-_.]ubyte/, standard: 'train-images-idx3-ubyte' },
  { key: 'trainLabels', part: /train[-_.]labels[-_.]idx1[-_.]ubyte/, standard: 'train-labels-idx1-ubyte' },
  { key: 'testImages', part: /(t10k|test)[-_.]images[-_.]idx3[-_.]ubyte/, standard: 't10k-images-idx3-ubyte' },
  { key: 'testLabels', part: /(t10k|test)[-_.]labels[-_.]idx1[-_.]ubyte/, standard: 't10k-labels-idx1-ubyte' },
];

/**
 * Find the four IDX files in a folder: `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
 * `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each raw or `.gz`; also the
 * `train-images.idx3-ubyte` spelling, `test` for `t10k`, and a prefix such as `emnist-digits-`.
 * Raw files are preferred to gz when both are there.
 * @throws DataError when the folder is missing, or naming every file that is missing or ambiguous.
 */
export async function findIdxFiles(dir: string, missingHint = ''): Promise<IdxFiles> {
  const fs = await nodeImport(() => import('node:fs/promises'), 'reading data files');
  const path = await nodePath();
  let names: string[];
  try {
    names = (await fs.readdir(dir)).sort();
  } catch (e) {
    const code = errorCode(e);
    if (code === 'ENOENT') throw new DataError(`folder not found: ${dir}${missingHint}`);
    if (code === 'ENOTDIR') throw new DataError(`${dir} is a file, expected a folder holding the four IDX files`);
    throw new DataError(`${dir}: cannot list the folder (${errorText(e)})`);
  }
  const problems: string[] = [];
  const found: Partial<IdxFiles> = {};
  for (const role of ROLES) {
    const re = new RegExp(`^(.*[-_.])?${role.part.source}(\\.gz)?$`, 'i');
    const matches = names.filter((n) => re.test(n));
    const raw = matches.filter((n) => !/\.gz$/i.test(n));
    const exact = matches.filter((n) => n.toLowerCase().replace(/\.gz$/, '') === role.standard);
    const pick = exact.length > 0 ? exact.filter((n) => !/\.gz$/i.test(n))[0] ?? exact[0] : raw.length === 1 ? raw[0] : matches.length === 1 ? matches[0] : undefined;
    if (pick !== undefined) found[role.key] = path.join(dir, pick);
    else if (matches.length === 0) problems.push(`missing ${role.standard} (or ${role.standard}.gz)`);
    else problems.push(`several files could be ${role.standard}: ${matches.join(', ')}`);
  }
  if (problems.length > 0) {
    const listing = names.length === 0 ? 'the folder is empty' : `it holds: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''}`;
    throw new DataError(
      `${dir}: not a folder of IDX files: ${problems.join('; ')} (${listing})${missingHint}`,
      problems.map((p) => `${dir}: ${p}`),
    );
  }
  return found as IdxFiles;
}

/**
 * The folder of an installed npm package (resolved from this module), or undefined when it is not
 * installed.
 */
export async function packageFolder(pkg: string): Promise<string | undefined> {
  const { createRequire } = await nodeImport(() => import('node:module'), 'locating installed packages');
  const path = await nodePath();
  try {
    return path.dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
  } catch {
    return undefined;
  }
}
