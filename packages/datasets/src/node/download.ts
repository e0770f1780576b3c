/**
 * Downloading a built-in dataset into the cache. Each file streams into a temporary file next to its
 * destination while its sha256 is computed; only when the hash matches the pinned one is the file
 * renamed into place (an atomic step on one file system), so the cache never holds a partial or corrupt
 * file. A mismatch deletes the temporary file and reports both hashes.
 *
 * Every file's size is pinned too: a server announcing a larger Content-Length, or streaming more bytes
 * than pinned (an endless body), is cut off at once with a TOO_LARGE error, so a hostile mirror cannot
 * fill the disk. Temporary `.part` files are deleted on every failure, on process exit (Ctrl-C), and,
 * when a process was killed outright, by the next download into the same folder.
 */
import { createHash } from 'node:crypto';
import { createReadStream, unlinkSync } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DatasetError } from '../errors.js';
import { type DownloadProgress, type FetchOptions, checksumMismatch, fetchInto } from '../http.js';
import { mapLimit, progressTracker } from '../load.js';
import { datasetInfo } from '../registry.js';
import type { DatasetFile } from '../types.js';
import { defaultCacheDir } from './locate.js';

/** Options for {@link downloadDataset}. */
export interface DownloadOptions extends FetchOptions {
  /** Where to store the files. Default {@link defaultCacheDir}. */
  cacheDir?: string;
  /**
   * A base URL that replaces the pinned download host: files are fetched from `<mirror>/<path>`, with
   * the same paths as in a data folder (names.txt, state_of_the_union/Adams_1797.txt, ...), so any static
   * server over a copy of a data folder is a mirror. Default: env MAKEMORE_MIRROR, else the pinned URLs.
   */
  mirror?: string;
  /** Called after every chunk with bytes so far, the dataset total and the rate. */
  onProgress?: (progress: DownloadProgress) => void;
  /** Download even files already in the cache with the right hash. Default false. */
  force?: boolean;
  /** Files fetched at the same time. Default 4. */
  concurrency?: number;
  /** Environment to read MAKEMORE_MIRROR / XDG_CACHE_HOME from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** What {@link downloadDataset} did. */
export interface DownloadResult {
  name: string;
  /** The cache folder the files are in. */
  dir: string;
  /** Files fetched over the network now. */
  downloaded: string[];
  /** Files already in the cache with the right hash. */
  cached: string[];
  /** Bytes fetched. */
  bytes: number;
}

/** The sha256 of a file on disk, as lowercase hex. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The URL a file is fetched from, honouring a mirror. */
export function fileUrl(file: DatasetFile, mirror: string | undefined): string {
  return mirror ? `${mirror.replace(/\/+$/, '')}/${file.path}` : file.url;
}

let tmpCounter = 0;

/** `.part` files being written by this process, removed by an exit handler if the process stops early. */
const livePartFiles = new Set<string>();
let exitHandlerInstalled = false;
function trackPartFile(path: string): void {
  if (!exitHandlerInstalled) {
    exitHandlerInstalled = true;
    process.once('exit', () => {
      for (const part of livePartFiles) {
        try {
          unlinkSync(part);
        } catch {
          // Already renamed or removed.
        }
      }
    });
  }
  livePartFiles.add(path);
}

/** A temporary file's name: `<dest>.<pid>.<time>.<n>.part`, so a later process can tell whose it is. */
const PART_FILE = /\.(\d+)\.\d+\.\d+\.part$/;

function processRuns(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Removes the `.part` files of processes that no longer run from `dir` and its subfolders (one level:
 * the cache's layout). Returns the paths removed.
 */
export async function cleanStalePartFiles(dir: string): Promise<string[]> {
  const removed: string[] = [];
  const visit = async (folder: string, depth: number) => {
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory() && depth > 0) await visit(path, depth - 1);
      const match = PART_FILE.exec(entry.name);
      if (entry.isFile() && match && !processRuns(Number(match[1]))) {
        await rm(path, { force: true });
        removed.push(path);
      }
    }
  };
  await visit(dir, 1);
  return removed;
}

/** The error for a body larger than the pinned size. */
function tooLarge(file: DatasetFile, url: string, bytes: number, announced: boolean): DatasetError {
  return new DatasetError(
    'TOO_LARGE',
    `GET ${url} ${announced ? 'announces' : 'sent more than'} ${bytes} bytes, but ${file.path} is pinned at ${file.bytes}; ` +
      'stopped and deleted the partial file. The server (or MAKEMORE_MIRROR) does not serve the pinned file.',
  );
}

async function downloadFile(
  file: DatasetFile,
  dir: string,
  url: string,
  options: DownloadOptions,
  progress: ReturnType<typeof progressTracker>,
): Promise<number> {
  const dest = join(dir, file.path);
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.${Date.now()}.${tmpCounter++}.part`;
  let handle: FileHandle | undefined;
  let hash = createHash('sha256');
  let got = 0;
  try {
    trackPartFile(tmp);
    handle = await open(tmp, 'w');
    const fh = handle;
    await fetchInto(
      url,
      {
        async start(length) {
          if (length !== undefined && length > file.bytes) throw tooLarge(file, url, length, true);
          progress.undo(got);
          got = 0;
          hash = createHash('sha256');
          await fh.truncate(0);
        },
        async write(chunk) {
          if (got + chunk.length > file.bytes) throw tooLarge(file, url, got + chunk.length, false);
          hash.update(chunk);
          await fh.write(chunk, 0, chunk.length, got);
          got += chunk.length;
          progress.add(file, chunk.length, got);
        },
      },
      options,
    );
    await fh.sync();
    await fh.close();
    handle = undefined;
    const actual = hash.digest('hex');
    if (actual !== file.sha256) throw checksumMismatch(file.path, file.sha256, actual, url);
    await rename(tmp, dest);
    return got;
  } finally {
    await handle?.close().catch(() => {});
    await rm(tmp, { force: true });
    livePartFiles.delete(tmp);
  }
}

/**
 * Downloads a built-in dataset into the cache, skipping files that are already there with the right
 * hash. Retries, timeouts and the checksum rule are as described in this file's header.
 */
export async function downloadDataset(name: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const info = datasetInfo(name);
  const env = options.env ?? process.env;
  const dir = options.cacheDir ? resolve(options.cacheDir) : defaultCacheDir(env);
  const mirror = options.mirror ?? (env.MAKEMORE_MIRROR || undefined);
  const todo: DatasetFile[] = [];
  const cached: string[] = [];
  for (const file of info.files) {
    const dest = join(dir, file.path);
    const present = !options.force && (await stat(dest).catch(() => null))?.isFile();
    if (present && (await sha256File(dest)) === file.sha256) cached.push(file.path);
    else todo.push(file);
  }
  if (todo.length > 0) await cleanStalePartFiles(dir);
  const progress = progressTracker(todo, options.onProgress);
  const sizes = await mapLimit(todo, options.concurrency ?? 4, (file) =>
    downloadFile(file, dir, fileUrl(file, mirror), options, progress),
  );
  return { name, dir, downloaded: todo.map((f) => f.path), cached, bytes: sizes.reduce((a, b) => a + b, 0) };
}

/** The message that tells a user without internet access exactly how to provide a dataset. */
export function offlineHelp(name: string, cacheDir: string, reason: string): string {
  const info = datasetInfo(name);
  const paths = info.files.map((f) => f.path);
  const fileList =
    paths.length === 1
      ? paths[0]
      : `the ${paths.length} files ${paths[0]?.split('/')[0]}/<President>_<Year>.txt (${paths[0]} ... ${paths[paths.length - 1]}; datasetFiles('${name}') lists them all)`;
  return [
    `Dataset "${name}" is not on this machine and could not be downloaded: ${reason}`,
    'Provide it in one of these ways:',
    `  1. On a machine with internet access run \`makemore datasets download ${name}\`, then copy that machine's cache folder (~/.cache/makemore by default) to ${cacheDir} here.`,
    `  2. Point MAKEMORE_DATA_DIR at a folder that holds ${fileList} (sha256 ${info.files.length === 1 ? info.files[0]?.sha256 : 'per file as pinned'}).`,
    '  3. Set MAKEMORE_MIRROR to a web server that serves those files under the same names.',
  ].join('\n');
}

/** Wraps a network failure into the OFFLINE error with {@link offlineHelp}. */
export function offlineError(name: string, cacheDir: string, cause: unknown): DatasetError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new DatasetError('OFFLINE', offlineHelp(name, cacheDir, reason), { cause });
}
