/**
 * A tiny LanguageModel for the trainer's tests: embedding → tanh hidden layer → logits, in both input
 * kinds, with an optional running-mean buffer so that buffers travel through checkpoints too.
 */
import type { InputKind, LanguageModel, LossOptions, ModelConfig } from '@makemore/models';
import { Rng } from '@makemore/random';
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';

export interface TinyConfig {
  vocabSize: number;
  blockSize: number;
  inputKind: InputKind;
  nEmbd?: number;
  nHidden?: number;
  seed?: number;
}

export class TinyModel implements LanguageModel {
  readonly config: ModelConfig;
  readonly vocabSize: number;
  readonly blockSize: number;
  readonly inputKind: InputKind;
  training = true;
  private readonly params = new Map<string, Variable>();
  private readonly bufs = new Map<string, Variable>();

  constructor(c: TinyConfig) {
    this.vocabSize = c.vocabSize;
    this.blockSize = c.blockSize;
    this.inputKind = c.inputKind;
    const e = c.nEmbd ?? 4;
    const h = c.nHidden ?? 16;
    this.config = { type: 'mlp', ...c, nEmbd: e, nHidden: h };
    const rng = new Rng(c.seed ?? 1);
    const init = (shape: number[], scale: number) => {
      const n = shape.reduce((a, b) => a * b, 1);
      return tf.variable(
        tf.tensor(
          Float32Array.from({ length: n }, () => rng.normal() * scale),
          shape,
        ),
      );
    };
    const inWidth = c.inputKind === 'window' ? c.blockSize * e : e;
    this.params.set('wte.weight', init([c.vocabSize, e], 1));
    this.params.set('fc.weight', init([inWidth, h], 1 / Math.sqrt(inWidth)));
    this.params.set('fc.bias', init([h], 0.01));
    this.params.set('lm_head.weight', init([h, c.vocabSize], 0.1 / Math.sqrt(h)));
    this.params.set('lm_head.bias', init([c.vocabSize], 0));
    this.bufs.set('running_mean', tf.variable(tf.zeros([h]), false));
  }

  setTraining(training: boolean): void {
    this.training = training;
  }

  private p(name: string): Variable {
    return this.params.get(name) as Variable;
  }

  forward(idx: Tensor): Tensor {
    return tf.tidy(() => {
      const [b, t] = idx.shape as [number, number];
      const emb = tf.gather(this.p('wte.weight'), tf.reshape(idx, [-1]));
      const x = this.inputKind === 'window' ? tf.reshape(emb, [b, -1]) : emb;
      const hidden = tf.tanh(tf.add(tf.matMul(x, this.p('fc.weight')), this.p('fc.bias')));
      if (this.training) {
        // A running statistic, updated in training mode like BatchNorm's.
        const rm = this.bufs.get('running_mean') as Variable;
        rm.assign(tf.add(tf.mul(rm, 0.9), tf.mul(tf.mean(hidden, 0), 0.1)));
      }
      const logits = tf.add(tf.matMul(hidden, this.p('lm_head.weight')), this.p('lm_head.bias'));
      return this.inputKind === 'window' ? logits : tf.reshape(logits, [b, t, this.vocabSize]);
    });
  }

  loss(idx: Tensor, targets: Tensor, options: LossOptions = {}): Scalar {
    const ignore = options.ignoreIndex ?? -1;
    return tf.tidy(() => {
      const logits = tf.reshape(this.forward(idx), [-1, this.vocabSize]);
      const t = tf.reshape(targets, [-1]);
      const mask = tf.cast(tf.notEqual(t, ignore), 'float32');
      const safe = tf.where(tf.notEqual(t, ignore), t, tf.zerosLike(t));
      const logp = tf.logSoftmax(logits);
      const picked = tf.sum(tf.mul(logp, tf.oneHot(safe, this.vocabSize)), 1);
      return tf.div(tf.neg(tf.sum(tf.mul(picked, mask))), tf.maximum(tf.sum(mask), 1)) as Scalar;
    });
  }

  parameters(): Map<string, Variable> {
    return new Map(this.params);
  }

  buffers(): Map<string, Variable> {
    return new Map(this.bufs);
  }

  numParams(): number {
    let n = 0;
    for (const v of this.params.values()) n += v.size;
    return n;
  }

  stateDict(): Record<string, Tensor> {
    return Object.fromEntries([...this.params, ...this.bufs]);
  }

  loadStateDict(record: Record<string, Tensor>): void {
    const all = new Map([...this.params, ...this.bufs]);
    const problems: string[] = [];
    for (const [name, v] of all) {
      const t = record[name];
      if (!t) problems.push(`missing ${name}`);
      else if (!tf.util.arraysEqual(t.shape, v.shape))
        problems.push(`${name}: shape ${t.shape} vs ${v.shape}`);
    }
    if (problems.length) throw new Error(problems.join('; '));
    for (const [name, v] of all) v.assign(record[name] as Tensor);
  }

  dispose(): void {
    for (const v of [...this.params.values(), ...this.bufs.values()]) v.dispose();
  }
}

/** A char tokenizer over '.a-z' with '.' = 0, like the lecture's stoi. */
export const charTokenizer = {
  vocabSize: 27,
  encode(text: string): number[] {
    return [...text].map((ch) => (ch === '.' ? 0 : ch.charCodeAt(0) - 96));
  },
  decode(ids: ArrayLike<number>): string {
    return Array.from(ids, (i) => (i === 0 ? '.' : String.fromCharCode(i + 96))).join('');
  },
  toJSON() {
    return { type: 'char', chars: '.abcdefghijklmnopqrstuvwxyz' };
  },
};

export const WORDS = [
  'emma',
  'olivia',
  'ava',
  'isabella',
  'sophia',
  'charlotte',
  'mia',
  'amelia',
  'harper',
  'evelyn',
  'abigail',
  'emily',
  'elizabeth',
  'mila',
  'ella',
  'avery',
  'sofia',
  'camila',
  'aria',
  'scarlett',
  'victoria',
  'madison',
  'luna',
  'grace',
  'chloe',
  'penelope',
  'layla',
  'riley',
  'zoey',
  'nora',
];
