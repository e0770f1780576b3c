// Shared test fixtures: the data folder, a tiny char tokenizer, and a real HTTP server on 127.0.0.1.
import { readFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TextTokenizer } from '../src/index.js';

/** The shared data folder: MAKEMORE_DATA_DIR first, as CI sets it. */
export const DATA_DIR = process.env.MAKEMORE_DATA_DIR as string;

export const readData = (path: string): Buffer => readFileSync(join(DATA_DIR, path));

/** A character tokenizer with '.' at id 0 followed by `chars` in order (the lecture's stoi). */
export function charTokenizer(chars: string | string[]): TextTokenizer & { itos: string[] } {
  const itos = ['.', ...[...chars].filter((c) => c !== '.')];
  const stoi = new Map(itos.map((c, i) => [c, i]));
  return {
    itos,
    vocabSize: itos.length,
    encode: (text) =>
      Array.from(text, (c) => {
        const id = stoi.get(c);
        if (id === undefined) throw new Error(`char ${JSON.stringify(c)} not in vocabulary`);
        return id;
      }),
    decode: (ids) => Array.from(ids as ArrayLike<number>, (i) => itos[i] ?? '?').join(''),
  };
}

export const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A real HTTP server on 127.0.0.1 that counts requests per path. */
export interface TestServer {
  url: string;
  hits: Map<string, number>;
  server: Server;
  close(): Promise<void>;
}

export async function startServer(handler: Handler): Promise<TestServer> {
  const hits = new Map<string, number>();
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] as string);
    hits.set(path, (hits.get(path) ?? 0) + 1);
    handler(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Serves files from the data folder by path, like a static mirror of MAKEMORE_DATA_DIR. */
export const serveDataDir: Handler = (req, res) => {
  const path = decodeURIComponent((req.url ?? '/').split('?')[0] as string).replace(/^\/+/, '');
  let body: Buffer;
  try {
    if (path.includes('..')) throw new Error('bad path');
    body = readData(path);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length }).end(body);
};
