// A hostile HTTP mirror on 127.0.0.1 behind MAKEMORE_MIRROR: a tampered file, an endless body, a
// stalled body, redirects to both and a redirect loop. Every case must end in exit 2 with one line and
// leave no file (partial or not) in the cache; a later good download removes the .part files of a
// process that was killed mid-download.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_DIR, runCli } from '../helpers';

const root = mkdtempSync(join(tmpdir(), 'makemore-mirror-'));
const VERBS = readFileSync(join(DATA_DIR, 'verbs.txt'));
let server: Server;
let url: string;
const sockets = new Set<import('node:net').Socket>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const [, mode] = (req.url ?? '/').split('/');
    if (mode === 'good') {
      res.writeHead(200, { 'content-length': VERBS.length }).end(VERBS);
    } else if (mode === 'tampered') {
      // Same size, one byte changed.
      const copy = Buffer.from(VERBS);
      copy[100] = copy[100]! ^ 1;
      res.writeHead(200, { 'content-length': copy.length }).end(copy);
    } else if (mode === 'endless') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(16 * 1024, 0x61);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    } else if (mode === 'stalled') {
      res.writeHead(200, { 'content-length': VERBS.length });
      res.write(VERBS.subarray(0, 100)); // then nothing, forever
    } else if (mode === 'redirect-endless') {
      res.writeHead(302, { location: `/endless${req.url!.slice('/redirect-endless'.length)}` }).end();
    } else if (mode === 'loop') {
      res.writeHead(302, { location: req.url }).end();
    } else {
      res.writeHead(404).end();
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

async function download(mode: string, cache: string) {
  return runCli(['datasets', 'download', 'verbs', '--cache-dir', cache, '--timeout', '1'], {
    cwd: root,
    env: { MAKEMORE_MIRROR: `${url}/${mode}` },
  });
}

function oneErrorLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.length > 0 && !l.startsWith('makemore: note:'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^makemore: error: /);
  return lines[0]!;
}

describe('a hostile mirror', () => {
  const cases: [string, RegExp][] = [
    ['tampered', /sha256 mismatch for verbs\.txt/],
    ['endless', /sent more than \d+ bytes, but verbs\.txt is pinned at 6967/],
    ['stalled', /no data for 1000 ms; timed out/],
    ['redirect-endless', /sent more than \d+ bytes, but verbs\.txt is pinned at 6967/],
    ['loop', /redirect/i],
  ];
  for (const [mode, message] of cases) {
    it(`${mode}: exit 2 with one line, nothing left in the cache`, async () => {
      const cache = mkdtempSync(join(root, `${mode}-`));
      const result = await download(mode, cache);
      expect(result.code).toBe(2);
      expect(oneErrorLine(result.stderr)).toMatch(message);
      expect(readdirSync(cache, { recursive: true })).toEqual([]);
    }, 60_000);
  }

  it("removes a killed process's .part file on the next download", async () => {
    const cache = mkdtempSync(join(root, 'stale-'));
    const dead = Number(
      spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout,
    );
    const stale = join(cache, `verbs.txt.${dead}.1700000000000.0.part`);
    writeFileSync(stale, Buffer.alloc(4096));
    const result = await download('good', cache);
    expect(result.code).toBe(0);
    expect(existsSync(stale)).toBe(false);
    expect(readdirSync(cache)).toEqual(['verbs.txt']);
  }, 60_000);
});
