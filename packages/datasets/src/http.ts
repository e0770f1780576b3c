/**
 * Fetching one file over HTTP with an idle timeout and a bounded number of retries, streaming the
 * body to a sink chunk by chunk. Used by the browser loader (sink = memory) and the Node downloader
 * (sink = a temporary file). Only the global `fetch` is needed, so this runs in browsers and Node.
 */
import { DatasetError } from './errors.js';

/** Download progress, reported after every chunk. */
export interface DownloadProgress {
  /** The file being fetched, relative to the data folder. */
  file: string;
  /** Bytes received so far over the whole dataset. */
  bytes: number;
  /** Expected bytes of the whole dataset. */
  total: number;
  /** Bytes per second since the download started. */
  rate: number;
  /** Bytes of the current file received so far, and its size. */
  fileBytes: number;
  fileTotal: number;
}

/** Options shared by every loader that touches the network. */
export interface FetchOptions {
  /** Give up an attempt when no bytes arrive for this long. Default 30,000 ms. */
  timeoutMs?: number;
  /** How many times to retry after a timeout, a dropped connection or a 5xx. Default 2. */
  retries?: number;
  /** Wait before retry k is k·retryDelayMs. Default 500 ms. */
  retryDelayMs?: number;
  /** The fetch to use. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Cancels the download; the promise then rejects with code ABORTED and nothing is retried. */
  signal?: AbortSignal;
}

/** Receives the body; `start` is called at the beginning of each attempt, so a retry can begin afresh. */
export interface BodySink {
  start(contentLength: number | undefined): void | Promise<void>;
  write(chunk: Uint8Array): void | Promise<void>;
}

/** Timeouts, dropped connections and 5xx/408/429 responses may succeed on a second try. */
function retryable(err: unknown): boolean {
  if (!(err instanceof DatasetError)) return false;
  if (err.code === 'TIMEOUT' || err.code === 'NETWORK') return true;
  const s = err.status ?? 0;
  return err.code === 'HTTP_ERROR' && (s >= 500 || s === 408 || s === 429);
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Wraps errors thrown by the sink so they are told apart from network errors and not retried. */
class SinkError extends Error {
  constructor(override readonly cause: unknown) {
    super('sink failed');
  }
}

async function guard(fn: () => void | Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    throw new SinkError(err);
  }
}

/** One attempt: fetch `url` and stream its body into `sink`, aborting after `timeoutMs` of silence. */
async function attempt(
  url: string,
  sink: BodySink,
  timeoutMs: number,
  fetchImpl: typeof fetch,
  signal: AbortSignal | undefined,
): Promise<void> {
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  signal?.addEventListener('abort', onAbort);
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
  };
  arm();
  try {
    const res = await fetchImpl(url, { signal: controller.signal });
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new DatasetError(
        res.status === 404 ? 'NOT_FOUND' : 'HTTP_ERROR',
        `GET ${url} failed: HTTP ${res.status} ${res.statusText}`.trim(),
        { status: res.status },
      );
    }
    const header = res.headers.get('content-length');
    const length = header === null ? undefined : Number(header);
    await guard(() => sink.start(length));
    if (!res.body) throw new DatasetError('NETWORK', `GET ${url} returned no body`);
    const reader = res.body.getReader();
    let received = 0;
    for (;;) {
      arm();
      const { done, value } = await reader.read();
      if (done) break;
      received += value.length;
      await guard(() => sink.write(value));
    }
    if (length !== undefined && received !== length) {
      throw new DatasetError('NETWORK', `GET ${url}: connection closed after ${received} of ${length} bytes`);
    }
  } catch (err) {
    if (err instanceof SinkError) throw err.cause; // a local problem (disk full, ...): not retried
    if (signal?.aborted) throw new DatasetError('ABORTED', `GET ${url}: aborted`, { cause: err });
    if (timedOut) {
      throw new DatasetError('TIMEOUT', `GET ${url}: no data for ${timeoutMs} ms; timed out`, { cause: err });
    }
    if (err instanceof DatasetError) throw err;
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    const detail = err instanceof Error ? `${err.message}${cause}` : String(err);
    throw new DatasetError('NETWORK', `GET ${url} failed: ${detail}`, { cause: err });
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    controller.abort(); // releases the connection when we stopped reading early (a no-op after success)
  }
}

/**
 * Fetches `url` into `sink`, retrying timeouts, dropped connections and 5xx/408/429 responses up to
 * `retries` times. A 404 or another 4xx fails at once. The last error is thrown with the attempt count.
 */
export async function fetchInto(url: string, sink: BodySink, options: FetchOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retries = options.retries ?? 2;
  const delay = options.retryDelayMs ?? 500;
  // Called through a wrapper: some browsers reject a detached `fetch` ("Illegal invocation").
  const fetchImpl: typeof fetch | undefined =
    options.fetch ??
    (typeof globalThis.fetch === 'function' ? (input, init) => globalThis.fetch(input, init) : undefined);
  if (typeof fetchImpl !== 'function') {
    throw new DatasetError('OFFLINE', 'no fetch function is available in this environment');
  }
  for (let k = 0; ; k++) {
    if (options.signal?.aborted) throw new DatasetError('ABORTED', `GET ${url}: aborted`);
    try {
      await attempt(url, sink, timeoutMs, fetchImpl, options.signal);
      return;
    } catch (err) {
      if (!retryable(err) || k >= retries) {
        if (k > 0 && err instanceof DatasetError) {
          throw new DatasetError(err.code, `${err.message} (after ${k + 1} attempts)`, {
            cause: err.cause ?? err,
            ...(err.status === undefined ? {} : { status: err.status }),
          });
        }
        throw err;
      }
      if (delay > 0) await wait(delay * (k + 1));
    }
  }
}

/** Lowercase hex of a byte array. */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let out = '';
  for (const b of view) out += b.toString(16).padStart(2, '0');
  return out;
}

/** The checksum error: names the file and shows both hashes. */
export function checksumMismatch(
  file: string,
  expected: string,
  actual: string,
  where: string,
): DatasetError {
  return new DatasetError(
    'CHECKSUM_MISMATCH',
    `sha256 mismatch for ${file} (${where}): expected ${expected}, got ${actual}. ` +
      'The file is corrupt or not the pinned version; nothing was kept.',
  );
}
