/**
 * Node-only helpers of @makemore/tokenizers: reading and writing tokenizer files.
 *
 * - `.json`: either tokenizer's `toJSON()` output (the `type` field says which).
 * - `.model`: minbpe's text format (BPE only).
 * - `.tiktoken`: OpenAI's rank files; give the encoding's preset (pattern and special tokens), or let the
 *   file name pick it (`cl100k_base.tiktoken`, `o200k_base.tiktoken`, `r50k_base.tiktoken`).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { BpeTokenizer } from './bpe';
import type { CharTokenizer } from './char';
import { TIKTOKEN_PRESETS, type TiktokenPreset } from './tiktoken-format';
import { tokenizerFromJSON } from './tokenizer';

export * from './index';

/** Options of {@link loadTokenizerFile}. */
export interface LoadTokenizerOptions {
  /** For `.tiktoken` files: the pattern and special tokens. Defaults to the preset named by the file name. */
  tiktoken?: TiktokenPreset;
}

/** Loads a tokenizer from a `.json`, minbpe `.model` or `.tiktoken` file. */
export async function loadTokenizerFile(
  path: string,
  options: LoadTokenizerOptions = {},
): Promise<CharTokenizer | BpeTokenizer> {
  const text = await readFile(path, 'utf8');
  try {
    if (path.endsWith('.model')) return BpeTokenizer.fromMinbpeModel(text);
    if (path.endsWith('.tiktoken')) {
      const name = basename(path, '.tiktoken');
      const preset = options.tiktoken ?? (TIKTOKEN_PRESETS as Record<string, TiktokenPreset>)[name];
      if (preset === undefined) {
        throw new Error(
          `cannot tell the split pattern of ${basename(path)}: pass { tiktoken: TIKTOKEN_PRESETS.cl100k_base } ` +
            `(or another preset, or { pattern, specialTokens }).`,
        );
      }
      return BpeTokenizer.fromTiktoken(text, preset);
    }
    return tokenizerFromJSON(text);
  } catch (error) {
    (error as Error).message = `${path}: ${(error as Error).message}`;
    throw error;
  }
}

/** Saves a tokenizer: minbpe `.model` text when `path` ends in `.model`, JSON otherwise. */
export async function saveTokenizerFile(
  path: string,
  tokenizer: CharTokenizer | BpeTokenizer,
): Promise<void> {
  if (path.endsWith('.model')) {
    // Duck-typed rather than instanceof: the CommonJS build of this entry has its own copy of the classes.
    if (!('toMinbpeModel' in tokenizer)) {
      throw new TypeError('Only a BpeTokenizer can be saved as a minbpe .model file.');
    }
    await writeFile(path, tokenizer.toMinbpeModel());
    return;
  }
  await writeFile(path, `${JSON.stringify(tokenizer.toJSON())}\n`);
}
