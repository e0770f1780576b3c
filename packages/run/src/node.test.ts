import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetFromText } from '@makemore/datasets';
import { prepareTokenShards } from '@makemore/datasets/node';
import { Rng } from '@makemore/random';
import { CharTokenizer } from '@makemore/tokenizers';
import { train } from '@makemore/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareShardRun, prepareShardSource } from './node';
import { prepareRun } from './prepare';
import { RunSpecError, resolveRunSpec } from './resolve';

let root: string;
let shards: string;
const text = Array.from({ length: 400 }, (_, i) => `line ${i}: ${'abc'.repeat(i % 5)} end\n`).join('');
const tokenizer = CharTokenizer.fromText(text);

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'run-shards-'));
  writeFileSync(join(root, 'corpus.txt'), text);
  shards = join(root, 'shards');
  await prepareTokenShards({ input: join(root, 'corpus.txt'), outDir: shards, tokenizer, shardTokens: 1000 });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const gpt = (extra: Record<string, unknown> = {}) =>
  resolveRunSpec({
    data: { shards },
    model: { type: 'transformer', blockSize: 16, nLayer: 1, nHead: 2, nEmbd: 16 },
    training: { steps: 4, batchSize: 4 },
    eval: { every: 2, iters: 2 },
    ...extra,
  });

describe('data.shards in the run spec', () => {
  it('makes the run a text run named by the folder, with the tokenizer its index records', () => {
    const spec = resolveRunSpec({ data: { shards: '/data/corpus-shards/' } });
    expect(spec.data.dataset).toBe('/data/corpus-shards/');
    expect(spec.data.kind).toBe('text');
    expect(spec.data.tokenizer).toEqual({ type: 'file', path: '/data/corpus-shards/index.json' });
    expect(spec.data.split.rule).toBe('contiguous');
    // A resolved spec resolves to itself (what run.json stores and --resume reads back).
    expect(resolveRunSpec(spec)).toEqual(spec);
  });

  it('refuses a tokenizer other than the shards’, a word-list kind and an empty folder name', () => {
    expect(() =>
      resolveRunSpec({ data: { shards: 'x', tokenizer: { type: 'bpe', vocabSize: 512 } } }),
    ).toThrow(/data\.tokenizer: the shards in x are already encoded/);
    expect(() => resolveRunSpec({ data: { shards: 'x', kind: 'words' } })).toThrow(
      /data\.kind: token shards are a text stream/,
    );
    expect(() => resolveRunSpec({ data: { shards: '' } })).toThrow(RunSpecError);
  });

  it('is refused by the in-memory prepareRun with a pointer to the Node entry', () => {
    const ds = datasetFromText(text, { name: 'corpus', kind: 'text' });
    expect(() => prepareRun(gpt(), ds)).toThrow(/prepareShardRun of @makemore\/run\/node/);
  });
});

describe('prepareShardSource / prepareShardRun', () => {
  it("settles the spec from the index: the tokenizer's vocabulary, the split's fractions, token counts", () => {
    const source = prepareShardSource(gpt());
    expect(source.tokenizer.vocabSize).toBe(tokenizer.vocabSize);
    expect(source.spec.model.vocabSize).toBe(tokenizer.vocabSize);
    expect(source.spec.data.split.fractions).toEqual([0.9, expect.closeTo(0.1, 12)]);
    const ids = tokenizer.encode(text).length;
    expect((source.splitSizes.train ?? 0) + (source.splitSizes.val ?? 0)).toBe(ids);
    expect(source.splits.kind).toBe('shards');
  });

  it('draws windows of the corpus, trains, evaluates on val and closes its files', async () => {
    const run = prepareShardRun(gpt());
    try {
      expect(run.data.splits).toEqual(['train', 'val']);
      expect(run.data.evalSplit).toBe('val');
      const { x, y } = run.data.batch('train', 8, new Rng(5));
      const xs = x.arraySync() as number[][];
      const ys = y.arraySync() as number[][];
      for (const [i, row] of xs.entries()) {
        // y is x shifted by one: 17 consecutive characters of the corpus.
        expect(text).toContain(tokenizer.decode([...row, (ys[i] as number[])[15] as number]));
        expect(row.slice(1)).toEqual((ys[i] as number[]).slice(0, 15));
      }
      tf.dispose([x, y]);
      const evals: Record<string, number>[] = [];
      const job = train(run.trainOptions({ sampleEvery: 0 }));
      job.on('eval', (e) => evals.push(e.losses));
      const result = await job.result;
      expect(result.step).toBe(4);
      expect(Object.keys(evals[0] ?? {})).toEqual(['train', 'val']);
      const final = await run.evaluate();
      expect(final.val).toBeGreaterThan(0);
      expect(run.sample(1, { maxTokens: 5 })[0]?.length).toBeGreaterThan(0);
    } finally {
      run.dispose();
    }
  });

  it('refuses a tokenizer whose vocabulary is not the one the shards were encoded with', () => {
    const other = CharTokenizer.fromText('ab');
    expect(() => prepareShardSource(gpt(), { tokenizer: other })).toThrow(
      /the tokenizer has 2 ids but the shards in .* were encoded with/,
    );
  });

  it('names the folder when it holds no shard index', () => {
    const spec = resolveRunSpec({ data: { shards: join(root, 'missing') } });
    expect(() => prepareShardSource(spec)).toThrow(/data\.shards: .*missing is not a token shard folder/);
  });
});
