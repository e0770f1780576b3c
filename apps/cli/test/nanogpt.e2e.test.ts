// End-to-end: handing data and runs to nanoGPT and back through the built CLI. `export nanogpt` writes the
// split makemore trains on; `import nanogpt` reads a ckpt.pt that PyTorch wrote (the models package's
// fixture, from nanoGPT's own model.py) and `sample` uses it; `export nanogpt-ckpt` writes it back unchanged.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  charMetaPickle,
  parseNanoGptCheckpoint,
  parseSafetensors,
  readTorchCheckpoint,
  unpickle,
} from '@makemore/models';
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
  expect(r.code, r.stderr).toBe(2);
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

/**
 * `makemore import hf-gpt2` of the PyTorch-written fixture into `out`, with a character tokenizer for its 13
 * ids (newline, space, a–k) written to `tokenizerName`.
 */
function importTinyGpt2(tokenizerName: string, out: string) {
  const tok = join(work, tokenizerName);
  const vocab = [...'\n abcdefghijk'];
  writeFileSync(
    tok,
    JSON.stringify({ type: 'char', version: 1, vocab, specialTokens: [], unknown: 'error', vocabSize: 13 }),
  );
  const weights = join(FIXTURES, 'hf-gpt2/model.safetensors');
  return runCli(['import', 'hf-gpt2', weights, '--tokenizer', tok, '--out', out, '--backend', 'cpu'], {
    cwd: work,
  });
}

describe('makemore import hf-gpt2', () => {
  it('reads Hugging Face GPT-2 safetensors with config.json beside it, and samples', async () => {
    const r = await importTinyGpt2('tok13.json', 'runs/hf');
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

describe('makemore train --init-from', () => {
  const tensorsOf = (file: string) => {
    const { tensors } = parseSafetensors(readFileSync(file));
    return Object.fromEntries(
      Object.entries(tensors).map(([k, t]) => [k, Array.from(t.data as ArrayLike<number>)]),
    );
  };

  it('fine-tunes the imported GPT-2: its weights, its tokenizer, a fresh optimizer; resumes; samples', async () => {
    const imported = await importTinyGpt2('tok13-ft.json', 'runs/gpt2');
    expect(imported.code, imported.stderr).toBe(0);
    const text = Array.from(
      { length: 300 },
      (_, i) => `${'abcdefghijk'.slice(i % 5, (i % 5) + 4)} kid\n`,
    ).join('');
    writeFileSync(join(work, 'abc.txt'), text);
    const common = ['--dataset', './abc.txt', '--block-size', '4', '--backend', 'cpu', '--json'];

    // At a learning rate of 0 the run's weights stay the ones it started from: equal to the import's,
    // where a fresh initialisation would differ everywhere.
    const frozen = await runCli(
      ['train', '--init-from', 'runs/gpt2', ...common, '--steps', '1', '--lr', '0', '--out', 'runs/frozen'],
      { cwd: work },
    );
    expect(frozen.code, frozen.stderr).toBe(0);
    const source = tensorsOf(join(work, 'runs/gpt2/last/model.safetensors'));
    const kept = tensorsOf(join(work, 'runs/frozen/last/model.safetensors'));
    for (const [name, values] of Object.entries(source)) {
      // The position table is cut to the run's 4 positions (the weights learned 8).
      const got = kept[name] as number[];
      expect(got, name).toEqual(name === 'transformer.wpe.weight' ? values.slice(0, got.length) : values);
    }
    // The tied output layer is the token table (saved under both names by the trainer's checkpoint).
    if (kept['lm_head.weight']) expect(kept['lm_head.weight']).toEqual(source['transformer.wte.weight']);

    const r = await runCli(
      ['train', '--init-from', 'runs/gpt2', ...common, '--steps', '6', '--lr', '1e-2', '--out', 'runs/ft'],
      { cwd: work },
    );
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    const start = events.find((e) => e.type === 'start');
    expect(start.spec.initFrom).toBe(join(work, 'runs/gpt2/best'));
    expect(start.spec.data.tokenizer).toEqual({ type: 'init' });
    expect(start.spec.model).toMatchObject({
      type: 'transformer',
      nLayer: 2,
      nEmbd: 8,
      blockSize: 4,
      vocabSize: 13,
    });
    // A model this small fine-tunes with the transformer family's defaults (nanoGPT's are for ≥ 10 M params).
    expect(start.spec.optimizer).toMatchObject({
      type: 'adamw',
      lr: 1e-2,
      betas: [0.9, 0.99],
      weightDecay: 0.01,
    });
    const run = JSON.parse(readFileSync(join(work, 'runs/ft/run.json'), 'utf8'));
    expect(run.initFrom).toBe(start.spec.initFrom);
    const done = events.find((e) => e.type === 'done');
    expect(done.step).toBe(6);
    expect(Number.isFinite(done.losses.val)).toBe(true);

    const resumed = await runCli(
      ['train', '--resume', '--out', 'runs/ft', '--steps', '8', '--backend', 'cpu'],
      {
        cwd: work,
      },
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('resuming');
    const sampled = await runCli(
      ['sample', '--checkpoint', 'runs/ft', '--max-tokens', '6', '--prompt', 'ab', '--backend', 'cpu'],
      {
        cwd: work,
      },
    );
    expect(sampled.code, sampled.stderr).toBe(0);
    expect(sampled.stdout).toMatch(/^ab[\n a-k]{6}/m);
  }, 120_000);

  it('refuses what contradicts the weights in one line: a model flag, a tokenizer, --resume, a missing folder', async () => {
    expectUsageError(
      await runCli(['train', '--init-from', 'runs/gpt2', '--n-layer', '3', '--dataset', './abc.txt'], {
        cwd: work,
      }),
      /^makemore: error: --init-from: model\.nLayer: 3 differs from the 2 of the weights in .*runs\/gpt2\/best; .*\(set with --n-layer\)$/,
    );
    expectUsageError(
      await runCli(['train', '--init-from', 'runs/gpt2', '--tokenizer', 'bpe', '--dataset', './abc.txt'], {
        cwd: work,
      }),
      /data\.tokenizer: a run that starts from .* uses the tokenizer saved with those weights.*\(set with --tokenizer\)$/,
    );
    expectUsageError(
      await runCli(['train', '--init-from', 'runs/gpt2', '--block-size', '32', '--dataset', './abc.txt'], {
        cwd: work,
      }),
      /model\.blockSize: 32 is longer than the 8 positions the weights in .* learned; use 8 or less/,
    );
    expectUsageError(
      await runCli(['train', '--init-from', 'runs/gpt2', '--resume', '--out', 'runs/ft'], { cwd: work }),
      /--init-from starts a new run from a checkpoint's weights; --resume continues the run in --out/,
    );
    expectUsageError(
      await runCli(['train', '--init-from', 'runs/nothing-here'], { cwd: work }),
      /--init-from: checkpoint folder not found: .*runs\/nothing-here$/,
    );
    writeFileSync(join(work, 'caps.txt'), 'ABC abc\n'.repeat(50));
    expectUsageError(
      await runCli(['train', '--init-from', 'runs/gpt2', '--dataset', './caps.txt', '--backend', 'cpu'], {
        cwd: work,
      }),
      /caps has 3 characters that the tokenizer of .* cannot encode: "A" \(U\+0041\), "B" \(U\+0042\), "C" \(U\+0043\)/,
    );
  }, 120_000);
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
