/**
 * nanoGPT checkpoints (`ckpt.pt`, as Karpathy's nanoGPT `train.py` saves them) ↔ our Transformer.
 *
 * A `ckpt.pt` is a dict:
 *
 *   model         the GPT's state dict, nanoGPT names (`transformer.h.0.attn.c_attn.weight`, ...), which are
 *                 exactly ours; a `torch.compile`d model prefixes every name with `_orig_mod.`
 *   optimizer     torch.optim.AdamW's state dict: `state[i] = {step, exp_avg, exp_avg_sq}` for the i-th
 *                 parameter of `param_groups` (group 0: every parameter of rank ≥ 2, decayed; group 1: the
 *                 rest, not decayed; each in `named_parameters()` order, the tied `lm_head.weight` once, as wte)
 *   model_args    {n_layer, n_head, n_embd, block_size, bias, vocab_size, dropout}
 *   iter_num      int;  best_val_loss: a 0-d tensor (or 1e9 before the first evaluation)
 *   config        train.py's settings (ints, floats, bools, strings): dataset, batch_size, learning_rate, ...
 *
 * nanoGPT's GPT is our Transformer with `tieWeights: true`, `gelu: 'erf'` (nn.GELU) and `init: 'gpt2'`.
 *
 * What carries over between our AdamW and torch's: the moments (`exp_avg`, `exp_avg_sq`, same update
 * formula), the step count, betas, eps, the learning rate and the weight decay. The set of decayed
 * parameters does not: nanoGPT decays every rank-≥2 tensor, embeddings included, while our default
 * decays weight matrices only; importing records nanoGPT's set (`decayed`) so a run continued here
 * decays what nanoGPT decayed, and exporting puts every rank-≥2 tensor in the decayed group, because
 * nanoGPT rebuilds its groups by that rule on `--init_from=resume` whatever the file says.
 */
import type { TransformerConfig } from '../transformer';
import { PyFloat, PyTuple } from './pickle';
import { TorchTensor } from './checkpoint';

/** nanoGPT's `GPTConfig` fields, as `model_args` stores them. */
export interface NanoGptModelArgs {
  n_layer: number;
  n_head: number;
  n_embd: number;
  block_size: number;
  bias: boolean;
  vocab_size: number;
  dropout: number;
}

/** Thrown for a nanoGPT checkpoint (or a model) that cannot be converted; the message says what to change. */
export class NanoGptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NanoGptError';
  }
}

/** The prefix `torch.compile` adds to every parameter name (nanoGPT strips it on resume too). */
export const COMPILE_PREFIX = '_orig_mod.';

/** Removes the `_orig_mod.` prefix of a compiled model's state dict. */
export function stripCompilePrefix<T>(stateDict: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [name, value] of Object.entries(stateDict)) {
    out[name.startsWith(COMPILE_PREFIX) ? name.slice(COMPILE_PREFIX.length) : name] = value;
  }
  return out;
}

/** Our Transformer config for nanoGPT's `model_args` (tied weights, erf GELU, GPT-2 init). */
export function modelArgsToConfig(args: unknown): TransformerConfig {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    throw new NanoGptError(
      'model_args must be a dict of n_layer, n_head, n_embd, block_size, bias, vocab_size, dropout',
    );
  }
  const a = args as Record<string, unknown>;
  const problems: string[] = [];
  const int = (key: string) => {
    const v = a[key];
    if (!Number.isInteger(v) || (v as number) < 1)
      problems.push(`model_args.${key} must be a positive int, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const config: TransformerConfig = {
    type: 'transformer',
    nLayer: int('n_layer'),
    nHead: int('n_head'),
    nEmbd: int('n_embd'),
    blockSize: int('block_size'),
    vocabSize: int('vocab_size'),
    bias: a.bias === undefined ? true : (a.bias as boolean),
    dropout: a.dropout === undefined ? 0 : (a.dropout as number),
    tieWeights: true,
    gelu: 'erf',
    init: 'gpt2',
  };
  if (typeof config.bias !== 'boolean')
    problems.push(`model_args.bias must be a bool, got ${JSON.stringify(a.bias)}`);
  if (typeof config.dropout !== 'number' || !(config.dropout >= 0 && config.dropout < 1)) {
    problems.push(`model_args.dropout must be a float in [0, 1), got ${JSON.stringify(a.dropout)}`);
  }
  if (problems.length > 0) throw new NanoGptError(problems.join('; '));
  return config;
}

/**
 * nanoGPT's `model_args` for one of our Transformer configs. Throws a {@link NanoGptError} for a model
 * nanoGPT cannot represent (untied output head); `warnings` lists what loads but computes differently.
 */
export function configToModelArgs(config: TransformerConfig): {
  modelArgs: NanoGptModelArgs;
  warnings: string[];
} {
  if (config.type !== 'transformer') {
    throw new NanoGptError(
      `nanoGPT holds only GPT models; this checkpoint is a '${config.type}' model (train a transformer)`,
    );
  }
  if (!config.tieWeights) {
    throw new NanoGptError(
      "nanoGPT ties lm_head.weight to transformer.wte.weight, but this transformer has its own lm_head (train it with tieWeights: true, nanoGPT's choice)",
    );
  }
  const warnings: string[] = [];
  if ((config.gelu ?? 'tanh') !== 'erf') {
    warnings.push(
      "the model uses the tanh GELU; nanoGPT's nn.GELU is the exact (erf) one, so its logits will differ slightly",
    );
  }
  return {
    modelArgs: {
      n_layer: config.nLayer ?? 4,
      n_head: config.nHead ?? 4,
      n_embd: config.nEmbd ?? 64,
      block_size: config.blockSize,
      bias: config.bias ?? true,
      vocab_size: config.vocabSize,
      dropout: config.dropout ?? 0,
    },
    warnings,
  };
}

/** The GPT's parameters in `named_parameters()` order (the tied `lm_head.weight` is not listed), with shapes. */
export function nanoGptParameters(args: NanoGptModelArgs): [string, number[]][] {
  const E = args.n_embd;
  const out: [string, number[]][] = [
    ['transformer.wte.weight', [args.vocab_size, E]],
    ['transformer.wpe.weight', [args.block_size, E]],
  ];
  const norm = (name: string) => {
    out.push([`${name}.weight`, [E]]);
    if (args.bias) out.push([`${name}.bias`, [E]]);
  };
  const linear = (name: string, fanIn: number, fanOut: number) => {
    out.push([`${name}.weight`, [fanOut, fanIn]]);
    if (args.bias) out.push([`${name}.bias`, [fanOut]]);
  };
  for (let i = 0; i < args.n_layer; i++) {
    const h = `transformer.h.${i}`;
    norm(`${h}.ln_1`);
    linear(`${h}.attn.c_attn`, E, 3 * E);
    linear(`${h}.attn.c_proj`, E, E);
    norm(`${h}.ln_2`);
    linear(`${h}.mlp.c_fc`, E, 4 * E);
    linear(`${h}.mlp.c_proj`, 4 * E, E);
  }
  norm('transformer.ln_f');
  return out;
}

/** Parameter names in the order of torch's optimizer state: decayed (rank ≥ 2) first, then the rest. */
export function optimizerOrder(args: NanoGptModelArgs): { decayed: string[]; undecayed: string[] } {
  const params = nanoGptParameters(args);
  return {
    decayed: params.filter(([, s]) => s.length >= 2).map(([n]) => n),
    undecayed: params.filter(([, s]) => s.length < 2).map(([n]) => n),
  };
}

/** AdamW state in our layout: hyperparameters and `exp_avg.<name>` / `exp_avg_sq.<name>` moments. */
export interface AdamWTransfer {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  /** Updates taken (torch's per-parameter `step`; nanoGPT's are all equal). */
  step: number;
  /** The parameters that receive weight decay. */
  decayed: string[];
  /** `exp_avg.<name>` and `exp_avg_sq.<name>` for every parameter. */
  tensors: Record<string, TorchTensor>;
}

/** A nanoGPT checkpoint, read into our terms. */
export interface NanoGptCheckpoint {
  modelArgs: NanoGptModelArgs;
  /** Our Transformer config for it. */
  config: TransformerConfig;
  /** The state dict under our (= nanoGPT's) names, `_orig_mod.` removed, without the tied `lm_head.weight`. */
  weights: Record<string, TorchTensor>;
  iterNum: number;
  /** null while nanoGPT's placeholder 1e9 is still there (no evaluation yet). */
  bestValLoss: number | null;
  /** train.py's `config` dict (empty when absent). */
  trainConfig: Record<string, unknown>;
  /** The AdamW state, when the checkpoint has one in nanoGPT's layout. */
  optimizer?: AdamWTransfer;
}

const asRecord = (v: unknown, what: string): Record<string, unknown> => {
  if (
    typeof v !== 'object' ||
    v === null ||
    Array.isArray(v) ||
    v instanceof Map ||
    v instanceof TorchTensor
  ) {
    throw new NanoGptError(`${what} must be a dict with string keys`);
  }
  return v as Record<string, unknown>;
};

/** Interprets what `readTorchCheckpoint` returned for a nanoGPT `ckpt.pt`. */
export function parseNanoGptCheckpoint(value: unknown): NanoGptCheckpoint {
  const root = asRecord(value, 'a nanoGPT checkpoint');
  for (const key of ['model', 'model_args']) {
    if (!(key in root)) {
      throw new NanoGptError(
        `not a nanoGPT checkpoint: it has no '${key}' (keys: ${Object.keys(root).join(', ')})`,
      );
    }
  }
  const modelArgs = root.model_args as NanoGptModelArgs;
  const config = modelArgsToConfig(modelArgs);
  const state = stripCompilePrefix(asRecord(root.model, "the checkpoint's 'model'"));
  const weights: Record<string, TorchTensor> = {};
  for (const [name, t] of Object.entries(state)) {
    if (!(t instanceof TorchTensor)) throw new NanoGptError(`model entry '${name}' is not a tensor`);
    if (name === 'lm_head.weight' || name.endsWith('.attn.bias')) continue; // tied copy of wte; causal mask
    weights[name] = t;
  }
  const iterNum = Number.isInteger(root.iter_num) ? (root.iter_num as number) : 0;
  const best = root.best_val_loss instanceof TorchTensor ? root.best_val_loss.item() : root.best_val_loss;
  const bestValLoss = typeof best === 'number' && best < 1e9 ? best : null;
  const trainConfig = root.config === undefined ? {} : asRecord(root.config, "the checkpoint's 'config'");
  const out: NanoGptCheckpoint = { modelArgs, config, weights, iterNum, bestValLoss, trainConfig };
  const optimizer = root.optimizer === undefined ? undefined : readAdamW(root.optimizer, modelArgs);
  if (optimizer) out.optimizer = optimizer;
  return out;
}

function readAdamW(value: unknown, args: NanoGptModelArgs): AdamWTransfer {
  const sd = asRecord(value, "the checkpoint's 'optimizer'");
  const groups = sd.param_groups;
  const state = sd.state;
  if (!Array.isArray(groups) || !(state instanceof Map || (typeof state === 'object' && state !== null))) {
    throw new NanoGptError(
      "the checkpoint's optimizer has no param_groups/state (not a torch optimizer state_dict)",
    );
  }
  const { decayed, undecayed } = optimizerOrder(args);
  const byIndex = [...decayed, ...undecayed];
  const g = groups.map((x, i) => asRecord(x, `optimizer.param_groups[${i}]`));
  const sizes = g.map((x) => (Array.isArray(x.params) ? x.params.length : -1));
  if (g.length !== 2 || sizes[0] !== decayed.length || sizes[1] !== undecayed.length) {
    throw new NanoGptError(
      `the optimizer's groups hold [${sizes.join(', ')}] parameters; nanoGPT's layout for this model is [${decayed.length}, ${undecayed.length}] (decayed, not decayed)`,
    );
  }
  const g0 = g[0] as Record<string, unknown>;
  const betas = g0.betas as number[];
  const tensors: Record<string, TorchTensor> = {};
  let step = 0;
  const ids = [...(g0.params as number[]), ...((g[1] as Record<string, unknown>).params as number[])];
  ids.forEach((id, i) => {
    const name = byIndex[i] as string;
    const s = state instanceof Map ? state.get(id) : (state as Record<string, unknown>)[String(id)];
    if (s === undefined) return; // no step taken for this parameter yet
    const entry = asRecord(s, `optimizer.state[${id}]`);
    for (const key of ['exp_avg', 'exp_avg_sq'] as const) {
      const t = entry[key];
      if (!(t instanceof TorchTensor))
        throw new NanoGptError(`optimizer.state[${id}].${key} is not a tensor`);
      tensors[`${key}.${name}`] = t;
    }
    const st = entry.step instanceof TorchTensor ? entry.step.item() : entry.step;
    if (typeof st === 'number') step = Math.max(step, st);
  });
  return {
    lr: Number(g0.lr),
    betas: [Number(betas?.[0] ?? 0.9), Number(betas?.[1] ?? 0.95)],
    eps: Number(g0.eps ?? 1e-8),
    weightDecay: Number(g0.weight_decay ?? 0),
    step,
    decayed,
    tensors,
  };
}

/** What {@link buildNanoGptCheckpoint} needs: our model and run state. */
export interface NanoGptCheckpointInput {
  config: TransformerConfig;
  /** The model's state dict under our names (tied: without `lm_head.weight`). */
  weights: Readonly<Record<string, { shape: readonly number[]; data: Float32Array }>>;
  iterNum: number;
  bestValLoss: number | null;
  /** AdamW moments and hyperparameters, when the run used AdamW; omitted, nanoGPT must start with fresh moments. */
  optimizer?: Omit<AdamWTransfer, 'decayed'>;
  /** train.py settings to record as `config` (dataset is what sample.py reads meta.pkl by). */
  trainConfig?: Record<string, unknown>;
}

/**
 * The object to `writeTorchCheckpoint` for a `ckpt.pt` that nanoGPT's `sample.py` and
 * `train.py --init_from=resume` load. Returns it with warnings about what will compute differently.
 */
export function buildNanoGptCheckpoint(input: NanoGptCheckpointInput): {
  checkpoint: Record<string, unknown>;
  warnings: string[];
} {
  const { modelArgs, warnings } = configToModelArgs(input.config);
  const params = nanoGptParameters(modelArgs);
  const model: Record<string, TorchTensor> = {};
  for (const [name, shape] of params) {
    const w = input.weights[name];
    if (!w) throw new NanoGptError(`the model has no '${name}', which nanoGPT's GPT needs`);
    if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i])) {
      throw new NanoGptError(
        `'${name}' has shape [${w.shape.join(', ')}], nanoGPT expects [${shape.join(', ')}]`,
      );
    }
    model[name] = new TorchTensor('float32', shape, w.data);
  }
  model['lm_head.weight'] = model['transformer.wte.weight'] as TorchTensor;
  const checkpoint: Record<string, unknown> = {
    model,
    model_args: { ...modelArgs, dropout: new PyFloat(modelArgs.dropout) },
    iter_num: input.iterNum,
    best_val_loss: TorchTensor.float32([], [input.bestValLoss ?? 1e9]),
    config: floatsAsFloats(input.trainConfig ?? {}),
  };
  if (input.optimizer) checkpoint.optimizer = adamWStateDict(input.optimizer, modelArgs);
  else
    warnings.push(
      'no AdamW state: nanoGPT resumes with fresh optimizer moments (do not pass --init_from=resume expecting an exact continuation)',
    );
  return { checkpoint, warnings };
}

function adamWStateDict(
  opt: Omit<AdamWTransfer, 'decayed'>,
  args: NanoGptModelArgs,
): Record<string, unknown> {
  const { decayed, undecayed } = optimizerOrder(args);
  const shapes = new Map(nanoGptParameters(args));
  const state = new Map<number, unknown>();
  [...decayed, ...undecayed].forEach((name, i) => {
    const m = opt.tensors[`exp_avg.${name}`];
    const v = opt.tensors[`exp_avg_sq.${name}`];
    if (!m || !v) throw new NanoGptError(`the optimizer state has no exp_avg/exp_avg_sq for '${name}'`);
    const shape = shapes.get(name) as number[];
    state.set(i, {
      step: TorchTensor.float32([], [opt.step]),
      exp_avg: new TorchTensor('float32', shape, m.data),
      exp_avg_sq: new TorchTensor('float32', shape, v.data),
    });
  });
  const group = (weightDecay: number, params: number[]) => ({
    lr: new PyFloat(opt.lr),
    betas: new PyTuple([new PyFloat(opt.betas[0]), new PyFloat(opt.betas[1])]),
    eps: new PyFloat(opt.eps),
    weight_decay: new PyFloat(weightDecay),
    amsgrad: false,
    maximize: false,
    foreach: null,
    capturable: false,
    differentiable: false,
    fused: null,
    params,
  });
  return {
    state,
    param_groups: [
      group(
        opt.weightDecay,
        decayed.map((_, i) => i),
      ),
      group(
        0,
        undecayed.map((_, i) => decayed.length + i),
      ),
    ],
  };
}

/** train.py config values that nanoGPT declares as floats stay floats in the pickle even when integral. */
const FLOAT_SETTINGS = new Set([
  'learning_rate',
  'min_lr',
  'weight_decay',
  'beta1',
  'beta2',
  'grad_clip',
  'dropout',
]);
function floatsAsFloats(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [
      k,
      FLOAT_SETTINGS.has(k) && typeof v === 'number' ? new PyFloat(v) : v,
    ]),
  );
}
