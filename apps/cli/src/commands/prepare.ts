/**
 * `makemore prepare`: encode a corpus of any size into token shards on disk, in a streaming pass, for
 * training with memory bounded by the batch (`openTokenShards` of @makemore/trainer/node). Characters need
 * one extra streaming pass to find the alphabet; a BPE comes from a tokenizer file (train one on a sample
 * with `makemore tokenize train`).
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from '../command';
import { CliError, oneLine } from '../errors';

export const prepareCommand: Command = {
  name: 'prepare',
  summary: 'Encode a corpus of any size into token shards (uint16/uint32) with a JSON index',
  usage: 'prepare --dataset <file> --out <dir> [--tokenizer char|<file>]',
  details:
    'Reads the file in chunks, so memory stays small whatever its size; the split is the first 90% / the last 10%, cut between lines.',
  flags: [
    { name: 'dataset', type: 'string', placeholder: '<file>', description: 'the UTF-8 text file to encode' },
    {
      name: 'tokenizer',
      type: 'string',
      default: 'char',
      placeholder: '<char|file>',
      description: 'characters, or a tokenizer file (.json, .model, .tiktoken)',
    },
    {
      name: 'out',
      type: 'string',
      placeholder: '<dir>',
      description: 'folder for the shards and index.json',
    },
    {
      name: 'shard-tokens',
      type: 'int',
      min: 1,
      default: 100_000_000,
      placeholder: '<n>',
      description: 'token ids per shard file',
    },
  ],
  examples: [
    ['prepare --dataset corpus.txt --out shards/corpus', 'characters, two streaming passes'],
    [
      'prepare --dataset corpus.txt --tokenizer corpus-16k.json --out shards/corpus-bpe',
      'a BPE trained with makemore tokenize train',
    ],
  ],
  async run(args, { io, out }) {
    const dataset = args.string('dataset');
    const target = args.string('out');
    if (!dataset) throw new CliError('missing --dataset <file>: the text file to encode');
    if (!target) throw new CliError('missing --out <dir> for the shards');
    const input = resolve(io.cwd, dataset);
    if (!existsSync(input) || !statSync(input).isFile()) throw new CliError(`not a file: ${input}`);
    const spec = args.string('tokenizer') ?? 'char';
    const tk = await import('@makemore/tokenizers/node');
    const ds = await import('@makemore/datasets/node');
    let tokenizer: Awaited<ReturnType<typeof tk.loadTokenizerFile>>;
    if (spec === 'char') {
      out.notice(`reading ${dataset} for its characters…`);
      const chars = await ds.collectCharacters(input).catch((error: unknown) => {
        throw new CliError(`cannot read ${input}: ${oneLine(error)}`, { cause: error });
      });
      tokenizer = tk.CharTokenizer.fromJSON({
        type: 'char',
        version: 1,
        vocab: chars,
        specialTokens: [],
        unknown: 'error',
        vocabSize: chars.length,
      });
    } else if (/^bpe(:\d+)?$/.test(spec)) {
      throw new CliError(
        `--tokenizer ${spec}: train a BPE on a sample first (makemore tokenize train --dataset <sample> --vocab-size <n> --out tok.json), then pass --tokenizer tok.json`,
      );
    } else {
      try {
        tokenizer = await tk.loadTokenizerFile(resolve(io.cwd, spec));
      } catch (error) {
        throw new CliError(`cannot load tokenizer ${spec}: ${oneLine(error)}`, { cause: error });
      }
    }
    const dir = resolve(io.cwd, target);
    const started = Date.now();
    const progress = out.progress('encoding', statSync(input).size, { unit: 'B' });
    let index: Awaited<ReturnType<typeof ds.prepareTokenShards>>;
    try {
      index = await ds.prepareTokenShards({
        input,
        outDir: dir,
        tokenizer,
        shardTokens: args.number('shard-tokens') ?? 100_000_000,
        onProgress: (done) => progress.update(done),
      });
    } catch (error) {
      throw new CliError(`cannot prepare ${dataset}: ${oneLine(error)}`, { cause: error });
    } finally {
      progress.stop();
    }
    const count = (split: 'train' | 'val') => index.splits[split].reduce((s, x) => s + x.tokens, 0);
    const seconds = (Date.now() - started) / 1000;
    out.json({
      type: 'prepare',
      dir,
      dtype: index.dtype,
      vocabSize: index.vocabSize,
      train: count('train'),
      val: count('val'),
      seconds,
    });
    out.line(
      `wrote ${dir}: ${index.splits.train.length} train and ${index.splits.val.length} val shards, ${count('train').toLocaleString('en-US')} + ${count('val').toLocaleString('en-US')} ${index.dtype} tokens (vocab ${index.vocabSize}) in ${seconds.toFixed(1)} s`,
    );
    return 0;
  },
};
