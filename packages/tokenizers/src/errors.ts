/**
 * Errors raised by the tokenizers, and the helper that names a bad value in a message.
 *
 * Wrong argument types raise `TypeError`, out-of-range sizes and ids raise `RangeError`, and malformed
 * files raise {@link TokenizerFormatError}, which carries the line that was wrong.
 */

/** A malformed tokenizer file or JSON object. `line` is 1-based when the input was line-oriented. */
export class TokenizerFormatError extends Error {
  /** Which format was being read: `'json'`, `'tiktoken'` or `'minbpe'`. */
  readonly format: string;
  /** The 1-based line number of the problem, when the format is line-oriented. */
  readonly line: number | undefined;

  constructor(format: string, message: string, line?: number) {
    super(line === undefined ? `${format}: ${message}` : `${format} line ${line}: ${message}`);
    this.name = 'TokenizerFormatError';
    this.format = format;
    this.line = line;
  }
}

/** Text contained a special token that the caller did not allow. */
export class DisallowedSpecialTokenError extends Error {
  /** The special token found in the text. */
  readonly token: string;
  /** Its UTF-16 index in the text. */
  readonly index: number;

  constructor(token: string, index: number) {
    super(
      `The text contains the special token ${JSON.stringify(token)} at index ${index}. ` +
        `Pass { allowedSpecial: 'all' } (or a set holding it) to encode it as a special token, ` +
        `or { disallowedSpecial: 'none' } to encode it as ordinary text.`,
    );
    this.name = 'DisallowedSpecialTokenError';
    this.token = token;
    this.index = index;
  }
}

/** A short description of any value for error messages: its type and a preview. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'string') {
    const preview = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `the string ${JSON.stringify(preview)}`;
  }
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value)})`;
  return `${typeof value} ${String(value)}`;
}

/** Throws a `TypeError` unless `text` is a string. */
export function assertString(text: unknown, what: string): asserts text is string {
  if (typeof text !== 'string') {
    throw new TypeError(`${what} expects a string, but got ${describeValue(text)}.`);
  }
}
