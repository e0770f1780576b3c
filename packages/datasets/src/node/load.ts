/**
 * `loadDataset` for Node: a built-in dataset by name (explicit `dataDir`, then MAKEMORE_DATA_DIR,
 * then the user cache, then a verified download), or custom data by path (a text file, or a folder of
 * .txt files as a documents dataset).
 *
 * Every file is checked before it is read: only regular files (a device such as /dev/zero or a pipe
 * would be read forever), and at most `maxBytes` (default {@link MAX_TEXT_BYTES}), so an oversized text
 * fails at once with its size instead of after minutes of reading and an out-of-memory crash.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { customInfo, documentsDataset, inferKind, textDataset, wordsDataset } from '../build.js';
import { decodeText } from '../decode.js';
import { DatasetError, isDatasetError } from '../errors.js';
import { type DownloadProgress, type FetchOptions, checksumMismatch } from '../http.js';
import { datasetFromFiles } from '../load.js';
import { datasetInfo, isBuiltinDataset, unknownDataset } from '../registry.js';
import type { Dataset, DatasetFile, DatasetKind } from '../types.js';
import { downloadDataset, offlineError } from './download.js';
import { defaultCacheDir, hasAllFiles, searchDirs } from './locate.js';

/** Options for the Node {@link loadDataset}. */
export interface LoadOptions extends FetchOptions {
  /** A data folder to read built-in datasets from; when given, nothing else is searched. */
  dataDir?: string;
  /** The cache folder. Default `$XDG_CACHE_HOME/makemore` or `~/.cache/makemore`. */
  cacheDir?: string;
  /** Download base URL replacing the pinned host (see `downloadDataset`). Default env MAKEMORE_MIRROR. */
  mirror?: string;
  /** Download a built-in dataset that is not on disk. Default true. */
  download?: boolean;
  onProgress?: (progress: DownloadProgress) => void;
  /** Check built-in files against their pinned sha256. Default true. */
  verify?: boolean;
  /** For a custom file: `words` (one per line) or `text`. Default: guessed with `inferKind`. */
  kind?: Exclude<DatasetKind, 'documents'>;
  /** Name for a custom dataset. Default: the file or folder name without `.txt`. */
  name?: string;
  /** Environment to read MAKEMORE_DATA_DIR, MAKEMORE_MIRROR, XDG_CACHE_HOME from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The largest file read, in bytes. Default {@link MAX_TEXT_BYTES}. */
  maxBytes?: number;
  /** Called with each file's path and size before it is read. */
  onFile?: (file: { path: string; bytes: number }) => void;
}

/**
 * The default largest text file: 256 MiB. A JS engine holds strings of at most about 2^29 UTF-16 units
 * (V8: 536,870,888), and training keeps the text, its token ids (4 bytes per token) and the splits, so a
 * larger file cannot be trained on in one process.
 */
export const MAX_TEXT_BYTES = 256 * 1024 * 1024;

/** The read limits of {@link LoadOptions}. */
type ReadLimits = Pick<LoadOptions, 'maxBytes' | 'onFile'>;

/** Expands a leading `~` to the home folder, as a shell would. */
const expandHome = (p: string) => (p === '~' || p.startsWith('~/') ? join(homedir(), p.slice(1)) : p);

/** Reads a regular file of at most `limits.maxBytes` bytes, checked on the open handle before reading. */
async function readTextFile(path: string, limits: ReadLimits = {}): Promise<{ text: string; bytes: Buffer }> {
  const maxBytes = limits.maxBytes ?? MAX_TEXT_BYTES;
  const notAFile = () =>
    new DatasetError(
      'NOT_A_FILE',
      `${path} is not a regular file (a device, pipe or socket would be read without end); pass a text file or a folder of .txt files`,
    );
  // stat before open: opening a named pipe would wait for a writer.
  if (!(await stat(path)).isFile()) throw notAFile();
  const handle = await open(path, 'r');
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw notAFile();
    if (st.size > maxBytes) {
      throw new DatasetError(
        'TOO_LARGE',
        `${path} is ${st.size} bytes, more than the ${maxBytes} a training run can hold as text; use a smaller file or split it into a folder of .txt files`,
      );
    }
    limits.onFile?.({ path, bytes: st.size });
    // Read what stat reported (plus one byte, to notice a file that grew meanwhile), never more.
    const buffer = Buffer.alloc(st.size + 1);
    let got = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, got, buffer.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
      if (got === buffer.length) {
        throw new DatasetError('TOO_LARGE', `${path} grew while it was read (stat said ${st.size} bytes)`);
      }
    }
    const bytes = buffer.subarray(0, got);
    return { text: decodeText(bytes, path), bytes };
  } finally {
    await handle.close();
  }
}

async function readBuiltin(
  name: string,
  dir: string,
  verify: boolean,
  limits: ReadLimits = {},
): Promise<Dataset> {
  const info = datasetInfo(name);
  const texts: string[] = [];
  for (const file of info.files) {
    const path = join(dir, file.path);
    const { text, bytes } = await readTextFile(path, limits);
    if (verify) {
      const actual = createHash('sha256').update(bytes).digest('hex');
      if (actual !== file.sha256) {
        const err = checksumMismatch(file.path, file.sha256, actual, path);
        err.message += ' Replace the file with the pinned version, or pass verify: false to use it anyway.';
        throw err;
      }
    }
    texts.push(text);
  }
  return datasetFromFiles(info, texts, verify);
}

const looksLikePath = (s: string) => /[/\\]|\.txt$|^\.\.?$|^~/.test(s);

/** A custom dataset from a file or a folder of `.txt` files. */
export async function loadPath(
  path: string,
  options: Pick<LoadOptions, 'kind' | 'name' | 'maxBytes' | 'onFile'> = {},
): Promise<Dataset> {
  const full = resolve(expandHome(path));
  const st = await stat(full).catch(() => null);
  if (!st) throw new DatasetError('NOT_FOUND', `No such file or folder: ${full}`);
  const name = options.name ?? basename(full).replace(/\.txt$/, '');
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  if (st.isDirectory()) {
    const entries = (await readdir(full)).filter((f) => f.endsWith('.txt')).sort();
    if (entries.length === 0) {
      throw new DatasetError(
        'EMPTY',
        `Folder ${full} has no .txt files; a documents dataset reads one document per .txt file.`,
      );
    }
    const files: DatasetFile[] = [];
    const docs: Array<{ id: string; text: string }> = [];
    for (const entry of entries) {
      const { text, bytes } = await readTextFile(join(full, entry), options);
      files.push({ path: entry, url: '', bytes: bytes.length, sha256: sha(bytes) });
      docs.push({ id: entry.replace(/\.txt$/, ''), text });
    }
    const info = {
      ...customInfo(name, 'documents', '', full),
      files,
      bytes: files.reduce((s, f) => s + f.bytes, 0),
    };
    const ds = documentsDataset(docs, info);
    ds.info.sha256 = createHash('sha256').update(ds.text).digest('hex');
    return ds;
  }
  const { text, bytes } = await readTextFile(full, options);
  const kind = options.kind ?? inferKind(text);
  const info = {
    ...customInfo(name, kind, '', full),
    files: [{ path: basename(full), url: '', bytes: bytes.length, sha256: sha(bytes) }],
    bytes: bytes.length,
    sha256: sha(bytes),
  };
  return kind === 'words' ? wordsDataset(text, info) : textDataset(text, info);
}

/**
 * Loads a built-in dataset by name, or custom data by path.
 *
 * Built-in names are looked up in order: `dataDir` (only it, when given), MAKEMORE_DATA_DIR, the cache,
 * then a download into the cache (unless `download: false`). Every file is checked against its pinned
 * sha256. Without network access the error says how to provide the files.
 */
export async function loadDataset(nameOrPath: string, options: LoadOptions = {}): Promise<Dataset> {
  if (typeof nameOrPath !== 'string' || nameOrPath === '') {
    throw new DatasetError('BAD_ARGUMENT', 'loadDataset needs a dataset name or a path');
  }
  if (!isBuiltinDataset(nameOrPath)) {
    if (looksLikePath(nameOrPath) || existsSync(nameOrPath)) return loadPath(nameOrPath, options);
    throw unknownDataset(nameOrPath);
  }
  const name = nameOrPath;
  const verify = options.verify !== false;
  const env = options.env ?? process.env;
  const cacheDir = options.cacheDir ? resolve(options.cacheDir) : defaultCacheDir(env);
  for (const d of searchDirs({ ...options, env })) {
    if (!hasAllFiles(d.dir, name)) continue;
    try {
      return await readBuiltin(name, d.dir, verify, options);
    } catch (err) {
      // A bad file in the cache is ours to replace; one in a folder the user chose is reported.
      const repairable = d.source === 'cache' && options.download !== false && isDatasetError(err);
      if (!(repairable && err.code === 'CHECKSUM_MISMATCH')) throw err;
    }
  }
  if (options.dataDir) {
    const missing = datasetInfo(name).files.filter(
      (f) => !existsSync(join(resolve(options.dataDir as string), f.path)),
    );
    throw new DatasetError(
      'NOT_FOUND',
      `dataDir ${resolve(options.dataDir)} lacks ${missing.length} file(s) of "${name}", e.g. ${missing[0]?.path}. ` +
        'Put the files there under these names, or leave dataDir out to use MAKEMORE_DATA_DIR, the cache or a download.',
    );
  }
  if (options.download === false) {
    throw offlineError(name, cacheDir, 'it is not in MAKEMORE_DATA_DIR or the cache, and download is off');
  }
  try {
    await downloadDataset(name, { ...options, cacheDir, env });
  } catch (err) {
    if (
      err instanceof DatasetError &&
      (err.code === 'NETWORK' || err.code === 'TIMEOUT' || err.code === 'OFFLINE')
    ) {
      throw offlineError(name, cacheDir, err);
    }
    throw err;
  }
  return readBuiltin(name, cacheDir, verify, options);
}
