// End-to-end: every error case (exit code 2, one line on stderr, no stack unless DEBUG), --help on every
// command, and the datasets, tokenize, lr-find and bench commands, all through the built CLI.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/cli';
import { DATA_DIR, ensureBuilt, jsonLines, runCli } from './helpers';

let work: string;
beforeAll(() => {
  ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'makemore-cli-cmd-'));
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Asserts the error contract: exit code 2, exactly one line on stderr, no stack trace. */
function expectUsageError(r: { code: number | null; stderr: string; stdout: string }, pattern: RegExp): void {
  expect(r.code).toBe(2);
  const lines = r.stderr.split('\n').filter((l) => l.length > 0 && !l.startsWith('makemore: note:'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^makemore: error: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('errors: exit code 2 and one line naming the problem', () => {
  it('an unknown flag, with the closest valid one', async () => {
    const r = await runCli(['train', '--stpes', '10'], { cwd: work });
    expectUsageError(r, /unknown option '--stpes' for 'train'; did you mean '--steps'\?/);
  });
  it('an unknown value, with the closest valid one', async () => {
    const r = await runCli(['train', '--model', 'transfomer'], { cwd: work });
    expectUsageError(r, /unknown value 'transfomer' for --model; did you mean 'transformer'\?/);
  });
  it('an unknown command and subcommand', async () => {
    expectUsageError(
      await runCli(['trian'], { cwd: work }),
      /unknown command 'trian'; did you mean 'train'\?/,
    );
    expectUsageError(
      await runCli(['datasets', 'lsit'], { cwd: work }),
      /unknown command 'datasets lsit'; did you mean 'datasets list'\?/,
    );
  });
  it('with --json the error is also a JSON line of type error on stdout', async () => {
    const r = await runCli(['eval', '--checkpoint', 'nowhere', '--json'], { cwd: work });
    expectUsageError(r, /checkpoint folder not found/);
    expect(jsonLines(r.stdout)).toEqual([
      { type: 'error', message: expect.stringMatching(/^checkpoint folder not found/) },
    ]);
  });
  it('a bad number', async () => {
    expectUsageError(
      await runCli(['train', '--steps', 'ten'], { cwd: work }),
      /--steps expects an integer, got 'ten'/,
    );
  });
  it('a missing checkpoint names the folder', async () => {
    const r = await runCli(['sample', '--checkpoint', 'nowhere'], { cwd: work });
    expectUsageError(r, /checkpoint folder not found: .*nowhere/);
  });
  it('--resume without a run says where it looked', async () => {
    const r = await runCli(['train', '--resume', '--out', 'no-run'], { cwd: work });
    expectUsageError(r, /--resume: no run in .*no-run; point --out at the folder/);
  });
  it('a corrupt checkpoint names the file and what is wrong', async () => {
    mkdirSync(join(work, 'broken', 'best'), { recursive: true });
    writeFileSync(join(work, 'broken', 'best', 'config.json'), '{ not json');
    const r = await runCli(['eval', '--checkpoint', 'broken'], { cwd: work });
    expectUsageError(r, /corrupt checkpoint in .*broken.best: .*config\.json/);
  });
  it('a dataset that is not available offline says how to get it', async () => {
    const empty = join(work, 'empty-data');
    mkdirSync(empty, { recursive: true });
    const r = await runCli(['train', '--steps', '5'], {
      cwd: work,
      env: {
        MAKEMORE_DATA_DIR: empty,
        XDG_CACHE_HOME: join(work, 'cache'),
        MAKEMORE_MIRROR: 'http://127.0.0.1:9',
      },
    });
    expectUsageError(
      r,
      /dataset 'names' is not available offline.*makemore datasets download names.*MAKEMORE_DATA_DIR.*names\.txt/,
    );
  });
  it('a backend that cannot be loaded says why, and auto falls back quietly (with one notice under --verbose)', async () => {
    const r = await runCli(['bench', '--only', 'mlp', '--steps', '4', '--backend', 'tensorflow'], {
      cwd: work,
    });
    expectUsageError(r, /cannot use --backend tensorflow: .*tfjs-node.*use --backend auto to fall back/);
    const quiet = await runCli(['bench', '--only', 'mlp', '--steps', '4', '--warmup', '0'], { cwd: work });
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).not.toMatch(/note: .*tfjs-node/);
    const auto = await runCli(['bench', '--only', 'mlp', '--steps', '4', '--warmup', '0', '--verbose'], {
      cwd: work,
    });
    expect(auto.code).toBe(0);
    expect(auto.stderr).toMatch(/^makemore: note: .*tfjs-node.*(wasm|cpu) backend/m);
  });
  it('DEBUG adds the stack trace', async () => {
    const r = await runCli(['sample', '--checkpoint', 'nowhere'], { cwd: work, env: { DEBUG: '1' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

describe('--help', () => {
  it('every command lists its flags and examples', async () => {
    for (const command of COMMANDS) {
      const r = await runCli([...command.name.split(' '), '--help'], { cwd: work });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: makemore ${command.name}`);
      for (const flag of command.flags) expect(r.stdout).toContain(`--${flag.name}`);
      expect(r.stdout).toMatch(/Examples:\n {2}# .+\n {2}makemore /);
    }
    const top = await runCli(['--help'], { cwd: work });
    for (const command of COMMANDS) expect(top.stdout).toContain(command.name);
  }, 120_000);
});

describe('datasets', () => {
  it('list, info and path', async () => {
    const list = jsonLines((await runCli(['datasets', 'list', '--json'], { cwd: work })).stdout);
    expect(list.map((d) => d.name)).toEqual(['names', 'verbs', 'shakespeare', 'sotu']);
    expect(list.find((d) => d.name === 'names')?.path).toBe(join(DATA_DIR, 'names.txt'));
    const info = await runCli(['datasets', 'info', 'names'], { cwd: work });
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/words\s+32,033 \(29,494 distinct/);
    expect(info.stdout).toMatch(/splits\s+train 25,626 \/ dev 3,203 \/ test 3,204 words/);
    expect(info.stdout).toMatch(/"a"\s+33,885/);
    const path = await runCli(['datasets', 'path', 'verbs'], { cwd: work });
    expect(path.stdout.trim()).toBe(join(DATA_DIR, 'verbs.txt'));
  });
  it('download fetches into the cache and verifies the checksum, from a mirror on 127.0.0.1', async () => {
    let corrupt = false;
    const server = createServer((req, res) => {
      const file = join(DATA_DIR, decodeURIComponent((req.url ?? '/').slice(1)));
      if (!existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      const body = readFileSync(file);
      if (corrupt) body[0] = (body[0] ?? 0) ^ 1;
      res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const cache = join(work, 'cache-ok');
      const ok = await runCli(['datasets', 'download', 'verbs', '--cache-dir', cache, '--json'], {
        cwd: work,
        env: { MAKEMORE_MIRROR: mirror },
      });
      expect(ok.stderr).not.toMatch(/error/);
      expect(ok.code).toBe(0);
      expect(jsonLines(ok.stdout)[0]).toMatchObject({ type: 'download', name: 'verbs', downloaded: 1 });
      expect(readFileSync(join(cache, 'verbs.txt'))).toEqual(readFileSync(join(DATA_DIR, 'verbs.txt')));
      corrupt = true;
      const bad = await runCli(['datasets', 'download', 'verbs', '--cache-dir', join(work, 'cache-bad')], {
        cwd: work,
        env: { MAKEMORE_MIRROR: mirror },
      });
      expectUsageError(bad, /sha256|checksum/i);
      expect(existsSync(join(work, 'cache-bad', 'verbs.txt'))).toBe(false);
    } finally {
      server.close();
    }
  });
});

describe('tokenize', () => {
  it('trains a BPE, encodes, decodes and inspects', async () => {
    const train = await runCli(
      ['tokenize', 'train', '--dataset', 'verbs', '--vocab-size', '300', '--out', 'verbs.json', '--json'],
      { cwd: work },
    );
    expect(train.code).toBe(0);
    expect(jsonLines(train.stdout)[0]).toMatchObject({ type: 'tokenizer', vocabSize: 300 });
    const enc = await runCli(['tokenize', 'encode', '--tokenizer', 'verbs.json', 'melt and accept'], {
      cwd: work,
    });
    const ids = enc.stdout.trim().split(' ').map(Number);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.length).toBeLessThan('melt and accept'.length);
    const dec = await runCli(['tokenize', 'decode', '--tokenizer', 'verbs.json', ...ids.map(String)], {
      cwd: work,
    });
    expect(dec.stdout).toBe('melt and accept\n');
    const inspect = await runCli(['tokenize', 'inspect', '--tokenizer', 'verbs.json', 'melt'], { cwd: work });
    expect(inspect.stdout).toMatch(/#\s+id\s+text\s+bytes \(hex\)/);
    expect(inspect.stdout).toMatch(/6d/);
    expectUsageError(
      await runCli(['tokenize', 'decode', '--tokenizer', 'verbs.json', '99999'], { cwd: work }),
      /99999/,
    );
  });
});

describe('tokenize train from a file', () => {
  it('streams the file, reserves --special tokens and writes a HuggingFace tokenizer.json', async () => {
    const corpus = join(work, 'corpus.txt');
    writeFileSync(corpus, 'the cat sat on the mat<|endoftext|>the dog ate the log\n'.repeat(300));
    const r = await runCli(
      [
        'tokenize',
        'train',
        '--dataset',
        corpus,
        '--vocab-size',
        '275',
        '--special',
        '<|endoftext|>',
        '--special',
        '<|pad|>',
        '--format',
        'hf',
        '--out',
        'corpus.tokenizer.json',
        '--json',
      ],
      { cwd: work },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLines(r.stdout)[0]).toMatchObject({
      type: 'tokenizer',
      format: 'hf',
      specialTokens: ['<|endoftext|>', '<|pad|>'],
    });
    const { BpeTokenizer } = await import('@makemore/tokenizers');
    const json = JSON.parse(readFileSync(join(work, 'corpus.tokenizer.json'), 'utf8'));
    expect(json.added_tokens.map((t: { content: string; id: number }) => [t.content, t.id])).toEqual([
      ['<|endoftext|>', 273],
      ['<|pad|>', 274],
    ]);
    const tok = BpeTokenizer.fromHuggingFaceJSON(json);
    expect(tok.encode('the cat<|endoftext|>', { allowedSpecial: 'all' }).at(-1)).toBe(273);
    expect(tok.vocabSize).toBe(275);
  });

  it('names invalid UTF-8 and a vocabulary too small for the special tokens, in one line', async () => {
    writeFileSync(join(work, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    expectUsageError(
      await runCli(['tokenize', 'train', '--dataset', './latin1.txt', '--vocab-size', '300'], { cwd: work }),
      /latin1\.txt is not valid UTF-8 \(bad bytes within bytes 0-5\)/,
    );
    expectUsageError(
      await runCli(
        ['tokenize', 'train', '--dataset', './latin1.txt', '--vocab-size', '256', '--special', '<s>'],
        { cwd: work },
      ),
      /--vocab-size must be at least 257/,
    );
  });
});

describe('lr-find and bench', () => {
  it('lr-find draws the sweep and suggests a rate', async () => {
    const r = await runCli(['lr-find', '--steps', '60'], { cwd: work });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/┤/);
    expect(r.stdout).toMatch(/learning rate \(log scale\)/);
    const lr = Number(/suggested lr ≈ ([\d.e-]+)/.exec(r.stdout)?.[1]);
    expect(lr).toBeGreaterThanOrEqual(1e-3);
    expect(lr).toBeLessThanOrEqual(1);
  });
  it('bench --json reports speed and a memory check', async () => {
    const r = await runCli(['bench', '--only', 'mlp', '--steps', '30', '--json'], { cwd: work });
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    const mlp = lines.find((l) => l.type === 'bench');
    expect(mlp).toMatchObject({ name: 'mlp', steps: 30, leak: false });
    expect(mlp?.msPerStep).toBeGreaterThan(0);
    // The MLP's step is a few dozen tfjs kernels (embedding, two matmuls, tanh, loss, their gradients, SGD).
    expect(mlp?.kernelsPerStep).toBeGreaterThan(10);
    expect(mlp?.kernelsPerStep).toBeLessThan(200);
    expect(mlp?.tensorsAfter).toBe(mlp?.tensorsBefore);
    expect(lines.at(-1)).toMatchObject({ type: 'done', ok: true });
  });
});
