/**
 * The recurrent language model of makemore.py, shared by {@link RNN}, {@link GRU} and {@link LSTM}:
 *
 *   h_0 = start (learned),  h_t = cell(wte(x_t), h_{t-1}),  logits_t = lm_head(h_t)
 *
 * Parameter names follow makemore.py: `start [1, nEmbd2]`, `wte.weight [V, nEmbd]`, `cell.*`,
 * `lm_head.weight [V, nEmbd2]`, `lm_head.bias [V]`; the LSTM adds `start_c`, its learned initial cell.
 *
 * Speed: small models are bound by the number of ops, so a cell never runs its input half of the
 * gate matmuls step by step. Every gate reads `[x_t; h_{t-1}]` through one weight `[H, E + H]`; the
 * `x` columns of all gates are applied to all time steps in ONE matmul before the loop, and each step
 * only multiplies the previous hidden state by the `h` columns (one matmul for all gates that read h).
 * Each cell's time loop is a `tf.customGrad` with a hand-written backward pass (backpropagation through
 * time), which needs a fraction of the kernels autodiff would replay; the finite-difference and
 * PyTorch-gradient tests check it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BaseLanguageModel, requirePositiveInt } from './layers/base-model';
import { Embedding } from './layers/embedding';
import { Linear } from './layers/linear';
import type { Module } from './layers/module';
import { constantInit, initRng } from './init';
import type { ModelConfig } from './types';
import type { Rng } from '@makemore/random';

/** A recurrent cell: runs itself over a whole sequence of input embeddings. */
export interface RecurrentCell extends Module {
  /**
   * Hidden states of every step: `emb [B, T, E]` and the initial states (`h_0`, plus `c_0` for the
   * LSTM), each `[B, H]`, → `[B, T, H]`.
   */
  run(emb: tf.Tensor3D, initial: tf.Tensor2D[]): tf.Tensor3D;
  /**
   * One step for generation: the input embedding `x [B, E]` and the states `[h, (c)]`, each `[B, H]`,
   * → the next states, `h` first. Inference only (no custom gradient); same arithmetic as `run`.
   */
  step(x: tf.Tensor2D, state: tf.Tensor2D[]): tf.Tensor2D[];
}

/** Builds a cell from the input width `E`, hidden width `H` and the init generator. */
export type CellFactory = (nEmbd: number, nEmbd2: number, rng: Rng) => RecurrentCell;

/** The config fields a recurrent model reads, with makemore.py's defaults filled in. */
export interface RecurrentConfig extends ModelConfig {
  type: 'rnn' | 'gru' | 'lstm';
  /** Token embedding width (makemore `--n-embd`, default 64). */
  nEmbd: number;
  /** Hidden state width (makemore `--n-embd2`, default 64). */
  nEmbd2: number;
}

/** Fills in makemore.py's defaults and checks the fields a recurrent model reads. */
export function recurrentConfig(config: ModelConfig, type: RecurrentConfig['type']): RecurrentConfig {
  requireType(config, type);
  const resolved = { ...config, nEmbd: config.nEmbd ?? 64, nEmbd2: config.nEmbd2 ?? 64 } as RecurrentConfig;
  requirePositiveInt('nEmbd', resolved.nEmbd);
  requirePositiveInt('nEmbd2', resolved.nEmbd2);
  return resolved;
}

/** makemore.py's `RNN` module with a pluggable cell. */
export class RecurrentModel extends BaseLanguageModel {
  readonly inputKind = 'sequence' as const;
  declare readonly config: RecurrentConfig;
  /** Learned initial states: `start` (h_0), and `start_c` (c_0) for the LSTM; each `[1, nEmbd2]`. */
  readonly starts: tf.Variable[];
  /** Token embedding `[vocabSize, nEmbd]`. */
  readonly wte: Embedding;
  /** The recurrence. */
  readonly cell: RecurrentCell;
  /** Read-out `[vocabSize, nEmbd2]` + bias. */
  readonly lmHead: Linear;

  /**
   * @param startNames names of the learned initial states, `h_0` first (`['start']`, or
   *   `['start', 'start_c']` for the LSTM).
   */
  constructor(
    config: ModelConfig,
    type: RecurrentConfig['type'],
    startNames: string[],
    makeCell: CellFactory,
  ) {
    const cfg = recurrentConfig(config, type);
    super(cfg);
    const rng = initRng(cfg.seed);
    // Registration order is the state-dict order of makemore.py: start, wte, cell, lm_head.
    this.starts = startNames.map((name) => this.addParameter(name, constantInit([1, cfg.nEmbd2], 0)));
    this.wte = this.addModule('wte', new Embedding(cfg.vocabSize, cfg.nEmbd, rng));
    this.cell = this.addModule('cell', makeCell(cfg.nEmbd, cfg.nEmbd2, rng));
    this.lmHead = this.addModule('lm_head', new Linear(cfg.nEmbd2, cfg.vocabSize, rng));
  }

  /** `idx [B, T]` (int32, T ≤ blockSize) → logits `[B, T, vocabSize]`. */
  forward(idx: tf.Tensor): tf.Tensor {
    const [batch] = checkSequenceInput(idx, this.blockSize, this.config.type);
    return tf.tidy(() => {
      const emb = this.wte.apply(idx) as tf.Tensor3D;
      const initial = this.starts.map((s) => tf.broadcastTo(s, [batch, this.config.nEmbd2]) as tf.Tensor2D);
      return this.lmHead.apply(this.cell.run(emb, initial));
    });
  }
}

/** Throws unless `config.type` names the class being built. */
export function requireType(config: ModelConfig, type: ModelConfig['type']): void {
  if (config.type !== type) {
    throw new Error(
      `model config: type is ${JSON.stringify(config.type)} but this class builds "${type}"; use createModel(config) to pick the class from the type`,
    );
  }
}

/** Checks `idx` is an int32 `[B, T]` batch with 1 ≤ T ≤ blockSize; returns `[B, T]`. */
export function checkSequenceInput(idx: tf.Tensor, blockSize: number, model: string): [number, number] {
  if (idx.rank !== 2) {
    throw new Error(`${model}.forward: expected token ids of shape [batch, time], got [${idx.shape}]`);
  }
  const [batch, time] = idx.shape as [number, number];
  if (time < 1 || time > blockSize) {
    throw new Error(
      `${model}.forward: sequence length ${time} must be between 1 and blockSize ${blockSize}; crop the context to the last ${blockSize} tokens`,
    );
  }
  if (idx.dtype !== 'int32') {
    throw new Error(`${model}.forward: token ids must be int32, got ${idx.dtype}`);
  }
  return [batch, time];
}

/**
 * The input-side work of all gates for all steps, in one matmul, split per step.
 *
 * `gates` are Linear layers over `[x; h]` (weight `[H, E + H]`). Returns the pre-activations
 * `x_t W_xᵀ + b` of the G gates side by side, time-major `[T, B, G·H]` (so unstacking hands out one slab
 * per step), and the stacked recurrent weight `W_h [G·H, H]` that each step multiplies `h_{t-1}` with.
 */
export function projectInputs(
  emb: tf.Tensor3D,
  gates: Linear[],
): { timeMajor: tf.Tensor3D; wh: tf.Tensor2D } {
  const e = emb.shape[2];
  const w = gates.length === 1 ? gates[0]!.weight : tf.concat(gates.map((g) => g.weight));
  const b = gates.length === 1 ? gates[0]!.bias! : tf.concat(gates.map((g) => g.bias!));
  const [wx, wh] = tf.split(w, [e, w.shape[1]! - e], 1) as [tf.Tensor2D, tf.Tensor2D];
  const [batch, time] = emb.shape;
  const flat = tf.reshape(emb, [batch * time, e]) as tf.Tensor2D;
  // Not a fused matmul: tfjs-backend-wasm 4.22 adds a fused bias wrongly when transposeB is set.
  const xp = tf.add(tf.matMul(flat, wx, false, true), b);
  const timeMajor = tf.transpose(tf.reshape(xp, [batch, time, -1]), [1, 0, 2]) as tf.Tensor3D;
  return { timeMajor, wh };
}

/**
 * `h_{t-1} W_hᵀ + xp_t`: the per-step matmul of every cell. (A fused matmul would take xp_t as its bias,
 * but the wasm backend's fused kernel accepts only rank-1 biases.)
 */
export function recur(h: tf.Tensor2D, wh: tf.Tensor2D, xp: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.matMul(h, wh, false, true), xp);
}

/** The state each step started from: `initial`, then all but the last of `all` (`[T, B, H]`). */
export function previousStates(initial: tf.Tensor2D, all: tf.Tensor3D): tf.Tensor3D {
  const first = tf.expandDims(initial, 0) as tf.Tensor3D;
  const time = all.shape[0];
  return time > 1 ? (tf.concat([first, tf.slice(all, 0, time - 1)], 0) as tf.Tensor3D) : first;
}
