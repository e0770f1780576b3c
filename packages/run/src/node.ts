/**
 * `@makemore/run/node`: runs whose data is token shards on disk (`data.shards` of the run spec).
 *
 * A corpus larger than memory is encoded once by `makemore prepare` (`prepareTokenShards` of
 * @makemore/datasets/node) into shard files of token ids and an `index.json`. A run on it never loads the
 * text: the tokenizer is the one the index records, the split is the one the shards were cut with, and the
 * batches are random windows read from the files (`openTokenShards` of @makemore/trainer/node), so memory
 * is bounded by the batch. Everything else (model, optimizer, schedule, evaluation, sampling) is the same
 * `prepareRun` as for a dataset in memory.
 */
import { type Tokenizer, tokenizerFromJSON } from '@makemore/tokenizers';
import { openTokenShards, readTokenShardsIndex } from '@makemore/trainer/node';
import {
  completeSource,
  type PreparedRun,
  type PreparedSource,
  type PrepareOptions,
  prepareRunFrom,
  resolveForKind,
} from './prepare';
import { RunSpecError } from './resolve';
import type { RunSpec } from './spec';

/**
 * The source of a spec with `data.shards`: the shards' tokenizer (or `options.tokenizer`, a resumed run's
 * saved one, which must have the index's vocabulary size), the spec settled (blockSize, vocabSize, the
 * split's fractions) and batches that open the shard files. Nothing of the corpus is read but index.json.
 */
export function prepareShardSource(spec: RunSpec, options: PrepareOptions = {}): PreparedSource {
  const dir = spec.data.shards;
  if (dir === undefined) {
    throw new RunSpecError('data.shards', 'is not set; prepare a dataset in memory with prepareRun instead');
  }
  let index: ReturnType<typeof readTokenShardsIndex>;
  try {
    index = readTokenShardsIndex(dir);
  } catch (error) {
    throw new RunSpecError('data.shards', (error as Error).message);
  }
  let tokenizer: Tokenizer;
  if (options.tokenizer) tokenizer = options.tokenizer;
  else if (options.init) {
    // Weights know their own ids only: shards encoded with any other tokenizer would train them on noise.
    tokenizer = options.init.tokenizer;
    if (JSON.stringify(tokenizer.toJSON()) !== JSON.stringify(index.tokenizer)) {
      throw new RunSpecError(
        'data.shards',
        `the shards in ${dir} were encoded with another tokenizer than the weights of ${options.init.from}; encode the corpus with theirs (makemore prepare --tokenizer <its file>)`,
      );
    }
  } else if (index.tokenizer !== undefined) {
    try {
      tokenizer = tokenizerFromJSON(index.tokenizer as never);
    } catch (error) {
      throw new RunSpecError(
        'data.shards',
        `the tokenizer recorded in ${dir}/index.json cannot be read: ${(error as Error).message}`,
      );
    }
  } else {
    throw new RunSpecError(
      'data.shards',
      `${dir}/index.json records no tokenizer (it was prepared with one that has no toJSON); pass it as options.tokenizer`,
    );
  }
  if (tokenizer.vocabSize !== index.vocabSize) {
    throw new RunSpecError(
      'data.shards',
      `the tokenizer has ${tokenizer.vocabSize} ids but the shards in ${dir} were encoded with ${index.vocabSize}`,
    );
  }
  const resolved = resolveForKind(spec, 'text');
  const fraction = index.split?.fraction;
  if (typeof fraction === 'number' && fraction > 0 && fraction < 1) {
    // Rounded so that 0.9 records its rest as 0.1, not 0.09999999999999998.
    resolved.data.split.fractions = [fraction, Math.round((1 - fraction) * 1e12) / 1e12];
  }
  const tokens: Record<string, number> = {};
  for (const [name, shards] of Object.entries(index.splits))
    tokens[name] = shards.reduce((sum, s) => sum + s.tokens, 0);
  const source = completeSource(resolved, {
    kind: 'text',
    datasetName: dir,
    tokenizer,
    splits: { kind: 'shards', dir, tokens },
    splitSizes: tokens,
    longestWord: 0,
  });
  source.openData = (inputKind, blockSize) =>
    openTokenShards(dir, {
      inputKind,
      blockSize,
      info: { name: dir, split: source.spec.data.split },
    });
  return source;
}

/**
 * `prepareRun` for a spec with `data.shards`: the model, the batches read from the shard files, the
 * optimizer and the schedule. `dispose()` also closes the files.
 */
export function prepareShardRun(spec: RunSpec, options: PrepareOptions = {}): PreparedRun {
  return prepareRunFrom(prepareShardSource(spec, options), options);
}
