/**
 * `makemore train --model bigram`: makemore lecture part 1's count table. No gradient descent: count the
 * pairs of the training split, smooth, and report the exact average NLL per split. The table is saved as
 * `<out>/bigram.json`, which `sample` and `eval` read like a checkpoint.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BigramCounts } from '@makemore/models';
import type { Args } from '../args';
import type { Context } from '../command';
import { CliError, oneLine } from '../errors';
import { formatGroups, groupSamples } from '../grouping';
import {
  buildTokenizer,
  type CliTokenizer,
  parseTokenizerSpec,
  sampleFrom,
  type SplitRecord,
  tokenizerFromSaved,
} from '../session';
import { table } from '../ui/table';
import { loadForCli } from './datasets';
import type { TrainSettings } from './train';

/** The file a bigram run writes. */
export const BIGRAM_FILE = 'bigram.json';

/** What `<out>/bigram.json` holds. */
interface BigramFile {
  format: 'makemore-bigram';
  version: 1;
  model: ReturnType<BigramCounts['toJSON']>;
  tokenizer: unknown;
  split: SplitRecord;
}

/** Token sequences of each split: words with boundary tokens, or one stream per text split. */
async function splitSequences(
  ds: Awaited<ReturnType<typeof loadForCli>>,
  tokenizer: CliTokenizer,
  seed: number,
): Promise<{
  sequences: Record<string, number[][]>;
  words?: { train: string[]; dev: string[]; test: string[] };
}> {
  const datasets = await import('@makemore/datasets');
  if (ds.kind === 'words') {
    const words = datasets.splitWords(
      (ds.words ?? []).filter((w) => w.length > 0),
      { seed },
    );
    const enc = (list: string[]) => list.map((w) => [0, ...tokenizer.encode(w), 0]);
    return { sequences: { train: enc(words.train), dev: enc(words.dev), test: enc(words.test) }, words };
  }
  const s = datasets.splitText(ds.text);
  return { sequences: { train: [tokenizer.encode(s.train)], val: [tokenizer.encode(s.val)] } };
}

/** Fits, evaluates, saves and samples a bigram count table. */
export async function trainBigramCounts(
  args: Args,
  { io, out }: Context,
  settings: TrainSettings,
): Promise<number> {
  const { BigramCounts } = await import('@makemore/models');
  const ds = await loadForCli(settings.dataset, {
    dataDir: args.string('data-dir'),
    env: io.env,
    download: true,
  });
  const tokenizer = await buildTokenizer(parseTokenizerSpec(settings.tokenizer, io.cwd), ds, out);
  const { sequences, words } = await splitSequences(ds, tokenizer, settings.seed);
  const model = new BigramCounts({ vocabSize: tokenizer.vocabSize, smoothing: 1 });
  const started = Date.now();
  model.fit(sequences.train ?? []);
  const losses = Object.fromEntries(Object.entries(sequences).map(([k, v]) => [k, model.nll(v)]));
  const split: SplitRecord = { dataset: settings.dataset, kind: ds.kind, seed: settings.seed };
  await mkdir(settings.out, { recursive: true });
  const file: BigramFile = {
    format: 'makemore-bigram',
    version: 1,
    model: model.toJSON(),
    tokenizer: tokenizer.toJSON(),
    split,
  };
  await writeFile(join(settings.out, BIGRAM_FILE), JSON.stringify(file));
  const isWords = ds.kind === 'words';
  const samples = await sampleFrom(model, tokenizer, {
    n: isWords ? 20 : 1,
    temperature: 1,
    seed: settings.seed,
    maxTokens: isWords ? 64 : 500,
    words: isWords,
  });
  out.json({ type: 'sample', step: 0, samples });
  out.json({ type: 'checkpoint', step: 0, slot: 'best', reason: 'end', dir: settings.out });
  out.json({
    type: 'done',
    reason: 'completed',
    step: 0,
    losses,
    bestDevLoss: losses.dev ?? losses.val ?? null,
    stepsPerSec: 0,
    backend: 'none',
    wallTimeSec: (Date.now() - started) / 1000,
    out: settings.out,
  });
  out.info(`bigram counts (smoothing 1) on ${ds.name}, fitted in ${Date.now() - started} ms`);
  for (const line of table(
    ['split', 'loss', 'bits/token'],
    Object.entries(losses).map(([k, v]) => [k, v, v / Math.LN2]),
  ))
    out.line(line);
  out.line('');
  if (words)
    for (const line of formatGroups(
      groupSamples(samples, new Set(words.train), new Set([...words.dev, ...words.test])),
    ))
      out.line(line);
  else out.line(samples[0] ?? '');
  out.line('');
  out.line(
    `saved: ${join(settings.out, BIGRAM_FILE)}   sample more: makemore sample --checkpoint ${settings.out}`,
  );
  return 0;
}

/** True when `dir` holds a bigram table rather than a tfjs checkpoint. */
export function isBigramDir(dir: string): boolean {
  return existsSync(join(dir, BIGRAM_FILE));
}

/** Opens `<dir>/bigram.json`: the table, its tokenizer, and lazily its dataset splits. */
export async function openBigram(
  dir: string,
  options: { dataDir?: string; env: Record<string, string | undefined> },
) {
  const path = join(dir, BIGRAM_FILE);
  let file: BigramFile;
  try {
    file = JSON.parse(await readFile(path, 'utf8')) as BigramFile;
    if (file.format !== 'makemore-bigram')
      throw new Error(`format is ${JSON.stringify(file.format)}, expected "makemore-bigram"`);
  } catch (error) {
    throw new CliError(`corrupt bigram table ${path}: ${oneLine(error)}`, { cause: error });
  }
  const { BigramCounts } = await import('@makemore/models');
  let model: BigramCounts;
  try {
    model = BigramCounts.fromJSON(file.model);
  } catch (error) {
    throw new CliError(`corrupt bigram table ${path}: ${oneLine(error)}`, { cause: error });
  }
  const tokenizer = await tokenizerFromSaved(file.tokenizer, path);
  return {
    model,
    tokenizer,
    split: file.split,
    async data() {
      const ds = await loadForCli(file.split.dataset, { dataDir: options.dataDir, env: options.env });
      return splitSequences(ds, tokenizer, file.split.seed);
    },
  };
}
