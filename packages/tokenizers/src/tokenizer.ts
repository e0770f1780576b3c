/**
 * What a tokenizer is to the rest of makemore: the structural {@link TextTokenizer} (text to ids and back,
 * with a vocabulary size) that datasets, the trainer, runs and apps accept by name, what every tokenizer in
 * this package offers beyond it, and restoring either kind from its JSON by its `type` field.
 */
import { BpeTokenizer, type BpeTokenizerJSON, parseJsonObject } from './bpe';
import { CharTokenizer, type CharTokenizerJSON } from './char';
import { TokenizerFormatError, describeValue } from './errors';

/**
 * Any tokenizer, structurally: what the other makemore packages need of one. Declared once, here; every
 * package above this one takes a tokenizer as a `TextTokenizer` (or re-exports it), so a tokenizer of your
 * own fits all of them. `CharTokenizer` and `BpeTokenizer` match it. For word datasets the
 * boundary token (`.`) is expected at id 0 unless a builder is told otherwise.
 */
export interface TextTokenizer {
  /** How many ids `encode` can produce: ids are 0 … vocabSize − 1. */
  readonly vocabSize: number;
  /** The ids of `text`. */
  encode(text: string): number[];
  /** The text of `ids`. */
  decode(ids: ArrayLike<number>): string;
}

/**
 * The common surface of {@link CharTokenizer} and {@link BpeTokenizer}: a {@link TextTokenizer} that can
 * also be saved as JSON (and restored with {@link tokenizerFromJSON}), which is what a run or checkpoint needs.
 */
export interface Tokenizer extends TextTokenizer {
  toJSON(): TokenizerJSON;
}

/** The JSON of any tokenizer; `type` says which. */
export type TokenizerJSON = CharTokenizerJSON | BpeTokenizerJSON;

/** Restores a tokenizer from the JSON of either kind (object or text), dispatching on its `type` field. */
export function tokenizerFromJSON(json: TokenizerJSON | string): CharTokenizer | BpeTokenizer {
  const data = parseJsonObject(json);
  if (data.type === 'char') return CharTokenizer.fromJSON(data as unknown as CharTokenizerJSON);
  if (data.type === 'bpe') return BpeTokenizer.fromJSON(data as unknown as BpeTokenizerJSON);
  throw new TokenizerFormatError('json', `type is ${describeValue(data.type)}; expected "char" or "bpe".`);
}
