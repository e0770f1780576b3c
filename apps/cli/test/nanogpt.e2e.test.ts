// End-to-end: handing data and runs to nanoGPT and back through the built CLI. `export nanogpt` writes the
// split makemore trains on; `import nanogpt` reads a ckpt.pt that PyTorch wrote (the models package's
// fixture, from nanoGPT's own model.py) and `sample` uses it; `export nanogpt-ckpt` writes it back unchanged.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { charMetaPickle, parseNanoGptCheckpoint, readTorchCheckpoint, unpickle } from '@makemore/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, REPO, runCli } from './helpers';

const FIXTURES = join(REPO, 'packages/models/fixtures/torch');
let work: string;
beforeAll(() => {
  ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'makemore-cli-nanogpt-'));
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

function expectUsageError(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  expect(r.code).toBe(2);
  const lines = r.stderr.split('\n').filter((l) => l.length > 0 && !l.startsWith('makemore: note:'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

const decodeBin = (bytes: Uint8Array, itos: Map<number, string>) => {
  const ids = new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return Array.from(ids, (i) => itos.get(i)).join('');
};

describe('makemore export nanogpt', () => {
  it("writes the 90/10 split as uint16 ids, meta.pkl and a README with train.py's --dataset", async () => {
    const text = 'To be, or not to be: that is the question.\nWhether tis nobler in the mind to suffer\n';
    writeFileSync(join(work, 'hamlet.txt'), text);
    const r = await runCli(['export', 'nanogpt', '--dataset', './hamlet.txt', '--out', 'data/hamlet'], {
      cwd: work,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const dir = join(work, 'data/hamlet');
    const meta = unpickle(new Uint8Array(readFileSync(join(dir, 'meta.pkl')))) as {
      vocab_size: number;
      itos: Map<number, string>;
    };
    expect(meta.vocab_size).toBe(new Set(text).size);
    const cut = Math.floor(text.length * 0.9);
    expect(decodeBin(readFileSync(join(dir, 'train.bin')), meta.itos)).toBe(text.slice(0, cut));
    expect(decodeBin(readFileSync(join(dir, 'val.bin')), meta.itos)).toBe(text.slice(cut));
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain('python train.py --dataset=hamlet');
  });
});

describe('makemore import nanogpt, sample, export nanogpt-ckpt', () => {
  it('round-trips a ckpt.pt written by PyTorch', async () => {
    // The fixture's vocabulary has 11 ids; a character meta.pkl for it as nanoGPT keeps it, data/<dataset>/.
    const meta = join(work, 'tiny-meta.pkl');
    writeFileSync(meta, charMetaPickle([...'\nabcdefghij']));
    const ckptFile = join(FIXTURES, 'nanogpt-ckpt.pt');
    const imported = await runCli(
      ['import', 'nanogpt', ckptFile, '--out', 'runs/tiny', '--meta', meta, '--backend', 'cpu'],
      { cwd: work },
    );
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('step 2, with AdamW state');
    expect(existsSync(join(work, 'runs/tiny/best/model.safetensors'))).toBe(true);

    const sampled = await runCli(
      ['sample', '--checkpoint', 'runs/tiny', '--max-tokens', '20', '--prompt', 'ab', '--backend', 'cpu'],
      { cwd: work },
    );
    expect(sampled.code, sampled.stderr).toBe(0);
    expect(sampled.stdout).toMatch(/^ab[\na-j]{20}/m);

    const exported = await runCli(
      [
        'export',
        'nanogpt-ckpt',
        '--checkpoint',
        'runs/tiny',
        '--out',
        'out-tiny/ckpt.pt',
        '--backend',
        'cpu',
      ],
      { cwd: work },
    );
    expect(exported.code, exported.stderr).toBe(0);
    const original = parseNanoGptCheckpoint(readTorchCheckpoint(new Uint8Array(readFileSync(ckptFile))));
    const back = parseNanoGptCheckpoint(
      readTorchCheckpoint(new Uint8Array(readFileSync(join(work, 'out-tiny/ckpt.pt')))),
    );
    expect(back.config).toEqual(original.config);
    expect(back.weights).toEqual(original.weights);
    expect(back.optimizer).toEqual(original.optimizer);
    expect(back.iterNum).toBe(2);
    expect(back.trainConfig.dataset).toBe('tiny');
  }, 120_000);

  it('names what is missing or refused, in one line with exit code 2', async () => {
    expectUsageError(
      await runCli(['import', 'nanogpt', join(FIXTURES, 'nanogpt-ckpt.pt'), '--out', 'x'], { cwd: work }),
      /no meta\.pkl at .*data\/tiny\/meta\.pkl: pass --meta/,
    );
    expectUsageError(
      await runCli(['import', 'nanogpt', join(FIXTURES, 'evil.pt'), '--out', 'x'], { cwd: work }),
      /refusing to load the Python global posix\.system/,
    );
    writeFileSync(join(work, 'not.pt'), 'hello');
    expectUsageError(
      await runCli(['import', 'nanogpt', 'not.pt', '--out', 'x'], { cwd: work }),
      /not a PyTorch checkpoint/,
    );
    expectUsageError(
      await runCli(['export', 'nanogpt', '--dataset', 'shakespeare'], { cwd: work }),
      /missing --out <dir>/,
    );
  });
});

describe('makemore import hf-gpt2', () => {
  it('reads Hugging Face GPT-2 safetensors with config.json beside it, and samples', async () => {
    const tok = join(work, 'tok13.json');
    const vocab = [...'\n abcdefghijk'];
    writeFileSync(
      tok,
      JSON.stringify({ type: 'char', version: 1, vocab, specialTokens: [], unknown: 'error', vocabSize: 13 }),
    );
    const r = await runCli(
      [
        'import',
        'hf-gpt2',
        join(FIXTURES, 'hf-gpt2/model.safetensors'),
        '--tokenizer',
        tok,
        '--out',
        'runs/hf',
        '--backend',
        'cpu',
      ],
      { cwd: work },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('GPT-2 2 layers × 8, 2 heads');
    const sampled = await runCli(
      ['sample', '--checkpoint', 'runs/hf', '--max-tokens', '10', '--prompt', 'ab', '--backend', 'cpu'],
      {
        cwd: work,
      },
    );
    expect(sampled.code, sampled.stderr).toBe(0);
    expect(sampled.stdout).toMatch(/^ab[\n a-k]{10}/m);
    expectUsageError(
      await runCli(['import', 'hf-gpt2', join(FIXTURES, 'hf-gpt2/model.safetensors'), '--out', 'x'], {
        cwd: work,
      }),
      /the tokenizer \(GPT-2's r50k_base, the default\) has 50257 ids but the model only 13; pass the tokenizer/,
    );
  }, 60_000);
});

describe('makemore prepare', () => {
  it('encodes a text file into token shards with an index, and names a missing file', async () => {
    const text = Array.from({ length: 200 }, (_, i) => `line ${i}\n`).join('');
    writeFileSync(join(work, 'lines.txt'), text);
    const r = await runCli(
      ['prepare', '--dataset', 'lines.txt', '--out', 'shards/lines', '--shard-tokens', '500'],
      {
        cwd: work,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const index = JSON.parse(readFileSync(join(work, 'shards/lines/index.json'), 'utf8'));
    expect(index).toMatchObject({
      format: 'makemore-token-shards',
      dtype: 'uint16',
      vocabSize: new Set(text).size,
    });
    const tokens = [...index.splits.train, ...index.splits.val].reduce(
      (s: number, x: { tokens: number }) => s + x.tokens,
      0,
    );
    expect(tokens).toBe(text.length);
    expect(index.splits.train.length).toBeGreaterThan(2);
    expectUsageError(
      await runCli(['prepare', '--dataset', 'nope.txt', '--out', 'x'], { cwd: work }),
      /not a file: .*nope\.txt/,
    );
  });
});
