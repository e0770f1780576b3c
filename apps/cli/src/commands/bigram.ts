/**
 * `makemore train --model bigram`: makemore lecture part 1's count table. No gradient descent: count the
 * pairs of the training split, smooth, and report the exact average NLL per split. The table is saved as
 * `<out>/bigram.json`, which `sample` and `eval` read like a checkpoint.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BigramCounts } from '@makemore/models';
import type { PreparedSource, RunSpec } from '@makemore/run';
import type { Args } from '../args';
import type { Context } from '../command';
import { CliError, oneLine } from '../errors';
import { formatGroups, groupSamples } from '../grouping';
import { writeRunFile } from '../run-folder';
import { prepareForCli, runApi } from '../run-spec';
import { sampleFrom, tokenizerFromSaved } from '../session';
import { table } from '../ui/table';

/** The file a bigram run writes. */
export const BIGRAM_FILE = 'bigram.json';

/** What `<out>/bigram.json` holds. */
interface BigramFile {
  format: 'makemore-bigram';
  version: 2;
  model: ReturnType<BigramCounts['toJSON']>;
  tokenizer: unknown;
  /** The resolved run spec (also in run.json). */
  spec: RunSpec;
}

/** Token sequences of each split: words with boundary tokens, or one stream per text split. */
function splitSequences(source: PreparedSource): Record<string, number[][]> {
  const { splits, tokenizer } = source;
  if (splits.kind === 'words') {
    const enc = (list: string[]) => list.map((w) => [0, ...tokenizer.encode(w), 0]);
    return Object.fromEntries(Object.entries(splits.words).map(([k, v]) => [k, enc(v)]));
  }
  if (splits.kind === 'shards')
    throw new CliError('the bigram count table is fitted from text in memory, not from token shards');
  return Object.fromEntries(Object.entries(splits.text).map(([k, v]) => [k, [tokenizer.encode(v)]]));
}

/** Fits, evaluates, saves and samples a bigram count table. */
export async function trainBigramCounts(
  spec: RunSpec,
  args: Args,
  { io, out }: Context,
  outDir: string,
): Promise<number> {
  const run = await runApi();
  const { BigramCounts } = await import('@makemore/models');
  if (spec.data.shards !== undefined)
    throw new CliError(
      '--shards: the bigram count table is fitted from text in memory; train a network on token shards (e.g. --model transformer)',
    );
  const { prepared: source } = await prepareForCli(spec, 'source', {
    dataDir: args.string('data-dir'),
    env: io.env,
    onProgress: (m) => out.notice(m),
  });
  const { tokenizer } = source;
  const sequences = splitSequences(source);
  const smoothing = source.spec.model.smoothing ?? 1;
  const model = new BigramCounts({ vocabSize: tokenizer.vocabSize, smoothing });
  const started = Date.now();
  model.fit(sequences.train ?? []);
  const losses = Object.fromEntries(
    Object.entries(sequences)
      .filter(([, v]) => v.length > 0)
      .map(([k, v]) => [k, model.nll(v)]),
  );
  const file: BigramFile = {
    format: 'makemore-bigram',
    version: 2,
    model: model.toJSON(),
    tokenizer: tokenizer.toJSON(),
    spec: source.spec,
  };
  await writeRunFile(outDir, source.spec);
  await writeFile(join(outDir, BIGRAM_FILE), JSON.stringify(file));
  const isWords = source.kind === 'words';
  const samples = await sampleFrom(model, tokenizer, {
    n: spec.sample.n,
    temperature: spec.sample.temperature,
    topK: spec.sample.topK,
    seed: spec.training.seed,
    maxTokens: spec.sample.maxTokens,
    prompt: spec.sample.prompt,
    words: isWords,
  });
  const recipe = spec.recipe ? run.RECIPES.find((r) => r.name === spec.recipe) : undefined;
  const comparison = recipe ? run.compareWithReference(recipe, losses) : undefined;
  out.json({
    type: 'start',
    spec: source.spec,
    splitSizes: source.splitSizes,
    dataset: source.datasetName,
    out: outDir,
  });
  out.json({ type: 'sample', step: 0, samples });
  out.json({ type: 'checkpoint', step: 0, slot: 'best', reason: 'end', dir: outDir });
  out.json({
    type: 'done',
    reason: 'completed',
    step: 0,
    losses,
    bestDevLoss: losses.dev ?? losses.val ?? null,
    stepsPerSec: 0,
    backend: 'none',
    wallTimeSec: (Date.now() - started) / 1000,
    out: outDir,
    ...(recipe ? { recipe: recipe.name, reference: recipe.reference, comparison } : {}),
  });
  out.info(
    `bigram counts (smoothing ${smoothing}) on ${source.datasetName}, fitted in ${Date.now() - started} ms`,
  );
  for (const line of table(
    ['split', 'loss', 'bits/token'],
    Object.entries(losses).map(([k, v]) => [k, v, v / Math.LN2]),
  ))
    out.line(line);
  out.line('');
  if (comparison) out.line(`${comparison}   recipe ${recipe?.name}: ${recipe?.source}`);
  if (source.splits.kind === 'words') {
    const w = source.splits.words;
    for (const line of formatGroups(
      groupSamples(samples, new Set(w.train), new Set([...(w.dev ?? []), ...(w.test ?? [])])),
    ))
      out.line(line);
  } else out.line(samples[0] ?? '');
  out.line('');
  out.line(`saved: ${join(outDir, BIGRAM_FILE)}   sample more: makemore sample --checkpoint ${outDir}`);
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
  if (file.version !== 2 || !file.spec) {
    throw new CliError(
      `${path} was written by an older makemore (no run spec); train it again with makemore train --model bigram`,
    );
  }
  const spec = file.spec;
  const kind = spec.data.kind === 'auto' ? 'text' : spec.data.kind;
  return {
    model,
    tokenizer,
    spec,
    /** Where the table's data came from, as `sample` and `eval` print it. */
    split: { dataset: spec.data.dataset, kind, seed: spec.data.split.seed },
    async data() {
      const { prepared: source } = await prepareForCli(spec, 'source', { ...options, tokenizer });
      return {
        sequences: splitSequences(source),
        words:
          source.splits.kind === 'words'
            ? {
                train: source.splits.words.train ?? [],
                dev: source.splits.words.dev ?? [],
                test: source.splits.words.test ?? [],
              }
            : undefined,
      };
    },
  };
}
