// Bounded downloads and reads: a mirror that sends more than the pinned size (announced or endless) is
// cut off and leaves nothing behind; stale .part files of dead processes are cleaned; devices and
// oversized files are refused before they are read.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanStalePartFiles, DatasetError, downloadDataset, loadPath } from '../src/node.js';
import { startServer, type TestServer } from './helpers.js';

const fast = { timeoutMs: 2000, retries: 2, retryDelayMs: 0 };
let cacheDir: string;
let server: TestServer | undefined;

beforeEach(() => {
  cacheDir = mkdtempSync(join(tmpdir(), 'makemore-bounds-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(cacheDir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<DatasetError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatasetError);
  return error as DatasetError;
}

describe('download size cap', () => {
  it('stops an endless body without Content-Length just past the pinned size, keeping nothing', async () => {
    let sent = 0;
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = () => {
        // Write until the client goes away; the cap must end the download, not this server.
        while (!res.destroyed && res.write(chunk)) sent += chunk.length;
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const error = await failure(downloadDataset('verbs', { ...fast, cacheDir, mirror: server.url }));
    expect(error.code).toBe('TOO_LARGE');
    expect(error.message).toMatch(/sent more than \d+ bytes, but verbs\.txt is pinned at 6967/);
    expect(readdirSync(cacheDir)).toEqual([]);
    // Bounded: the client stopped within a few socket buffers of the pinned size.
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses an announced Content-Length above the pinned size before reading the body', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': 10_000_000 });
      res.write(Buffer.alloc(1000));
    });
    const error = await failure(downloadDataset('verbs', { ...fast, cacheDir, mirror: server.url }));
    expect(error.code).toBe('TOO_LARGE');
    expect(error.message).toMatch(/announces 10000000 bytes/);
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('cleans .part files of dead processes and keeps those of live ones', async () => {
    const dead = Number(
      spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout,
    );
    const stale = join(cacheDir, `verbs.txt.${dead}.1700000000000.0.part`);
    const live = join(cacheDir, `names.txt.${process.pid}.1700000000000.0.part`);
    writeFileSync(stale, 'partial');
    writeFileSync(live, 'partial');
    writeFileSync(join(cacheDir, 'notes.part'), 'not ours');
    expect(await cleanStalePartFiles(cacheDir)).toEqual([stale]);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(join(cacheDir, 'notes.part'))).toBe(true);
  });
});

describe('bounded reads', () => {
  it('refuses a device such as /dev/zero at once', async () => {
    const error = await failure(loadPath('/dev/zero'));
    expect(error.code).toBe('NOT_A_FILE');
    expect(error.message).toMatch(/\/dev\/zero is not a regular file/);
  });

  it('reports the size first and refuses a file larger than maxBytes without reading it', async () => {
    const path = join(cacheDir, 'big.txt');
    writeFileSync(path, 'abc\n'.repeat(1000));
    const seen: { path: string; bytes: number }[] = [];
    const ds = await loadPath(path, { onFile: (f) => seen.push(f) });
    expect(seen).toEqual([{ path, bytes: 4000 }]);
    expect(ds.words?.length).toBe(1000);
    const error = await failure(loadPath(path, { maxBytes: 3999 }));
    expect(error.code).toBe('TOO_LARGE');
    expect(error.message).toMatch(/is 4000 bytes, more than the 3999/);
  });
});
