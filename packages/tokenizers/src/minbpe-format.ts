/**
 * minbpe's `.model` text format (karpathy/minbpe, version line `minbpe v1`):
 *
 * ```
 * minbpe v1
 * <split pattern as Python regex source, empty for none>
 * <number of special tokens>
 * <special token> <id>        (that many lines)
 * <left id> <right id>        (one line per merge; merge i creates id 256 + i)
 * ```
 */
import { TokenizerFormatError } from './errors';
import { resolvePattern } from './patterns';

/** The contents of a minbpe model. */
export interface MinbpeModel {
  /** The pattern as resolved for JavaScript (a built-in name, a JS source, or null). */
  pattern: string | null;
  specialTokens: Record<string, number>;
  merges: Array<[number, number]>;
}

/** Parses `.model` text, naming the line of any problem. */
export function parseMinbpeModel(text: string): MinbpeModel {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines[0] !== 'minbpe v1') {
    throw new TokenizerFormatError(
      'minbpe',
      `expected the version line "minbpe v1", got ${JSON.stringify(lines[0])}.`,
      1,
    );
  }
  if (lines.length < 3)
    throw new TokenizerFormatError('minbpe', 'the file ends before the special-token count.');
  let pattern: string | null;
  try {
    pattern = (({ name, source }) => name ?? source)(resolvePattern(lines[1]!));
  } catch (error) {
    throw new TokenizerFormatError('minbpe', (error as Error).message, 2);
  }
  const countText = lines[2]!;
  if (!/^\d+$/.test(countText)) {
    throw new TokenizerFormatError(
      'minbpe',
      `expected the number of special tokens, got ${JSON.stringify(countText)}.`,
      3,
    );
  }
  const count = Number(countText);
  const specialTokens: Record<string, number> = {};
  let i = 3;
  for (let k = 0; k < count; k++, i++) {
    const line = lines[i];
    const m = line === undefined ? null : /^(.+) (\d+)$/.exec(line);
    if (m === null) {
      throw new TokenizerFormatError(
        'minbpe',
        `expected "<special token> <id>", got ${JSON.stringify(line ?? '')}.`,
        i + 1,
      );
    }
    specialTokens[m[1]!] = Number(m[2]);
  }
  const merges: Array<[number, number]> = [];
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '' && i === lines.length - 1) break;
    const m = /^(\d+) (\d+)$/.exec(line);
    if (m === null)
      throw new TokenizerFormatError(
        'minbpe',
        `expected "<left id> <right id>", got ${JSON.stringify(line)}.`,
        i + 1,
      );
    const left = Number(m[1]);
    const right = Number(m[2]);
    const limit = 256 + merges.length;
    if (left >= limit || right >= limit) {
      throw new TokenizerFormatError(
        'minbpe',
        `merge uses id ${Math.max(left, right)}, but only ids < ${limit} exist yet.`,
        i + 1,
      );
    }
    merges.push([left, right]);
  }
  return { pattern, specialTokens, merges };
}

/** Writes a minbpe `.model` text. Built-in pattern names are written as their JavaScript source. */
export function writeMinbpeModel(model: MinbpeModel): string {
  const { source } = resolvePattern(model.pattern);
  const lines = ['minbpe v1', source ?? ''];
  const specials = Object.entries(model.specialTokens);
  lines.push(String(specials.length));
  for (const [token, id] of specials) lines.push(`${token} ${id}`);
  for (const [l, r] of model.merges) lines.push(`${l} ${r}`);
  return `${lines.join('\n')}\n`;
}
