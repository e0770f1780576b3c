/**
 * `makemore export nanogpt` and `makemore export nanogpt-ckpt`: hand data and runs to nanoGPT, whose
 * `train.py` (with `torchrun` for many GPUs) takes over when one machine is not enough.
 *
 * - `export nanogpt` writes `data/<name>/` as nanoGPT's prepare.py scripts do: train.bin / val.bin (uint16
 *   ids), meta.pkl for character vocabularies, and a README with the commands. The split is the one
 *   `makemore train` uses for the dataset: the first 90% of a text / the last 10%, a seeded split of
 *   documents, or the seeded train/dev split of a word list (words one per line).
 * - `export nanogpt-ckpt` writes a `ckpt.pt` of a checkpoint folder for nanoGPT's sample.py and
 *   `train.py --init_from=resume`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { BACKEND_FLAGS, type Command } from '../command';
import { CliError, oneLine } from '../errors';
import { prepareForCli, resolveForCli, runApi, specInputFromArgs } from '../run-spec';
import { selectBackend } from '../session';
import { DATA_FLAGS, SPEC_SOURCE_FLAGS } from './train-flags';

const exportDataCommand: Command = {
  name: 'export nanogpt',
  summary: "Write a dataset as nanoGPT's train.bin / val.bin / meta.pkl",
  usage: 'export nanogpt --dataset <name|file> --out <dir> [options]',
  details:
    "The folder goes under nanoGPT's data/ and its name is the value of train.py's --dataset=. The split and the\n" +
    "tokenizer are the run spec's (--preset, --config and the data flags), the ones makemore train uses for it.",
  flags: [
    ...SPEC_SOURCE_FLAGS.filter((f) => f.name !== 'print-config'),
    ...DATA_FLAGS.filter((f) => f.name !== 'shards'),
    {
      name: 'out',
      type: 'string',
      placeholder: '<dir>',
      description: 'folder to write, e.g. data/shakespeare_char',
    },
    {
      name: 'seed',
      type: 'int',
      min: 0,
      placeholder: '<n>',
      description: "split seed (word and document datasets; default the spec's)",
    },
  ],
  examples: [
    [
      'export nanogpt --dataset shakespeare --out data/shakespeare_char',
      "tiny Shakespeare, characters, as nanoGPT's own prepare.py",
    ],
    [
      'export nanogpt --preset nanogpt-baby --out data/shakespeare_char',
      "a recipe's data, split as it trains",
    ],
    [
      'export nanogpt --dataset notes.txt --tokenizer bpe:4096 --out data/notes',
      'your text with a 4096-token BPE',
    ],
  ],
  async run(args, { io, out }) {
    const target = args.string('out');
    if (!args.has('dataset') && !args.has('preset') && !args.has('config'))
      throw new CliError(
        'missing --dataset <name|file> (e.g. --dataset shakespeare), or a --preset / --config whose data to export',
      );
    if (!target)
      throw new CliError('missing --out <dir>; nanoGPT reads data/<name>/, e.g. --out data/shakespeare_char');
    const models = await import('@makemore/models');
    const run = await runApi();
    // The run spec decides the split and the tokenizer, so the export holds exactly what makemore train
    // would train on for the same spec.
    const runSpec = await resolveForCli(await specInputFromArgs(args, io.env, io.cwd));
    if (runSpec.data.shards !== undefined)
      throw new CliError(
        'export nanogpt reads a dataset (--dataset); token shards are already encoded, and a uint16 shard file is laid out like a nanoGPT .bin',
      );
    const { prepared: source } = await prepareForCli(runSpec, 'source', {
      dataDir: args.string('data-dir'),
      env: io.env,
      onProgress: (m) => out.notice(m),
    });
    const { rule, fractions, seed } = source.spec.data.split;
    let train: string;
    let val: string;
    let split: string;
    if (source.splits.kind === 'words') {
      const w = source.splits.words;
      train = `${(w.train ?? []).join('\n')}\n`;
      val = `${(w.dev && w.dev.length > 0 ? w.dev : (w.test ?? [])).join('\n')}\n`;
      split = `the run spec's word split (rule ${rule}, seed ${seed}): train words / ${w.dev && w.dev.length > 0 ? 'dev' : 'test'} words, one per line`;
    } else if (source.splits.kind === 'text') {
      train = source.splits.text.train ?? '';
      val = source.splits.text.val ?? '';
      split = `the run spec's split (rule ${rule}${rule === 'documents' ? `, seed ${seed}` : ''}, ${fractions.join('/')}), as makemore train splits it`;
    } else throw new CliError('export nanogpt reads a dataset in memory, not token shards');
    const tokenizer = run.nanoGptTokenizer(source, train + val);
    const spec =
      runSpec.data.tokenizer.type === 'file'
        ? { kind: 'file' as const, path: runSpec.data.tokenizer.path }
        : { kind: runSpec.data.tokenizer.type };
    if (tokenizer.vocabSize > models.NANOGPT_MAX_VOCAB) {
      throw new CliError(
        `the tokenizer has ${tokenizer.vocabSize} ids, more than the 65,536 that nanoGPT's uint16 .bin files hold; use a smaller vocabulary`,
      );
    }
    const trainIds = tokenizer.encode(train);
    const valIds = tokenizer.encode(val);
    const json = (tokenizer as { toJSON(): { type: string; vocab?: string[] } }).toJSON();
    const isChar = json.type === 'char' && Array.isArray(json.vocab);
    const dir = resolve(io.cwd, target);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'train.bin'), models.encodeNanoGptBin(trainIds, tokenizer.vocabSize));
    await writeFile(join(dir, 'val.bin'), models.encodeNanoGptBin(valIds, tokenizer.vocabSize));
    if (isChar) await writeFile(join(dir, 'meta.pkl'), models.charMetaPickle(json.vocab as string[]));
    const info = {
      dataset: basename(dir),
      source: `${source.datasetName} (${source.kind === 'words' ? 'a word list' : source.kind})`,
      tokenizer: isChar
        ? 'characters'
        : spec.kind === 'file'
          ? `the tokenizer in ${basename(spec.path)}`
          : 'byte-level BPE',
      vocabSize: tokenizer.vocabSize,
      trainTokens: trainIds.length,
      valTokens: valIds.length,
      split,
      hasMeta: isChar,
      ...(!isChar && spec.kind !== 'file' ? { tokenizerFile: 'tokenizer.json' } : {}),
    };
    await writeFile(join(dir, 'README.md'), models.nanoGptReadme(info));
    if (!isChar && spec.kind !== 'file') {
      await writeFile(join(dir, 'tokenizer.json'), `${JSON.stringify(json)}\n`);
    }
    out.json({ type: 'export', format: 'nanogpt', dir, ...info });
    out.line(
      `wrote ${dir}: train.bin (${info.trainTokens} tokens), val.bin (${info.valTokens})${isChar ? ', meta.pkl' : ''}, README.md`,
    );
    out.line(
      `train: cd nanoGPT && python train.py --dataset=${info.dataset}  (folder at nanoGPT/data/${info.dataset})`,
    );
    return 0;
  },
};

const exportCkptCommand: Command = {
  name: 'export nanogpt-ckpt',
  summary: "Write a checkpoint as nanoGPT's ckpt.pt (sample.py, train.py --init_from=resume)",
  usage: 'export nanogpt-ckpt --checkpoint <dir> --out <ckpt.pt> [options]',
  details:
    "Needs a transformer with tied weights (nanoGPT's layout). The AdamW moments, step, learning rate and weight decay carry over; nanoGPT decays every matrix including the embeddings.",
  flags: [
    {
      name: 'checkpoint',
      type: 'string',
      placeholder: '<dir>',
      description: 'folder written by makemore train or import',
    },
    {
      name: 'out',
      type: 'string',
      placeholder: '<file>',
      description: 'the ckpt.pt to write (nanoGPT reads <out_dir>/ckpt.pt)',
    },
    {
      name: 'slot',
      type: 'string',
      choices: ['best', 'last'],
      default: 'last',
      description: 'which checkpoint of the folder',
    },
    {
      name: 'dataset-name',
      type: 'string',
      placeholder: '<name>',
      description: "nanoGPT's data/<name> the run belongs to (sample.py reads its meta.pkl)",
    },
    ...BACKEND_FLAGS,
  ],
  examples: [
    [
      'export nanogpt-ckpt --checkpoint runs/shakespeare --out out-shakespeare/ckpt.pt',
      'then python sample.py --out_dir=out-shakespeare',
    ],
  ],
  async run(args, { io, out }) {
    const dir = args.string('checkpoint');
    const target = args.string('out');
    if (!dir) throw new CliError('missing --checkpoint <dir>');
    if (!target)
      throw new CliError(
        "missing --out <file>, e.g. --out out-shakespeare/ckpt.pt (nanoGPT's --out_dir holds ckpt.pt)",
      );
    await selectBackend(args, out);
    const { openCheckpoint } = await import('../checkpoint');
    const models = await import('@makemore/models');
    const tf = await import('@tensorflow/tfjs-core');
    const snapshot = await openCheckpoint(
      resolve(io.cwd, dir),
      (args.string('slot') ?? 'last') as 'best' | 'last',
    );
    try {
      if (snapshot.model.type !== 'transformer') {
        throw new CliError(`nanoGPT holds GPT models only; ${dir} is a '${snapshot.model.type}' model`);
      }
      const weights = Object.fromEntries(
        Object.entries(snapshot.weights).map(([k, t]) => [
          k,
          { shape: t.shape, data: t.dataSync() as Float32Array },
        ]),
      );
      const opt = snapshot.optimizer;
      const trainer = snapshot.trainer as Record<string, unknown> & { nanogpt?: Record<string, unknown> };
      const c = opt.config as {
        type: string;
        lr: number;
        betas?: [number, number];
        eps?: number;
        weightDecay?: number;
      };
      const m = snapshot.model as Record<string, unknown>;
      const trainConfig: Record<string, unknown> = {
        ...{
          dataset: (snapshot.dataset?.name as string | undefined) ?? 'unknown',
          batch_size: trainer.batchSize,
          block_size: m.blockSize,
          n_layer: m.nLayer,
          n_head: m.nHead,
          n_embd: m.nEmbd,
          dropout: m.dropout ?? 0,
          bias: m.bias ?? true,
          learning_rate: c.lr,
          max_iters: trainer.steps,
          weight_decay: c.weightDecay ?? 0,
          beta1: c.betas?.[0] ?? 0.9,
          beta2: c.betas?.[1] ?? 0.999,
          eval_interval: trainer.evalEvery,
          eval_iters: typeof trainer.evalIters === 'number' ? trainer.evalIters : 200,
        },
        ...(trainer.nanogpt ?? {}),
      };
      const datasetName = args.string('dataset-name');
      if (datasetName) trainConfig.dataset = datasetName;
      const optimizer =
        c.type === 'adamw'
          ? {
              lr: c.lr,
              betas: c.betas ?? ([0.9, 0.999] as [number, number]),
              eps: c.eps ?? 1e-8,
              weightDecay: c.weightDecay ?? 0,
              step: opt.step,
              tensors: Object.fromEntries(
                Object.entries(opt.tensors).map(([k, t]) => [
                  k,
                  new models.TorchTensor('float32', t.shape, t.dataSync() as Float32Array),
                ]),
              ),
            }
          : undefined;
      let built: ReturnType<typeof models.buildNanoGptCheckpoint>;
      try {
        built = models.buildNanoGptCheckpoint({
          config: snapshot.model as Parameters<typeof models.buildNanoGptCheckpoint>[0]['config'],
          weights,
          iterNum: snapshot.step,
          bestValLoss: snapshot.bestDevLoss,
          ...(optimizer ? { optimizer } : {}),
          trainConfig,
        });
      } catch (error) {
        throw new CliError(`cannot export ${dir} to nanoGPT: ${oneLine(error)}`, { cause: error });
      }
      if (c.type !== 'adamw')
        built.warnings.push(`the run used ${c.type}, not AdamW: its optimizer state is not exported`);
      for (const w of built.warnings) out.notice(`makemore: note: ${w}`);
      const file = resolve(io.cwd, target);
      await mkdir(dirname(file), { recursive: true });
      const bytes = models.writeTorchCheckpoint(built.checkpoint, { archiveName: 'ckpt' });
      await writeFile(file, bytes);
      out.json({ type: 'export', format: 'nanogpt-ckpt', file, step: snapshot.step, bytes: bytes.length });
      out.line(`wrote ${file} (step ${snapshot.step}, dataset '${trainConfig.dataset}')`);
      out.line(`sample: cd nanoGPT && python sample.py --out_dir=${basename(dirname(file))}`);
      return 0;
    } finally {
      tf.dispose(Object.values(snapshot.weights));
      tf.dispose(Object.values(snapshot.optimizer?.tensors ?? {}));
    }
  },
};

/** The `export` commands. */
export const exportCommands: Command[] = [exportDataCommand, exportCkptCommand];
