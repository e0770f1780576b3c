/**
 * What every tokenizer in this package offers, and restoring either kind from its JSON by its `type` field.
 */
import { BpeTokenizer, type BpeTokenizerJSON, parseJsonObject } from './bpe';
import { CharTokenizer, type CharTokenizerJSON } from './char';
import { TokenizerFormatError, describeValue } from './errors';

/** The common surface of {@link CharTokenizer} and {@link BpeTokenizer}. */
export interface Tokenizer {
  readonly vocabSize: number;
  encode(text: string): number[];
  decode(ids: ArrayLike<number>): string;
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
