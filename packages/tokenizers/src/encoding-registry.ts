/**
 * The bundled OpenAI encodings by name, and which one each OpenAI model uses.
 *
 * Each encoding lives in its own module (`@makemore/tokenizers/encodings/<name>`), loaded here with a dynamic
 * `import()`: a bundler splits it into its own chunk, so an app pays for an encoding's ranks only when it
 * asks for that encoding. The model table follows tiktoken 0.14's `tiktoken/model.py` (exact names first,
 * then prefixes such as `gpt-4o-` for dated snapshots).
 */
import type { BpeTokenizer } from './bpe';

/** The encodings this package ships. */
export type EncodingName = 'r50k_base' | 'p50k_base' | 'cl100k_base' | 'o200k_base';

/** The names of the bundled encodings. */
export const ENCODING_NAMES: readonly EncodingName[] = Object.freeze([
  'r50k_base',
  'p50k_base',
  'cl100k_base',
  'o200k_base',
]);

const MODEL_TO_ENCODING: Record<string, EncodingName> = {
  o1: 'o200k_base',
  o3: 'o200k_base',
  'o4-mini': 'o200k_base',
  'gpt-5': 'o200k_base',
  'gpt-4.1': 'o200k_base',
  'gpt-4o': 'o200k_base',
  'gpt-4': 'cl100k_base',
  'gpt-3.5-turbo': 'cl100k_base',
  'gpt-3.5': 'cl100k_base',
  'gpt-35-turbo': 'cl100k_base',
  'davinci-002': 'cl100k_base',
  'babbage-002': 'cl100k_base',
  'text-embedding-ada-002': 'cl100k_base',
  'text-embedding-3-small': 'cl100k_base',
  'text-embedding-3-large': 'cl100k_base',
  'text-davinci-003': 'p50k_base',
  'text-davinci-002': 'p50k_base',
  'code-davinci-002': 'p50k_base',
  'code-davinci-001': 'p50k_base',
  'code-cushman-002': 'p50k_base',
  'code-cushman-001': 'p50k_base',
  'davinci-codex': 'p50k_base',
  'cushman-codex': 'p50k_base',
  'text-davinci-001': 'r50k_base',
  'text-curie-001': 'r50k_base',
  'text-babbage-001': 'r50k_base',
  'text-ada-001': 'r50k_base',
  davinci: 'r50k_base',
  curie: 'r50k_base',
  babbage: 'r50k_base',
  ada: 'r50k_base',
  // tiktoken's "gpt2" encoding has the same ranks, pattern and special token as r50k_base.
  gpt2: 'r50k_base',
  'gpt-2': 'r50k_base',
};

// Checked in order, so longer prefixes come before the shorter ones they extend.
const MODEL_PREFIX_TO_ENCODING: ReadonlyArray<readonly [string, EncodingName]> = [
  ['o1-', 'o200k_base'],
  ['o3-', 'o200k_base'],
  ['o4-mini-', 'o200k_base'],
  ['gpt-5', 'o200k_base'],
  ['gpt-4.5-', 'o200k_base'],
  ['gpt-4.1-', 'o200k_base'],
  ['chatgpt-4o-', 'o200k_base'],
  ['gpt-4o-', 'o200k_base'],
  ['gpt-4-', 'cl100k_base'],
  ['gpt-3.5-turbo-', 'cl100k_base'],
  ['gpt-35-turbo-', 'cl100k_base'],
  ['ft:gpt-4o', 'o200k_base'],
  ['ft:gpt-4', 'cl100k_base'],
  ['ft:gpt-3.5-turbo', 'cl100k_base'],
  ['ft:davinci-002', 'cl100k_base'],
  ['ft:babbage-002', 'cl100k_base'],
];

/**
 * The name of the encoding that an OpenAI model uses, e.g. `'o200k_base'` for `'gpt-4o'` or
 * `'gpt-4o-2024-05-13'`. Throws a `RangeError` for a model it does not know.
 */
export function encodingNameForModel(model: string): EncodingName {
  if (typeof model !== 'string') {
    throw new TypeError(`encodingNameForModel expects a model name string, got ${typeof model}.`);
  }
  const exact = Object.hasOwn(MODEL_TO_ENCODING, model) ? MODEL_TO_ENCODING[model] : undefined;
  if (exact !== undefined) return exact;
  for (const [prefix, name] of MODEL_PREFIX_TO_ENCODING) if (model.startsWith(prefix)) return name;
  throw new RangeError(
    `Unknown model ${JSON.stringify(model)}: no bundled encoding is known for it. ` +
      `Call getEncoding() with one of ${ENCODING_NAMES.join(', ')} instead.`,
  );
}

/**
 * Loads a bundled encoding by name (`'r50k_base'`, `'p50k_base'`, `'cl100k_base'` or `'o200k_base'`).
 * The encoding's module is imported on first use, so a bundle holds only the encodings it asks for.
 */
export async function getEncoding(name: EncodingName): Promise<BpeTokenizer> {
  switch (name) {
    case 'r50k_base':
      return (await import('./encodings/r50k_base')).default;
    case 'p50k_base':
      return (await import('./encodings/p50k_base')).default;
    case 'cl100k_base':
      return (await import('./encodings/cl100k_base')).default;
    case 'o200k_base':
      return (await import('./encodings/o200k_base')).default;
    default:
      throw new RangeError(
        `Unknown encoding ${JSON.stringify(name)}: the bundled encodings are ${ENCODING_NAMES.join(', ')}.`,
      );
  }
}

/** Loads the encoding that an OpenAI model uses, e.g. `await encodingForModel('gpt-4o')` (o200k_base). */
export async function encodingForModel(model: string): Promise<BpeTokenizer> {
  return getEncoding(encodingNameForModel(model));
}
