/**
 * Loading a built-in dataset from a web server, for browsers: every file is fetched from
 * `<baseUrl>/<path>` (the same names as in a MAKEMORE_DATA_DIR folder, see `datasetFiles`) and its
 * sha256 is checked with Web Crypto before the dataset is built.
 */
import { checkExpected, documentsDataset, textDataset, wordsDataset } from './build.js';
import { decodeText } from './decode.js';
import { DatasetError } from './errors.js';
import { type DownloadProgress, type FetchOptions, checksumMismatch, fetchInto, toHex } from './http.js';
import { datasetInfo } from './registry.js';
import type { Dataset, DatasetFile, DatasetInfo } from './types.js';

/** Options for the browser {@link loadDataset}. */
export interface BrowserLoadOptions extends FetchOptions {
  /** Where the files are served, e.g. `/data` or `https://example.com/makemore`. */
  baseUrl: string;
  /** Check each file's sha256 (needs Web Crypto, i.e. a secure context). Default true. */
  verify?: boolean;
  /** Called after every chunk. */
  onProgress?: (progress: DownloadProgress) => void;
  /** Files fetched at the same time (sotu has 227). Default 6. */
  concurrency?: number;
}

/** The sha256 of some bytes, as lowercase hex, through Web Crypto. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) {
    throw new DatasetError(
      'BAD_ARGUMENT',
      'Web Crypto (crypto.subtle) is unavailable, so sha256 cannot be checked; serve the page over https or localhost, or pass verify: false',
    );
  }
  return toHex(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping the results in order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i] as T, i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/**
 * Builds a dataset of the info's kind from its files' texts (in `info.files` order); with `check`, also
 * checks the known line, distinct-word and character counts.
 */
export function datasetFromFiles(info: DatasetInfo, texts: readonly string[], check = true): Dataset {
  let ds: Dataset;
  if (info.kind === 'documents') {
    ds = documentsDataset(
      info.files.map((f, i) => ({
        id: (f.path.split('/').pop() as string).replace(/\.txt$/, ''),
        text: texts[i] as string,
      })),
      info,
    );
  } else if (info.kind === 'words') ds = wordsDataset(texts[0] as string, info);
  else ds = textDataset(texts[0] as string, info);
  if (check) checkExpected(ds);
  return ds;
}

/** A progress tracker over a set of files. */
export function progressTracker(files: readonly DatasetFile[], onProgress?: (p: DownloadProgress) => void) {
  const total = files.reduce((s, f) => s + f.bytes, 0);
  const startedAt = Date.now();
  let bytes = 0;
  return {
    /** Accounts `n` new bytes of `file`, now `fileBytes` into it. */
    add(file: DatasetFile, n: number, fileBytes: number) {
      bytes += n;
      if (!onProgress) return;
      const seconds = Math.max((Date.now() - startedAt) / 1000, 1e-3);
      onProgress({ file: file.path, bytes, total, rate: bytes / seconds, fileBytes, fileTotal: file.bytes });
    },
    /** Takes back the bytes of a failed attempt so a retry does not count them twice. */
    undo(n: number) {
      bytes -= n;
    },
  };
}

/**
 * Loads a built-in dataset over HTTP (browser entry). Files come from `<baseUrl>/<path>` with
 * `path` as listed by `datasetFiles(name)`; each is checked against its pinned sha256.
 */
export async function loadDataset(name: string, options: BrowserLoadOptions): Promise<Dataset> {
  const info = datasetInfo(name);
  if (!options || typeof options.baseUrl !== 'string') {
    throw new DatasetError(
      'BAD_ARGUMENT',
      'loadDataset in the browser needs { baseUrl }, the URL the data files are served under',
    );
  }
  const base = options.baseUrl.replace(/\/+$/, '');
  const progress = progressTracker(info.files, options.onProgress);
  const texts = await mapLimit(info.files, options.concurrency ?? 6, async (file) => {
    const url = `${base}/${file.path}`;
    let chunks: Uint8Array[] = [];
    let got = 0;
    await fetchInto(
      url,
      {
        start() {
          progress.undo(got);
          chunks = [];
          got = 0;
        },
        write(chunk) {
          chunks.push(chunk);
          got += chunk.length;
          progress.add(file, chunk.length, got);
        },
      },
      options,
    );
    const bytes = new Uint8Array(got);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    if (options.verify !== false) {
      const actual = await sha256Hex(bytes);
      if (actual !== file.sha256) throw checksumMismatch(file.path, file.sha256, actual, url);
    }
    return decodeText(bytes, url);
  });
  return datasetFromFiles(info, texts, options.verify !== false);
}
