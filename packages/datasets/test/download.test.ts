// The download path against a real HTTP server on 127.0.0.1: success, checksum mismatch, 404, a
// connection cut mid-body, a server that never answers, bounded retries and progress reports.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadDataset as loadInBrowser } from '../src/index.js';
import {
  type DownloadProgress,
  DatasetError,
  datasetPath,
  downloadDataset,
  loadDataset,
} from '../src/node.js';
import { type TestServer, readData, serveDataDir, startServer } from './helpers.js';

const VERBS_SHA = '9fbf5e4e69b8869aebd88e6d545312ff9f878a747327ede5f6dbbba5c27b08ad';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** Every file under a folder, recursively, relative to it. */
const listAll = (dir: string): string[] =>
  existsSync(dir) ? (readdirSync(dir, { recursive: true }) as string[]).map(String).sort() : [];

let cacheDir: string;
let server: TestServer | undefined;
const fast = { timeoutMs: 2000, retries: 2, retryDelayMs: 0 };

beforeEach(() => {
  cacheDir = mkdtempSync(join(tmpdir(), 'makemore-cache-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('downloadDataset', () => {
  it('downloads from a mirror into the cache, verifies, reports progress and reuses the cache', async () => {
    server = await startServer(serveDataDir);
    const reports: DownloadProgress[] = [];
    const result = await downloadDataset('verbs', {
      ...fast,
      cacheDir,
      mirror: `${server.url}/`,
      onProgress: (p) => reports.push(p),
    });
    expect(result.downloaded).toEqual(['verbs.txt']);
    expect(result.bytes).toBe(6967);
    expect(sha(readFileSync(join(cacheDir, 'verbs.txt')))).toBe(VERBS_SHA);
    expect(listAll(cacheDir)).toEqual(['verbs.txt']); // no temporary file left behind
    expect(reports.length).toBeGreaterThan(0);
    const last = reports[reports.length - 1] as DownloadProgress;
    expect(last).toMatchObject({
      file: 'verbs.txt',
      bytes: 6967,
      total: 6967,
      fileBytes: 6967,
      fileTotal: 6967,
    });
    expect(last.rate).toBeGreaterThan(0);
    for (let i = 1; i < reports.length; i++) {
      expect((reports[i] as DownloadProgress).bytes).toBeGreaterThan(
        (reports[i - 1] as DownloadProgress).bytes,
      );
    }
    expect(datasetPath('verbs', { cacheDir, env: {} })).toBe(join(cacheDir, 'verbs.txt'));

    const again = await downloadDataset('verbs', { ...fast, cacheDir, mirror: server.url });
    expect(again).toMatchObject({ downloaded: [], cached: ['verbs.txt'], bytes: 0 });
    expect(server.hits.get('/verbs.txt')).toBe(1);
  });

  it('rejects a wrong checksum, shows both hashes and leaves nothing in the cache', async () => {
    const tampered = Buffer.from(readData('verbs.txt'));
    tampered[0] = 'A'.charCodeAt(0);
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': tampered.length }).end(tampered);
    });
    const err = await downloadDataset('verbs', { ...fast, cacheDir, mirror: server.url }).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.code).toBe('CHECKSUM_MISMATCH');
    expect(err.message).toContain(`expected ${VERBS_SHA}`);
    expect(err.message).toContain(`got ${sha(tampered)}`);
    expect(listAll(cacheDir).filter((f) => f.endsWith('.txt') || f.endsWith('.part'))).toEqual([]);
    expect(server.hits.get('/verbs.txt')).toBe(1); // a mismatch is not retried
  });

  it('writes into a temporary file and only renames it into place once verified', async () => {
    server = await startServer(serveDataDir);
    const seen: string[][] = [];
    await downloadDataset('names', {
      ...fast,
      cacheDir,
      mirror: server.url,
      onProgress: () => {
        if (seen.length === 0) seen.push(listAll(cacheDir));
      },
    });
    expect(seen[0]).toHaveLength(1);
    expect(seen[0]?.[0]).toMatch(/^names\.txt\..+\.part$/);
    expect(listAll(cacheDir)).toEqual(['names.txt']);
  });

  it('fails at once on a 404 and says which URL', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(404).end('nope');
    });
    const err = await downloadDataset('names', { ...fast, cacheDir, mirror: server.url }).catch((e) => e);
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain(`${server.url}/names.txt`);
    expect(err.message).toContain('404');
    expect(server.hits.get('/names.txt')).toBe(1);
    expect(listAll(cacheDir)).toEqual([]);
  });

  it('retries a connection cut mid-body a bounded number of times, then fails with nothing cached', async () => {
    const body = readData('names.txt');
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 1000), () => res.socket?.destroy());
    });
    const err = await downloadDataset('names', { ...fast, cacheDir, mirror: server.url }).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.code).toBe('NETWORK');
    expect(err.message).toContain('after 3 attempts');
    expect(server.hits.get('/names.txt')).toBe(3);
    expect(listAll(cacheDir)).toEqual([]);
  });

  it('recovers when a retry succeeds after a cut, and progress does not double count', async () => {
    const body = readData('names.txt');
    let calls = 0;
    server = await startServer((_req, res) => {
      calls++;
      res.writeHead(200, { 'content-length': body.length });
      if (calls === 1) res.write(body.subarray(0, 5000), () => res.socket?.destroy());
      else res.end(body);
    });
    let last: DownloadProgress | undefined;
    const result = await downloadDataset('names', {
      ...fast,
      cacheDir,
      mirror: server.url,
      onProgress: (p) => {
        last = p;
      },
    });
    expect(result.bytes).toBe(228145);
    expect(last?.bytes).toBe(228145);
    expect(calls).toBe(2);
    expect(listAll(cacheDir)).toEqual(['names.txt']);
  });

  it('times out on a server that sends headers and then nothing, after bounded retries', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': 228145 });
      res.flushHeaders();
    });
    const err = await downloadDataset('names', {
      cacheDir,
      mirror: server.url,
      timeoutMs: 150,
      retries: 1,
      retryDelayMs: 0,
    }).catch((e) => e);
    expect(err.code).toBe('TIMEOUT');
    expect(err.message).toContain('150 ms');
    expect(server.hits.get('/names.txt')).toBe(2);
    expect(listAll(cacheDir)).toEqual([]);
  });

  it('times out on a server that never answers at all', async () => {
    server = await startServer(() => {});
    const err = await downloadDataset('verbs', {
      cacheDir,
      mirror: server.url,
      timeoutMs: 150,
      retries: 0,
    }).catch((e) => e);
    expect(err.code).toBe('TIMEOUT');
    expect(server.hits.get('/verbs.txt')).toBe(1);
  });

  it('retries a 503 and succeeds', async () => {
    let calls = 0;
    server = await startServer((req, res) => {
      if (++calls === 1) res.writeHead(503).end('busy');
      else serveDataDir(req, res);
    });
    const result = await downloadDataset('verbs', { ...fast, cacheDir, mirror: server.url });
    expect(result.bytes).toBe(6967);
    expect(calls).toBe(2);
  });
});

describe('loadDataset (node) with downloads', () => {
  it('downloads through MAKEMORE_MIRROR when the data is nowhere on disk', async () => {
    server = await startServer(serveDataDir);
    const ds = await loadDataset('verbs', { ...fast, cacheDir, env: { MAKEMORE_MIRROR: server.url } });
    expect(ds.words).toHaveLength(1042);
    expect(existsSync(join(cacheDir, 'verbs.txt'))).toBe(true);
    // The second load comes from the cache.
    await loadDataset('verbs', { ...fast, cacheDir, env: { MAKEMORE_MIRROR: server.url } });
    expect(server.hits.get('/verbs.txt')).toBe(1);
  });

  it('replaces a corrupt file in the cache with a verified download', async () => {
    server = await startServer(serveDataDir);
    writeFileSync(join(cacheDir, 'verbs.txt'), 'junk\n');
    const ds = await loadDataset('verbs', { ...fast, cacheDir, mirror: server.url, env: {} });
    expect(ds.words).toHaveLength(1042);
    expect(sha(readFileSync(join(cacheDir, 'verbs.txt')))).toBe(VERBS_SHA);
    expect(server.hits.get('/verbs.txt')).toBe(1);
  });

  it('downloads all 227 sotu files and joins them to the pinned stream', async () => {
    server = await startServer(serveDataDir);
    // env: {} so that a MAKEMORE_DATA_DIR set for the rest of the suite (as CI does) cannot short-cut the download.
    const ds = await loadDataset('sotu', { ...fast, cacheDir, mirror: server.url, env: {} });
    expect(ds.documents).toHaveLength(227);
    expect(createHash('sha256').update(ds.text).digest('hex')).toBe(ds.info.sha256);
    expect(listAll(join(cacheDir, 'state_of_the_union'))).toHaveLength(227);
  });

  it('explains how to provide the data when the network is unreachable', async () => {
    server = await startServer(serveDataDir);
    const deadUrl = server.url;
    await server.close();
    server = undefined;
    const err = await loadDataset('names', {
      cacheDir,
      mirror: deadUrl,
      timeoutMs: 500,
      retries: 0,
      env: {},
    }).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.code).toBe('OFFLINE');
    expect(err.message).toContain('makemore datasets download names');
    expect(err.message).toContain('MAKEMORE_DATA_DIR');
    expect(err.message).toContain('names.txt');
    expect(err.message).toContain(cacheDir);
  });
});

describe('loadDataset (browser entry) from a base URL', () => {
  it('fetches and verifies files with Web Crypto', async () => {
    server = await startServer(serveDataDir);
    const ds = await loadInBrowser('names', { baseUrl: `${server.url}/`, retryDelayMs: 0 });
    expect(ds.words).toHaveLength(32033);
    expect(ds.words?.slice(0, 5)).toEqual(['emma', 'olivia', 'ava', 'isabella', 'sophia']);
  });

  it('loads sotu file by file with the same layout as MAKEMORE_DATA_DIR', async () => {
    server = await startServer(serveDataDir);
    let calls = 0;
    const ds = await loadInBrowser('sotu', {
      baseUrl: server.url,
      onProgress: () => {
        calls++;
      },
    });
    expect(ds.text).toHaveLength(10602521);
    expect(server.hits.get('/state_of_the_union/Washington_1791.txt')).toBe(1);
    expect(calls).toBeGreaterThanOrEqual(227);
  });

  it('rejects a tampered file with both hashes', async () => {
    const tampered = Buffer.from(readData('verbs.txt'));
    tampered[10] = 'z'.charCodeAt(0);
    server = await startServer((_req, res) => {
      res.writeHead(200).end(tampered);
    });
    const err = await loadInBrowser('verbs', { baseUrl: server.url }).catch((e) => e);
    expect(err.code).toBe('CHECKSUM_MISMATCH');
    expect(err.message).toContain(VERBS_SHA);
    expect(err.message).toContain(sha(tampered));
  });

  it('stops when its AbortSignal fires, without retrying', async () => {
    const controller = new AbortController();
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': 6967 });
      res.write('abide\n', () => controller.abort());
    });
    const err = await loadInBrowser('verbs', {
      baseUrl: server.url,
      signal: controller.signal,
      retries: 3,
      timeoutMs: 10_000,
    }).catch((e) => e);
    expect(err.code).toBe('ABORTED');
    expect(server.hits.get('/verbs.txt')).toBe(1);
  });

  it('needs a baseUrl', async () => {
    // @ts-expect-error: the browser loader requires options
    await expect(loadInBrowser('names')).rejects.toThrow(/baseUrl/);
  });
});
