/**
 * `makemore import nanogpt <ckpt.pt>`: bring a nanoGPT run back. Reads nanoGPT's `ckpt.pt` directly (no
 * Python: the zip container and a restricted unpickler that runs no code) and writes a checkpoint folder
 * that `makemore sample` and `makemore eval` open. The character vocabulary comes from the dataset's
 * `meta.pkl`, found next to the run as nanoGPT lays it out (`<root>/out/ckpt.pt`, `<root>/data/<dataset>/meta.pkl`)
 * or given with --meta; a GPT-2 BPE run needs --tokenizer with the encoding's file.
 *
 * `makemore import hf-gpt2 <model.safetensors>`: Hugging Face GPT-2 weights (gpt2 … gpt2-xl layouts) with
 * GPT-2's tokenizer (the bundled r50k_base unless --tokenizer names another), into the same kind of folder.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { BACKEND_FLAGS, type Command } from '../command';
import { CliError, oneLine } from '../errors';
import { createNetwork, selectBackend } from '../session';

const importNanoGptCommand: Command = {
  name: 'import nanogpt',
  summary: "Read nanoGPT's ckpt.pt into a checkpoint folder",
  usage: 'import nanogpt <ckpt.pt> --out <dir> [--meta <meta.pkl> | --tokenizer <file>]',
  details:
    "The model becomes a transformer with tied weights, exact GELU and GPT-2 init (nanoGPT's GPT); the AdamW state, iter_num, best_val_loss and train.py's config come along.",
  flags: [
    { name: 'out', type: 'string', placeholder: '<dir>', description: 'checkpoint folder to write' },
    {
      name: 'meta',
      type: 'string',
      placeholder: '<meta.pkl>',
      description:
        "the dataset's character vocabulary [default: ../data/<dataset>/meta.pkl next to the ckpt]",
    },
    {
      name: 'tokenizer',
      type: 'string',
      placeholder: '<file>',
      description: 'a tokenizer file instead of meta.pkl (BPE runs)',
    },
    ...BACKEND_FLAGS,
  ],
  examples: [
    [
      'import nanogpt nanoGPT/out-shakespeare-char/ckpt.pt --out runs/shakespeare',
      'then makemore sample --checkpoint runs/shakespeare',
    ],
  ],
  async run(args, { io, out }) {
    const [path, extra] = args.positionals;
    if (!path)
      throw new CliError(
        "missing the ckpt.pt to read (e.g. 'makemore import nanogpt out/ckpt.pt --out runs/x')",
      );
    if (extra !== undefined) throw new CliError(`unexpected argument '${extra}'; give one ckpt.pt`);
    const target = args.string('out');
    if (!target) throw new CliError('missing --out <dir> for the checkpoint folder');
    const file = resolve(io.cwd, path);
    if (!existsSync(file)) throw new CliError(`checkpoint not found: ${file}`);
    const models = await import('@makemore/models');
    let ckpt: ReturnType<typeof models.parseNanoGptCheckpoint>;
    try {
      ckpt = models.parseNanoGptCheckpoint(models.readTorchCheckpoint(new Uint8Array(await readFile(file))));
    } catch (error) {
      throw new CliError(`cannot import ${path}: ${oneLine(error)}`, { cause: error });
    }
    const tokenizer = await tokenizerFor(ckpt, file, args.string('meta'), args.string('tokenizer'), io.cwd);
    if (tokenizer.vocabSize > ckpt.config.vocabSize) {
      throw new CliError(
        `the tokenizer has ${tokenizer.vocabSize} ids but the model only ${ckpt.config.vocabSize}; is it the run's vocabulary?`,
      );
    }
    await selectBackend(args, out);
    const tf = await import('@tensorflow/tfjs-core');
    const { Checkpointer } = await import('@makemore/trainer/node');
    const { Rng } = await import('@makemore/random');
    const weights = Object.fromEntries(
      Object.entries(ckpt.weights).map(([k, t]) => [k, tf.tensor(t.data, [...t.shape], 'float32')]),
    );
    const optTensors = Object.fromEntries(
      Object.entries(ckpt.optimizer?.tensors ?? {}).map(([k, t]) => [
        k,
        tf.tensor(t.data, [...t.shape], 'float32'),
      ]),
    );
    try {
      // Load once into the model so a mismatch is reported here, not later by sample.
      const model = await createNetwork(ckpt.config);
      try {
        model.loadStateDict(weights);
      } catch (error) {
        throw new CliError(`${path} does not fit nanoGPT's GPT layout: ${oneLine(error)}`, { cause: error });
      } finally {
        model.dispose();
      }
      const tc = ckpt.trainConfig;
      const num = (key: string, fallback: number) =>
        typeof tc[key] === 'number' ? (tc[key] as number) : fallback;
      const seed = num('seed', 1337);
      const o = ckpt.optimizer;
      // train.py's config as a run spec, so `makemore train --resume` continues with nanoGPT's optimisation.
      const { specFromNanoGpt } = await import('@makemore/run');
      let runSpec: import('@makemore/run').RunSpec;
      try {
        runSpec = specFromNanoGpt(tc, ckpt.config);
      } catch (error) {
        throw new CliError(`${path}: its train.py config does not make a run spec: ${oneLine(error)}`, {
          cause: error,
        });
      }
      const snapshot = {
        model: ckpt.config,
        tokenizer: tokenizer.toJSON(),
        dataset: { kind: 'text', name: String(tc.dataset ?? 'unknown'), source: 'nanoGPT' },
        trainer: {
          steps: num('max_iters', ckpt.iterNum),
          batchSize: num('batch_size', 12),
          seed,
          evalEvery: num('eval_interval', 250),
          evalIters: num('eval_iters', 200),
          ...(typeof tc.grad_clip === 'number' && tc.grad_clip > 0 ? { gradClip: tc.grad_clip } : {}),
          nanogpt: tc,
          run: runSpec,
        },
        step: ckpt.iterNum,
        bestDevLoss: ckpt.bestValLoss,
        rngState: new Rng(seed).state,
        weights,
        optimizer: {
          config: o
            ? {
                type: 'adamw' as const,
                lr: o.lr,
                betas: o.betas,
                eps: o.eps,
                weightDecay: o.weightDecay,
                decayed: o.decayed,
              }
            : {
                type: 'adamw' as const,
                lr: num('learning_rate', 6e-4),
                betas: [num('beta1', 0.9), num('beta2', 0.95)],
                eps: 1e-8,
                weightDecay: num('weight_decay', 0.1),
              },
          step: o?.step ?? 0,
          tensors: optTensors,
        },
      };
      const dir = resolve(io.cwd, target);
      const checkpointer = new Checkpointer(dir);
      await checkpointer.save(snapshot, 'last');
      await checkpointer.save(snapshot, 'best');
      const { writeRunFile } = await import('../run-folder');
      await writeRunFile(dir, runSpec);
      const params = Object.values(ckpt.weights).reduce((s, t) => s + t.data.length, 0);
      out.json({ type: 'import', format: 'nanogpt', dir, step: ckpt.iterNum, params, config: ckpt.config });
      out.line(
        `wrote ${dir}: transformer ${ckpt.config.nLayer} layers × ${ckpt.config.nEmbd} (${params.toLocaleString('en-US')} params), step ${ckpt.iterNum}${o ? ', with AdamW state' : ''}`,
      );
      out.line(`sample: makemore sample --checkpoint ${target}`);
      return 0;
    } finally {
      tf.dispose([...Object.values(weights), ...Object.values(optTensors)]);
    }
  },
};

const importHfGpt2Command: Command = {
  name: 'import hf-gpt2',
  summary: 'Read Hugging Face GPT-2 safetensors (gpt2 … gpt2-xl) into a checkpoint folder',
  usage: 'import hf-gpt2 <model.safetensors> --out <dir> [--tokenizer <file>] [--config <config.json>]',
  details:
    "Conv1D weights are transposed into our Linear layout, the tied lm_head is shared, the attention mask buffers dropped. config.json next to the file is read when present (n_head; OpenAI's four sizes need none).",
  flags: [
    { name: 'out', type: 'string', placeholder: '<dir>', description: 'checkpoint folder to write' },
    {
      name: 'tokenizer',
      type: 'string',
      placeholder: '<file>',
      description: "the model's tokenizer file [default: GPT-2's r50k_base, bundled]",
    },
    {
      name: 'config',
      type: 'string',
      placeholder: '<config.json>',
      description: "the model's Hugging Face config [default: next to the file]",
    },
    ...BACKEND_FLAGS,
  ],
  examples: [
    ['import hf-gpt2 gpt2/model.safetensors --out runs/gpt2', 'then makemore sample --checkpoint runs/gpt2'],
  ],
  async run(args, { io, out }) {
    const [path, extra] = args.positionals;
    if (!path)
      throw new CliError(
        "missing the model.safetensors to read (e.g. 'makemore import hf-gpt2 gpt2/model.safetensors --out runs/gpt2')",
      );
    if (extra !== undefined) throw new CliError(`unexpected argument '${extra}'; give one .safetensors file`);
    const target = args.string('out');
    if (!target) throw new CliError('missing --out <dir> for the checkpoint folder');
    const tokenizerFile = args.string('tokenizer');
    const file = resolve(io.cwd, path);
    if (!existsSync(file)) throw new CliError(`weights not found: ${file}`);
    const configPath = args.string('config')
      ? resolve(io.cwd, args.string('config') as string)
      : join(dirname(file), 'config.json');
    let hfConfig = {};
    if (existsSync(configPath)) {
      try {
        hfConfig = JSON.parse(await readFile(configPath, 'utf8'));
      } catch (error) {
        throw new CliError(`cannot read ${configPath}: ${oneLine(error)}`, { cause: error });
      }
    } else if (args.string('config')) {
      throw new CliError(`config not found: ${configPath}`);
    }
    const models = await import('@makemore/models');
    let converted: ReturnType<typeof models.hfGpt2ToTransformer>;
    try {
      converted = models.hfGpt2FromSafetensors(new Uint8Array(await readFile(file)), hfConfig);
    } catch (error) {
      throw new CliError(`cannot import ${path}: ${oneLine(error)}`, { cause: error });
    }
    let tokenizer: SavedTokenizer;
    if (tokenizerFile === undefined) {
      // GPT-2's own encoding, bundled with @makemore/tokenizers.
      tokenizer = await (await import('@makemore/tokenizers')).getEncoding('r50k_base');
    } else {
      const tk = await import('@makemore/tokenizers/node');
      try {
        tokenizer = await tk.loadTokenizerFile(resolve(io.cwd, tokenizerFile));
      } catch (error) {
        throw new CliError(`cannot load tokenizer ${tokenizerFile}: ${oneLine(error)}`, { cause: error });
      }
    }
    if (tokenizer.vocabSize > converted.config.vocabSize) {
      throw new CliError(
        `the tokenizer${tokenizerFile === undefined ? " (GPT-2's r50k_base, the default)" : ''} has ${tokenizer.vocabSize} ids but the model only ${converted.config.vocabSize}${tokenizerFile === undefined ? '; pass the tokenizer the model was trained with, --tokenizer <file>' : ''}`,
      );
    }
    await selectBackend(args, out);
    const tf = await import('@tensorflow/tfjs-core');
    const { Checkpointer } = await import('@makemore/trainer/node');
    const { Rng } = await import('@makemore/random');
    const weights = Object.fromEntries(
      Object.entries(converted.weights).map(([k, t]) => [k, tf.tensor(t.data, t.shape, 'float32')]),
    );
    try {
      const model = await createNetwork(converted.config);
      try {
        model.loadStateDict(weights);
      } catch (error) {
        throw new CliError(`${path} does not fit GPT-2's layout: ${oneLine(error)}`, { cause: error });
      } finally {
        model.dispose();
      }
      const snapshot = {
        model: converted.config,
        tokenizer: tokenizer.toJSON(),
        dataset: { kind: 'text', name: 'unknown', source: 'Hugging Face GPT-2' },
        trainer: { steps: 0, batchSize: 8, seed: 1337, evalEvery: 250, evalIters: 200 },
        step: 0,
        bestDevLoss: null,
        rngState: new Rng(1337).state,
        weights,
        optimizer: {
          config: { type: 'adamw' as const, lr: 3e-5, betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0.1 },
          step: 0,
          tensors: {},
        },
      };
      const dir = resolve(io.cwd, target);
      const checkpointer = new Checkpointer(dir);
      await checkpointer.save(snapshot, 'last');
      await checkpointer.save(snapshot, 'best');
      const c = converted.config;
      const params = Object.values(converted.weights).reduce((s, t) => s + t.data.length, 0);
      out.json({ type: 'import', format: 'hf-gpt2', dir, params, config: c });
      out.line(
        `wrote ${dir}: GPT-2 ${c.nLayer} layers × ${c.nEmbd}, ${c.nHead} heads (${params.toLocaleString('en-US')} params)`,
      );
      out.line(`sample: makemore sample --checkpoint ${target}`);
      return 0;
    } finally {
      tf.dispose(Object.values(weights));
    }
  },
};

interface SavedTokenizer {
  vocabSize: number;
  toJSON(): unknown;
}

/** The run's tokenizer: --tokenizer, --meta, or meta.pkl where nanoGPT keeps it. */
async function tokenizerFor(
  ckpt: { config: { vocabSize: number }; trainConfig: Record<string, unknown> },
  ckptFile: string,
  metaFlag: string | undefined,
  tokenizerFlag: string | undefined,
  cwd: string,
): Promise<SavedTokenizer> {
  const tk = await import('@makemore/tokenizers/node');
  if (tokenizerFlag) {
    try {
      return await tk.loadTokenizerFile(resolve(cwd, tokenizerFlag));
    } catch (error) {
      throw new CliError(`cannot load tokenizer ${tokenizerFlag}: ${oneLine(error)}`, { cause: error });
    }
  }
  const dataset = typeof ckpt.trainConfig.dataset === 'string' ? ckpt.trainConfig.dataset : undefined;
  const guess = dataset ? join(dirname(dirname(ckptFile)), 'data', dataset, 'meta.pkl') : undefined;
  const metaPath = metaFlag ? resolve(cwd, metaFlag) : guess;
  if (!metaPath || !existsSync(metaPath)) {
    const where = metaFlag ? `${metaPath} does not exist` : `no meta.pkl at ${guess ?? '../data/<dataset>/'}`;
    throw new CliError(
      `${where}: pass --meta <data/${dataset ?? '<dataset>'}/meta.pkl> for a character run, or --tokenizer <file> for a BPE run (vocab_size ${ckpt.config.vocabSize})`,
    );
  }
  const models = await import('@makemore/models');
  let meta: unknown;
  try {
    meta = models.unpickle(new Uint8Array(await readFile(metaPath)));
  } catch (error) {
    throw new CliError(`cannot read ${metaPath}: ${oneLine(error)}`, { cause: error });
  }
  const itos = (meta as { itos?: unknown }).itos;
  if (!(itos instanceof Map) || ![...itos.entries()].every(([i, s], n) => i === n && typeof s === 'string')) {
    throw new CliError(
      `${metaPath} has no character vocabulary (itos: {0: char, 1: char, ...}); is it a BPE dataset? use --tokenizer`,
    );
  }
  const vocab = [...itos.values()] as string[];
  try {
    return tk.CharTokenizer.fromJSON({
      type: 'char',
      version: 1,
      vocab,
      specialTokens: [],
      unknown: 'error',
      vocabSize: vocab.length,
    });
  } catch (error) {
    throw new CliError(`${metaPath}: the vocabulary is not usable: ${oneLine(error)}`, { cause: error });
  }
}

/** The `import` commands. */
export const importCommands: Command[] = [importNanoGptCommand, importHfGpt2Command];
