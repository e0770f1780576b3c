/**
 * resolveRunSpec: from a partial spec to a complete, checked one.
 *
 * Layers, lowest first: the fields every run shares, the model family's defaults, then the caller's
 * partial spec (a recipe merged with a config file and flags, say). Schedule positions that depend on the
 * step count (the step decay's milestone, the cosine's end) are settled here in absolute steps, so that a
 * resumed run with more steps keeps the schedule it started with unless it asks to change it.
 *
 * Every field is checked: an unknown field, a value of the wrong type or out of range, or two fields that
 * contradict each other give a {@link RunSpecError} that names the field (`model.nHead`) and says how to fix it.
 */
import type { ModelType } from '@makemore/models';
import { BUILTIN_KINDS, COMMON_DEFAULTS, FAMILY_DEFAULTS, MODEL_FIELDS } from './defaults';
import {
  RUN_SPEC_VERSION,
  SHARDS_TOKENIZER_FILE,
  type DatasetKind,
  type RunSpec,
  type RunSpecInput,
} from './spec';

/** A spec field that is unknown, malformed or contradicts another. `field` is its dotted path. */
export class RunSpecError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'RunSpecError';
  }
}

type Json = Record<string, unknown>;

const SECTIONS: Record<string, readonly string[]> = {
  data: ['dataset', 'shards', 'kind', 'split', 'tokenizer'],
  model: ['type', 'vocabSize', 'blockSize', 'seed', ...new Set(Object.values(MODEL_FIELDS).flat())],
  optimizer: ['type', 'lr', 'betas', 'eps', 'weightDecay', 'decay', 'momentum'],
  schedule: ['type', 'warmup', 'minLr', 'decaySteps', 'milestones', 'gamma'],
  training: ['steps', 'batchSize', 'gradAccum', 'gradClip', 'seed'],
  eval: ['every', 'iters', 'batchSize', 'splits'],
  sample: ['every', 'n', 'temperature', 'topK', 'maxTokens', 'prompt'],
  backend: ['name', 'threads'],
};
const TOP_LEVEL = ['version', 'recipe', 'initFrom', ...Object.keys(SECTIONS)];
const MODEL_TYPES = Object.keys(MODEL_FIELDS) as ModelType[];
/** Sections whose fields depend on their `type`: a new type starts the section afresh. */
const TYPED = new Set(['model', 'optimizer', 'schedule']);

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Merges `override` onto `base`, section by section. Within a section, fields of `override` win; arrays
 * are replaced, not merged. When `override` changes a section's `type` (model, optimizer, schedule, or the
 * tokenizer), that section starts again from `override` alone (keeping only the optimizer's `lr` and
 * `weightDecay`), so the old type's fields do not leak in.
 */
export function mergeSpec(base: RunSpecInput, override: RunSpecInput): RunSpecInput {
  const out: Json = { ...(base as Json) };
  for (const [key, value] of Object.entries(override as Json)) {
    const previous = out[key];
    if (!isObject(value) || !isObject(previous)) {
      if (value !== undefined) out[key] = value;
      continue;
    }
    const typeChanged = TYPED.has(key) && value.type !== undefined && value.type !== previous.type;
    // The learning rate and weight decay mean the same to every optimizer, so they survive a change of type.
    const kept: Json = key === 'optimizer' ? { lr: previous.lr, weightDecay: previous.weightDecay } : {};
    const section: Json = typeChanged ? kept : { ...previous };
    for (const [field, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const old = section[field];
      if (key === 'data' && field === 'split' && isObject(v) && isObject(old)) {
        section[field] = v.rule !== undefined && v.rule !== old.rule ? { ...v } : { ...old, ...v };
      } else if (key === 'data' && field === 'tokenizer' && isObject(v) && isObject(old)) {
        section[field] = v.type !== undefined && v.type !== old.type ? { ...v } : { ...old, ...v };
      } else section[field] = v;
    }
    out[key] = section;
  }
  return out as RunSpecInput;
}

/** The dataset kind a spec implies before any data is loaded (`auto` for a file path). */
export function impliedKind(input: RunSpecInput): DatasetKind | 'auto' {
  if (input.data?.shards !== undefined) return 'text';
  const kind = input.data?.kind;
  if (kind && kind !== 'auto') return kind;
  return BUILTIN_KINDS[input.data?.dataset ?? 'names'] ?? 'auto';
}

/**
 * Fills the defaults into `input` and checks every field. Returns a complete {@link RunSpec}; throws a
 * {@link RunSpecError} naming the first field that is wrong.
 */
export function resolveRunSpec(input: RunSpecInput = {}): RunSpec {
  checkShape(input);
  if (input.version !== undefined && input.version !== RUN_SPEC_VERSION) {
    throw new RunSpecError(
      'version',
      `this makemore.ts reads run spec version ${RUN_SPEC_VERSION}, got ${JSON.stringify(input.version)}`,
    );
  }
  const type = (input.model?.type ?? 'mlp') as ModelType;
  if (!MODEL_TYPES.includes(type)) {
    throw new RunSpecError(
      'model.type',
      `unknown model type ${JSON.stringify(type)}; use one of ${MODEL_TYPES.join(', ')}`,
    );
  }
  const merged = mergeSpec(mergeSpec(COMMON_DEFAULTS, FAMILY_DEFAULTS[type]), input) as Json & RunSpecInput;
  if (merged.initFrom !== undefined) settleInit(merged, input);
  if (merged.data?.shards !== undefined) settleShards(merged.data as Json);
  const kind = impliedKind(merged);
  const spec = settle(merged as RunSpecInput, kind, { warmupGiven: input.schedule?.warmup !== undefined });
  validate(spec, kind);
  return canonical(spec);
}

/** The tokenizer spec of a run on the shard folder `dir`: the one its index.json records. */
export function shardsTokenizer(dir: string): { type: 'file'; path: string } {
  return { type: 'file', path: `${dir.replace(/[/\\]+$/, '')}/${SHARDS_TOKENIZER_FILE}` };
}

/**
 * A run on token shards: the folder stands for the dataset, the data is text, and the tokenizer is the
 * shards' own. A tokenizer that says otherwise is refused rather than ignored, except the default `char`
 * (a spec that names no tokenizer has it).
 */
function settleShards(data: Json): void {
  const dir = data.shards;
  if (typeof dir !== 'string' || dir.length === 0)
    fail('data.shards', 'must be the path of a token shard folder (made by makemore prepare)');
  const shards = dir as string;
  if (data.kind !== undefined && data.kind !== 'auto' && data.kind !== 'text')
    fail(
      'data.kind',
      `token shards are a text stream, not ${JSON.stringify(data.kind)}; use 'text' or 'auto'`,
    );
  const own = shardsTokenizer(shards);
  const tok = (data.tokenizer ?? { type: 'char' }) as Json;
  if (tok.type === 'bpe' || (tok.type === 'file' && tok.path !== own.path)) {
    fail(
      'data.tokenizer',
      `the shards in ${shards} are already encoded with the tokenizer their index.json records; remove data.tokenizer (or re-encode the corpus with makemore prepare --tokenizer)`,
    );
  }
  data.dataset = shards;
  data.kind = 'text';
  data.tokenizer = own;
  // The shards were cut when they were prepared (first share train, the rest val): a word list's split
  // rule left over from a recipe gives way to that; `prepareShardRun` records the folder's own fractions.
  const split = (data.split ?? {}) as Json;
  if (split.rule !== undefined && split.rule !== 'contiguous') {
    const { rule: _rule, fractions: _fractions, ...rest } = split;
    data.split = rest;
  }
}

/**
 * A run that starts from trained weights (`initFrom`) keeps their tokenizer: the ids the weights learned
 * belong to it. A tokenizer the caller names is refused rather than ignored; token shards keep theirs
 * (they were encoded with it, and `prepareShardRun` checks that it is the weights' own).
 */
function settleInit(merged: Json & RunSpecInput, input: RunSpecInput): void {
  if (typeof merged.initFrom !== 'string' || merged.initFrom.length === 0)
    fail('initFrom', 'must name the trained weights to start from (a checkpoint folder, or a saved model)');
  if (merged.data?.shards !== undefined) return;
  refuseOwnTokenizer(input.data?.tokenizer, merged.initFrom as string);
  (merged.data as Json).tokenizer = { type: 'init' };
}

/**
 * Throws when a run that starts from the weights in `from` names a tokenizer other than theirs
 * (`{ type: 'init' }`): the ids the weights learned belong to their own.
 */
export function refuseOwnTokenizer(tokenizer: { type?: unknown } | undefined, from: string): void {
  if (tokenizer !== undefined && tokenizer.type !== 'init') {
    fail(
      'data.tokenizer',
      `a run that starts from ${from} uses the tokenizer saved with those weights; remove data.tokenizer (or train from scratch without initFrom)`,
    );
  }
}

/** Field order of a printed spec: sections as a run flows, fields as the spec types list them. */
const ORDER: Record<string, readonly string[]> = {
  '': [
    'version',
    'recipe',
    'initFrom',
    'data',
    'model',
    'optimizer',
    'schedule',
    'training',
    'eval',
    'sample',
    'backend',
  ],
  ...SECTIONS,
  model: [
    'type',
    'vocabSize',
    'blockSize',
    'nLayer',
    'nHead',
    'nEmbd',
    'nEmbd2',
    'nHidden',
    'dropout',
    'bias',
    'tieWeights',
    'gelu',
    'init',
    'batchNorm',
    'inputKind',
    'smoothing',
    'seed',
  ],
  'data.split': ['rule', 'fractions', 'seed'],
  'data.tokenizer': ['type', 'vocabSize', 'pattern', 'path'],
};

/**
 * A spec with its keys in the fixed, readable order `--print-config` shows, so two equal specs also
 * serialise to equal JSON.
 */
export function canonicalSpec(spec: RunSpec): RunSpec {
  return canonical(spec);
}

function canonical<T>(value: T, path = ''): T {
  if (!isObject(value)) return value;
  const order = ORDER[path] ?? [];
  const keys = [...order.filter((k) => k in value), ...Object.keys(value).filter((k) => !order.includes(k))];
  const out: Json = {};
  for (const k of keys) {
    if (value[k] !== undefined) out[k] = canonical(value[k], path ? `${path}.${k}` : k);
  }
  return out as T;
}

/**
 * Fills what depends on the dataset kind (split rule and fractions, sampling lengths, evaluation) and on
 * the step count (schedule positions). `prepareRun` calls it again once the data has loaded, when a file
 * dataset's kind was still `auto`.
 */
export function settle(
  input: RunSpecInput,
  kind: DatasetKind | 'auto',
  options: { warmupGiven?: boolean } = {},
): RunSpec {
  const s = structuredClone(input) as unknown as RunSpec & { sample: Partial<RunSpec['sample']> };
  const words = kind === 'words';
  s.version = RUN_SPEC_VERSION;
  s.data.kind = input.data?.kind ?? 'auto';
  const split = (s.data.split ?? {}) as Partial<RunSpec['data']['split']>;
  if (kind !== 'auto') {
    split.rule ??= kind === 'words' ? 'fractions' : kind === 'text' ? 'contiguous' : 'documents';
    split.fractions ??=
      split.rule === 'fractions' ? [0.8, 0.1, 0.1] : split.rule === 'makemore' ? [] : [0.9, 0.1];
  }
  split.seed ??= s.training.seed;
  s.data.split = split as RunSpec['data']['split'];
  s.model.seed ??= s.training.seed;
  s.sample.n ??= words ? 20 : 1;
  s.sample.maxTokens ??= words ? 64 : 500;
  s.eval.iters ??= words ? 'all' : 200;
  const { schedule, optimizer, training } = s;
  if (schedule.type === 'step') {
    schedule.milestones ??= [Math.max(1, Math.floor(training.steps * 0.75))];
    schedule.gamma ??= 0.1;
  } else if (schedule.type === 'cosine') {
    schedule.decaySteps ??= Math.max(1, training.steps);
    schedule.warmup ??= 0;
    // A default warmup longer than a short run shrinks to fit; one the caller set is checked as given.
    if (!options.warmupGiven && schedule.warmup >= schedule.decaySteps) {
      schedule.warmup = Math.max(0, schedule.decaySteps - 1);
    }
    schedule.minLr ??= optimizer.lr / 10;
  }
  if (optimizer.type !== 'sgd') {
    optimizer.betas ??= [0.9, 0.999];
    optimizer.eps ??= 1e-8;
  }
  if (optimizer.type === 'adamw') optimizer.decay ??= 'matrices';
  if (optimizer.type === 'sgd') optimizer.momentum ??= 0;
  if (s.eval.every > training.steps) s.eval.every = training.steps;
  return s;
}

// ---------------------------------------------------------------------------------------------------
// Checks

function checkShape(input: RunSpecInput): void {
  if (!isObject(input)) throw new RunSpecError('(spec)', 'a run spec must be a JSON object');
  for (const [key, value] of Object.entries(input as Json)) {
    if (!TOP_LEVEL.includes(key)) {
      throw new RunSpecError(key, `unknown field; a run spec has ${TOP_LEVEL.join(', ')}`);
    }
    const fields = SECTIONS[key];
    if (!fields || value === undefined) continue;
    if (!isObject(value)) throw new RunSpecError(key, 'must be an object');
    for (const field of Object.keys(value)) {
      if (!fields.includes(field)) {
        throw new RunSpecError(`${key}.${field}`, `unknown field; ${key} has ${fields.join(', ')}`);
      }
    }
  }
}

const fail = (field: string, message: string): never => {
  throw new RunSpecError(field, message);
};

function integer(field: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    fail(field, `must be a whole number >= ${min}, got ${JSON.stringify(value)}`);
  }
}

function real(
  field: string,
  value: unknown,
  min: number,
  max = Number.POSITIVE_INFINITY,
  open = false,
): void {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (open && value === max)
  ) {
    const range = max === Number.POSITIVE_INFINITY ? `>= ${min}` : `in [${min}, ${max}${open ? ')' : ']'}`;
    fail(field, `must be a number ${range}, got ${JSON.stringify(value)}`);
  }
}

function oneOf(field: string, value: unknown, choices: readonly unknown[]): void {
  if (!choices.includes(value)) {
    fail(
      field,
      `must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
}

function absent(section: string, obj: Json, fields: string[], why: string): void {
  for (const field of fields) {
    if (obj[field] !== undefined) fail(`${section}.${field}`, `does not apply ${why}; remove it`);
  }
}

function validate(spec: RunSpec, kind: DatasetKind | 'auto'): void {
  const { data, model, optimizer, schedule, training, sample, backend } = spec;
  if (typeof data.dataset !== 'string' || data.dataset.length === 0)
    fail('data.dataset', 'must name a built-in dataset (names, verbs, shakespeare, sotu) or a file');
  oneOf('data.kind', data.kind, ['auto', 'words', 'text', 'documents']);
  const builtin = BUILTIN_KINDS[data.dataset];
  if (builtin && data.kind !== 'auto' && data.kind !== builtin) {
    fail('data.kind', `'${data.dataset}' is a ${builtin} dataset, not ${data.kind}`);
  }
  const split = data.split;
  if (kind !== 'auto') {
    const rules =
      kind === 'words'
        ? ['fractions', 'makemore']
        : kind === 'text'
          ? ['contiguous']
          : ['documents', 'contiguous'];
    oneOf('data.split.rule', split.rule, rules);
    const want = split.rule === 'fractions' ? 3 : split.rule === 'makemore' ? 0 : 2;
    if (!Array.isArray(split.fractions) || split.fractions.length !== want) {
      fail(
        'data.split.fractions',
        want === 0
          ? "must be [] with rule 'makemore' (test = min(1000, 10 %))"
          : `must be ${want} numbers for rule '${split.rule}'`,
      );
    }
    for (const [i, f] of split.fractions.entries()) real(`data.split.fractions[${i}]`, f, 0, 1);
    if (want > 0 && Math.abs(split.fractions.reduce((a, b) => a + b, 0) - 1) > 1e-9) {
      fail('data.split.fractions', `must sum to 1, got ${split.fractions.join(' + ')}`);
    }
    if (want > 0 && !((split.fractions[0] as number) > 0 && (split.fractions[1] as number) > 0)) {
      fail('data.split.fractions', 'the train and the held-out share must both be above 0');
    }
  }
  integer('data.split.seed', split.seed, 0);
  const tok = data.tokenizer as Json;
  oneOf('data.tokenizer.type', tok.type, ['char', 'bpe', 'file', 'init']);
  if (tok.type === 'char')
    absent('data.tokenizer', tok, ['vocabSize', 'pattern', 'path'], 'to a char tokenizer');
  if (tok.type === 'init') {
    absent('data.tokenizer', tok, ['vocabSize', 'pattern', 'path'], "to the weights' own tokenizer");
    if (spec.initFrom === undefined)
      fail(
        'data.tokenizer',
        "'init' is the tokenizer saved with initFrom's weights; set initFrom, or use char, bpe or file",
      );
  }
  if (tok.type === 'bpe') {
    tok.vocabSize ??= 512;
    tok.pattern ??= 'gpt4';
    integer('data.tokenizer.vocabSize', tok.vocabSize, 256);
    oneOf('data.tokenizer.pattern', tok.pattern, ['gpt2', 'gpt4']);
    if (kind === 'words') {
      fail(
        'data.tokenizer',
        `a byte-level BPE needs a text dataset; '${data.dataset}' is a word list, where each character is a token (use type 'char')`,
      );
    }
  }
  if (tok.type === 'file' && (typeof tok.path !== 'string' || tok.path === ''))
    fail('data.tokenizer.path', 'must be a file path');

  const allowed = new Set(['type', 'vocabSize', 'blockSize', 'seed', ...MODEL_FIELDS[model.type]]);
  for (const [field, value] of Object.entries(model)) {
    if (value !== undefined && !allowed.has(field))
      fail(`model.${field}`, `does not apply to the ${model.type} model; remove it`);
  }
  if (model.vocabSize !== undefined) integer('model.vocabSize', model.vocabSize, 2);
  if (model.blockSize !== 'auto') integer('model.blockSize', model.blockSize, 1);
  integer('model.seed', model.seed, 0);
  for (const f of ['nEmbd', 'nEmbd2', 'nHidden', 'nLayer', 'nHead'] as const) {
    if (model[f] !== undefined) integer(`model.${f}`, model[f], 1);
  }
  if (model.dropout !== undefined) real('model.dropout', model.dropout, 0, 1, true);
  if (model.smoothing !== undefined) real('model.smoothing', model.smoothing, 0);
  for (const f of ['bias', 'tieWeights', 'batchNorm'] as const) {
    if (model[f] !== undefined && typeof model[f] !== 'boolean')
      fail(`model.${f}`, `must be true or false, got ${JSON.stringify(model[f])}`);
  }
  if (model.gelu !== undefined) oneOf('model.gelu', model.gelu, ['tanh', 'erf']);
  if (model.init !== undefined) oneOf('model.init', model.init, ['pytorch', 'gpt2']);
  if (model.inputKind !== undefined) oneOf('model.inputKind', model.inputKind, ['window', 'sequence']);
  if (model.type === 'wavenet' && model.inputKind === 'sequence')
    fail('model.inputKind', "the WaveNet reads windows only; use 'window'");
  if (model.type === 'mlp' && model.inputKind === 'window' && model.blockSize === 'auto') {
    fail(
      'model.blockSize',
      "a window model needs a number (the lecture uses 3); 'auto' is for sequence models",
    );
  }
  if (model.nEmbd !== undefined && model.nHead !== undefined && model.nEmbd % model.nHead !== 0) {
    fail(
      'model.nHead',
      `${model.nHead} heads do not divide nEmbd ${model.nEmbd}; pick nEmbd a multiple of nHead`,
    );
  }
  if (
    model.type === 'wavenet' &&
    typeof model.blockSize === 'number' &&
    (model.blockSize & (model.blockSize - 1)) !== 0
  ) {
    fail(
      'model.blockSize',
      `the WaveNet merges pairs of positions, so blockSize must be a power of two, got ${model.blockSize}`,
    );
  }

  oneOf('optimizer.type', optimizer.type, ['sgd', 'adam', 'adamw']);
  real('optimizer.lr', optimizer.lr, 0);
  real('optimizer.weightDecay', optimizer.weightDecay, 0);
  if (optimizer.type === 'sgd') {
    absent('optimizer', optimizer as unknown as Json, ['betas', 'eps', 'decay'], "to SGD (it is Adam's)");
    real('optimizer.momentum', optimizer.momentum, 0, 1, true);
  } else {
    absent('optimizer', optimizer as unknown as Json, ['momentum'], `to ${optimizer.type} (it is SGD's)`);
    if (!Array.isArray(optimizer.betas) || optimizer.betas.length !== 2)
      fail('optimizer.betas', 'must be two numbers [beta1, beta2]');
    for (const [i, b] of (optimizer.betas ?? []).entries()) real(`optimizer.betas[${i}]`, b, 0, 1, true);
    real('optimizer.eps', optimizer.eps, 0);
    if (optimizer.type === 'adamw')
      oneOf('optimizer.decay', optimizer.decay, ['matrices', 'rank2', 'all', 'none']);
    else
      absent(
        'optimizer',
        optimizer as unknown as Json,
        ['decay'],
        "to Adam (its weightDecay is an L2 term on every parameter); use type 'adamw'",
      );
  }

  oneOf('schedule.type', schedule.type, ['constant', 'step', 'cosine']);
  const sch = schedule as unknown as Json;
  if (schedule.type === 'constant')
    absent(
      'schedule',
      sch,
      ['warmup', 'minLr', 'decaySteps', 'milestones', 'gamma'],
      'to a constant schedule',
    );
  if (schedule.type === 'step') {
    absent('schedule', sch, ['warmup', 'minLr', 'decaySteps'], "to a step schedule (they are the cosine's)");
    if (!Array.isArray(schedule.milestones)) fail('schedule.milestones', 'must be a list of steps');
    schedule.milestones?.forEach((m, i) => {
      integer(`schedule.milestones[${i}]`, m, 1);
      if (i > 0 && m <= (schedule.milestones?.[i - 1] as number)) fail('schedule.milestones', 'must ascend');
    });
    real('schedule.gamma', schedule.gamma, 0);
  }
  if (schedule.type === 'cosine') {
    absent('schedule', sch, ['milestones', 'gamma'], "to a cosine schedule (they are the step schedule's)");
    integer('schedule.warmup', schedule.warmup, 0);
    integer('schedule.decaySteps', schedule.decaySteps, 1);
    real('schedule.minLr', schedule.minLr, 0);
    if ((schedule.minLr as number) > optimizer.lr)
      fail('schedule.minLr', `${schedule.minLr} is above the peak optimizer.lr ${optimizer.lr}`);
    if ((schedule.warmup as number) >= (schedule.decaySteps as number)) {
      fail(
        'schedule.warmup',
        `${schedule.warmup} warmup steps must end before decaySteps ${schedule.decaySteps}`,
      );
    }
  }

  integer('training.steps', training.steps, model.type === 'bigram' ? 0 : 1);
  integer('training.batchSize', training.batchSize, 1);
  integer('training.gradAccum', training.gradAccum, 1);
  real('training.gradClip', training.gradClip, 0);
  integer('training.seed', training.seed, 0);

  const ev = spec.eval;
  integer('eval.every', ev.every, 0);
  if (ev.iters !== 'all') integer('eval.iters', ev.iters, 1);
  if (ev.batchSize !== undefined) integer('eval.batchSize', ev.batchSize, 1);
  if (
    ev.splits !== undefined &&
    (!Array.isArray(ev.splits) || ev.splits.some((x) => typeof x !== 'string'))
  ) {
    fail('eval.splits', 'must be a list of split names, e.g. ["train", "val"]');
  }

  integer('sample.every', sample.every, 0);
  integer('sample.n', sample.n, 1);
  real('sample.temperature', sample.temperature, 0);
  integer('sample.topK', sample.topK, 0);
  integer('sample.maxTokens', sample.maxTokens, 1);
  if (typeof sample.prompt !== 'string') fail('sample.prompt', 'must be a string');

  if (typeof backend.name !== 'string') fail('backend.name', 'must be a backend name or auto');
  if (backend.threads !== 'auto') {
    if (typeof backend.threads !== 'number' || !Number.isInteger(backend.threads) || backend.threads < 1) {
      fail(
        'backend.threads',
        `must be 'auto' or a whole number >= 1, got ${JSON.stringify(backend.threads)}`,
      );
    }
  }
}
