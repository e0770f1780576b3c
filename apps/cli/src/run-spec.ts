/**
 * The CLI's side of the run spec: flags, `--preset` and `--config` become a `RunSpecInput`, and a spec
 * becomes a loaded dataset and tokenizer. The spec's rules (defaults, checks, what a resume may change)
 * live in @makemore/run; this file only adapts the command line to them and words its errors as flags.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Dataset } from '@makemore/datasets';
import type { PreparedRun, PreparedSource, RunSpec, RunSpecInput, RunTokenizer } from '@makemore/run';
import type { Args } from './args';
import { loadForCli } from './commands/datasets';
import { FLAG_FIELDS, flagOfField } from './commands/train-flags';
import { CliError, oneLine } from './errors';
import { runFitsError } from './run-safety';

/** The @makemore/run module, loaded lazily (it brings TensorFlow.js). */
export const runApi = () => import('@makemore/run');

/** Parses `--tokenizer char|bpe[:<vocab>]|<file>` into the spec's tokenizer. */
export function tokenizerField(value: string, cwd: string): RunSpec['data']['tokenizer'] {
  if (value === 'char') return { type: 'char' };
  const bpe = /^bpe(?::(\d+))?$/.exec(value);
  if (bpe) {
    const vocabSize = bpe[1] === undefined ? 512 : Number(bpe[1]);
    if (vocabSize < 256)
      throw new CliError(`--tokenizer bpe:${vocabSize}: a byte-level BPE needs a vocab of at least 256`);
    return { type: 'bpe', vocabSize, pattern: 'gpt4' };
  }
  if (/^(chr|cahr|bep|bpe:.*)$/.test(value) || !/[/\\.]/.test(value)) {
    throw new CliError(
      `unknown value '${value}' for --tokenizer; use char, bpe, bpe:<vocab> (e.g. bpe:1024) or a path to a tokenizer .json`,
    );
  }
  return { type: 'file', path: resolve(cwd, value) };
}

/** A dataset as the spec records it: built-in names as they are, files by absolute path. */
export function datasetField(given: string, cwd: string): string {
  return /[/\\]|\.txt$|^\.\.?$|^~/.test(given) ? resolve(cwd, given) : given;
}

function set(spec: Record<string, unknown>, field: string, value: unknown): void {
  const parts = field.split('.');
  let node = spec;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

/**
 * The spec fields the user set with flags, and nothing else (flags left out leave the field to the
 * recipe, the config file or the defaults).
 */
export function specFromFlags(args: Args, cwd: string, base: RunSpecInput): RunSpecInput {
  const spec: Record<string, unknown> = {};
  for (const [flag, { field, to }] of Object.entries(FLAG_FIELDS)) {
    if (!args.has(flag)) continue;
    const raw = args.parsed.flags[flag] as string | number | boolean;
    set(spec, field, to ? to(raw) : raw);
  }
  if (args.has('shards')) {
    for (const other of ['dataset', 'tokenizer', 'split'])
      if (args.has(other))
        throw new CliError(
          `--shards and --${other} do not go together: token shards are a corpus already split and encoded by makemore prepare`,
        );
    set(spec, 'data.shards', resolve(cwd, args.string('shards') as string));
  }
  if (args.has('dataset')) set(spec, 'data.dataset', datasetField(args.string('dataset') as string, cwd));
  if (args.has('tokenizer'))
    set(spec, 'data.tokenizer', tokenizerField(args.string('tokenizer') as string, cwd));
  if (args.has('seed')) {
    const seed = args.number('seed') as number;
    set(spec, 'training.seed', seed);
    // One --seed decides the batches, the init and the split, unless those were given their own.
    set(spec, 'model.seed', seed);
    if (!args.has('split-seed')) set(spec, 'data.split.seed', seed);
  }
  if (args.has('beta1') || args.has('beta2')) {
    const current = (base.optimizer?.betas as number[] | undefined) ?? [0.9, 0.999];
    set(spec, 'optimizer.betas', [args.number('beta1') ?? current[0], args.number('beta2') ?? current[1]]);
  }
  return spec as RunSpecInput;
}

/** Reads a `--config` file: a run spec, whole or partial, as JSON. */
export function readSpecFile(path: string): RunSpecInput {
  if (!existsSync(path)) throw new CliError(`--config: no such file ${path}`);
  if (!statSync(path).isFile()) throw new CliError(`--config: ${path} is not a file; pass a run spec .json`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(`--config: ${path} is not valid JSON: ${oneLine(error)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`--config: ${path} must hold a JSON object (a run spec)`);
  }
  return parsed as RunSpecInput;
}

/** Rewords a RunSpecError as a CLI error that names the flag too. */
export async function specError(error: unknown, where = 'run spec'): Promise<never> {
  const { RunSpecError } = await runApi();
  if (error instanceof RunSpecError) {
    const flag = flagOfField(error.field.replace(/\[\d+\]$/, ''));
    throw new CliError(`${where}: ${error.message}${flag ? ` (set with ${flag})` : ''}`, { cause: error });
  }
  throw error;
}

/**
 * The spec a fresh `train` (or `lr-find`, `sweep`) asks for: the recipe named by `--preset` (or, with no
 * `--preset`, `--config` or `--model`, the default recipe), then `--config`, then the flags, with
 * `MAKEMORE_STEPS` standing in for a `--steps` the user left out.
 */
export async function specInputFromArgs(
  args: Args,
  env: Record<string, string | undefined>,
  cwd: string,
): Promise<RunSpecInput> {
  const run = await runApi();
  let base: RunSpecInput = {};
  const preset = args.string('preset');
  if (preset !== undefined) {
    try {
      base = { ...run.getRecipe(preset).spec, recipe: preset } as RunSpecInput;
    } catch (error) {
      throw new CliError(`--preset: ${oneLine(error)}`);
    }
  } else if (!args.has('config') && !args.has('model') && !args.has('init-from')) {
    // (Trained weights bring their own model: the default recipe's MLP would contradict them.)
    base = { ...run.getRecipe(run.DEFAULT_RECIPE).spec, recipe: run.DEFAULT_RECIPE } as RunSpecInput;
  }
  const config = args.string('config');
  if (config !== undefined) base = run.mergeSpec(base, readSpecFile(resolve(cwd, config)));
  const flags = specFromFlags(args, cwd, base);
  // A recipe's identity stays only while its model, data and optimisation are what it says.
  const merged = run.mergeSpec(base, flags);
  // Another dataset may be of another kind: its split follows it unless the flags give one.
  if (
    flags.data?.dataset !== undefined &&
    flags.data.dataset !== base.data?.dataset &&
    !flags.data.split?.rule
  ) {
    const { rule: _r, fractions: _f, ...rest } = merged.data?.split ?? {};
    merged.data = { ...merged.data, split: rest };
  }
  // Token shards bring their own data, split and tokenizer: a recipe's give way to them.
  if (flags.data?.shards !== undefined) {
    merged.data = {
      shards: flags.data.shards,
      ...(merged.data?.split?.seed !== undefined ? { split: { seed: merged.data.split.seed } } : {}),
    };
  }
  if (
    merged.recipe &&
    (flags.model?.type !== undefined || flags.data?.dataset !== undefined || flags.data?.shards !== undefined)
  )
    delete merged.recipe;
  const envSteps = env.MAKEMORE_STEPS;
  if (!args.has('steps') && envSteps !== undefined && envSteps !== '') {
    const n = Number(envSteps);
    if (!Number.isInteger(n) || n < 1)
      throw new CliError(`MAKEMORE_STEPS must be a whole number >= 1, got '${envSteps}'`);
    merged.training = { ...merged.training, steps: n };
    // Positions that follow the step count in the recipe follow the new count.
    if (merged.schedule?.milestones && !flags.schedule?.milestones) delete merged.schedule.milestones;
    if (merged.schedule?.decaySteps && !flags.schedule?.decaySteps) delete merged.schedule.decaySteps;
  }
  if (args.has('steps') && !flags.schedule?.milestones && !flags.schedule?.decaySteps && merged.schedule) {
    // A fresh run with a new step count keeps its schedule's shape (decay at the same fraction of the run).
    const baseSteps = base.training?.steps;
    const steps = flags.training?.steps as number;
    if (baseSteps && merged.schedule.milestones) {
      merged.schedule.milestones = merged.schedule.milestones.map((m) =>
        Math.max(1, Math.round(((m as number) * steps) / baseSteps)),
      );
    }
    if (baseSteps && merged.schedule.decaySteps) {
      merged.schedule.decaySteps = Math.max(
        1,
        Math.round(((merged.schedule.decaySteps as number) * steps) / baseSteps),
      );
      // A warmup that no longer fits before the end of the decay shrinks with it (one given by a flag stays).
      const warmup = merged.schedule.warmup as number | undefined;
      if (warmup !== undefined && !flags.schedule?.warmup && warmup >= merged.schedule.decaySteps) {
        merged.schedule.warmup = Math.min(
          merged.schedule.decaySteps - 1,
          Math.round((warmup * steps) / baseSteps),
        );
      }
    }
  }
  return merged;
}

/** Resolves a spec input, with flag-worded errors. */
export async function resolveForCli(input: RunSpecInput): Promise<RunSpec> {
  const run = await runApi();
  try {
    return run.resolveRunSpec(input);
  } catch (error) {
    return specError(error);
  }
}

/**
 * A spec's data as the CLI finds it: a dataset loaded into memory (from `--data-dir`, `MAKEMORE_DATA_DIR`,
 * the cache or a download), or token shards (`data.shards`), which stay on disk.
 */
export type CliData =
  | { kind: 'dataset'; name: string; dataset: Dataset }
  | { kind: 'shards'; name: string; dir: string };

/** Options for {@link loadDataForCli} and {@link prepareForCli}. */
export interface CliDataOptions {
  dataDir?: string | undefined;
  env: Record<string, string | undefined>;
}

/** Finds a spec's data: loads its dataset, or checks that its shard folder is there. */
export async function loadDataForCli(spec: RunSpec, options: CliDataOptions): Promise<CliData> {
  const dir = spec.data.shards;
  if (dir !== undefined) {
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new CliError(
        `--shards: no such folder ${dir}; make one with makemore prepare --dataset <file> --out ${dir}`,
      );
    return { kind: 'shards', name: dir, dir };
  }
  const dataset = await loadForCli(spec.data.dataset, {
    dataDir: options.dataDir,
    env: options.env,
    download: true,
  });
  return { kind: 'dataset', name: dataset.name, dataset };
}

/** Options for {@link prepareForCli}. */
export interface PrepareForCliOptions extends CliDataOptions {
  /** The data, when the caller has found it already (a sweep prepares many points on one dataset). */
  data?: CliData;
  /** A tokenizer to use instead of the spec's (a resumed run's saved one). */
  tokenizer?: RunTokenizer;
  /** The trained weights a spec with `initFrom` starts from (`--init-from`), loaded on the active backend. */
  init?: import('@makemore/run').InitSource;
  /** Where progress lines go (training a BPE). */
  onProgress?: (message: string) => void;
  /** Memory limits the model and batch must fit (see `memoryLimits`). */
  memory?: import('@makemore/models').MemoryLimits;
  /** What errors other than a spec's begin with (default: `cannot build the <type> model`). */
  failure?: string;
  /** What a spec error begins with (default: `run spec`). */
  where?: string;
}

/** What {@link prepareForCli} returns: the prepared source or run, and the data it came from. */
export interface CliPrepared<T> {
  prepared: T;
  data: CliData;
}

/**
 * The one way the CLI's commands turn a resolved spec into a prepared source (`'source'`: tokenizer and
 * splits, for the bigram table and exports) or run (`'run'`: model, batches, optimizer, for train, lr-find
 * and sweep): it finds the data, loads a `{ type: 'file' }` tokenizer, calls @makemore/run's
 * `prepareSource` / `prepareRun` (or `@makemore/run/node`'s shard versions for `data.shards`), and words
 * every failure as a one-line CLI error that names the flag to change.
 */
export async function prepareForCli(
  spec: RunSpec,
  what: 'source',
  options: PrepareForCliOptions,
): Promise<CliPrepared<PreparedSource>>;
export async function prepareForCli(
  spec: RunSpec,
  what: 'run',
  options: PrepareForCliOptions,
): Promise<CliPrepared<PreparedRun>>;
export async function prepareForCli(
  spec: RunSpec,
  what: 'source' | 'run',
  options: PrepareForCliOptions,
): Promise<CliPrepared<PreparedSource | PreparedRun>> {
  const run = await runApi();
  const data = options.data ?? (await loadDataForCli(spec, options));
  // A shard folder's tokenizer is the one its index.json records, read by the shard preparation itself.
  const tokenizer = options.tokenizer ?? (data.kind === 'shards' ? undefined : await tokenizerFileOf(spec));
  const prepareOptions = {
    ...(tokenizer ? { tokenizer } : {}),
    ...(options.init ? { init: options.init } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.memory ? { memory: options.memory } : {}),
  };
  try {
    if (data.kind === 'shards') {
      const node = await import('@makemore/run/node');
      const prepared =
        what === 'run'
          ? node.prepareShardRun(spec, prepareOptions)
          : node.prepareShardSource(spec, prepareOptions);
      return { prepared, data };
    }
    const prepared =
      what === 'run'
        ? run.prepareRun(spec, data.dataset, prepareOptions)
        : run.prepareSource(spec, data.dataset, prepareOptions);
    return { prepared, data };
  } catch (error) {
    if (error instanceof run.RunSpecError) return specError(error, options.where);
    const tooBig = await runFitsError(error);
    if (tooBig) throw tooBig;
    if (error instanceof CliError) throw error;
    const prefix = options.failure ?? `cannot build the ${spec.model.type} model`;
    throw new CliError(`${prefix}: ${oneLine(error)}`, { cause: error });
  }
}

/**
 * A stretch of the held-out text, for characters per token (bits per character): the end of the dataset,
 * or the text of the first ids of the val shard.
 */
export async function probeText(prepared: PreparedSource, data: CliData): Promise<string> {
  if (data.kind === 'dataset') return data.dataset.text.slice(-100_000);
  const splits = prepared.splits;
  if (splits.kind !== 'shards') return '';
  const { readTokenShardsIndex } = await import('@makemore/trainer/node');
  const index = readTokenShardsIndex(splits.dir);
  const first = index.splits.val?.[0] ?? index.splits.train?.[0];
  if (!first) return '';
  const width = index.dtype === 'uint32' ? 4 : 2;
  const { open } = await import('node:fs/promises');
  const file = await open(join(splits.dir, first.file), 'r');
  try {
    const count = Math.min(first.tokens, 50_000);
    const buf = Buffer.alloc(count * width);
    await file.read(buf, 0, buf.length, 0);
    const ids = Array.from({ length: count }, (_, i) =>
      width === 2 ? buf.readUInt16LE(2 * i) : buf.readUInt32LE(4 * i),
    );
    return prepared.tokenizer.decode(ids);
  } finally {
    await file.close();
  }
}

/** Loads a spec's dataset, from `--data-dir`, `MAKEMORE_DATA_DIR`, the cache or a download. */
export function loadSpecDataset(
  spec: RunSpec,
  options: { dataDir?: string; env: Record<string, string | undefined> },
): Promise<Dataset> {
  return loadForCli(spec.data.dataset, { dataDir: options.dataDir, env: options.env, download: true });
}

/** The tokenizer file a `{ type: 'file' }` spec names, loaded (other kinds are built by prepareRun). */
export async function tokenizerFileOf(spec: RunSpec): Promise<RunTokenizer | undefined> {
  const tok = spec.data.tokenizer;
  if (tok.type !== 'file') return undefined;
  const tk = await import('@makemore/tokenizers/node');
  try {
    return (await tk.loadTokenizerFile(tok.path)) as RunTokenizer;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`tokenizer file not found: ${tok.path}`);
    throw new CliError(`cannot load tokenizer ${tok.path}: ${oneLine(error)}`, { cause: error });
  }
}
