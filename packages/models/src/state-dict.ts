/**
 * State-dict checking: the rules every model's `loadStateDict` follows.
 *
 * A state dict maps dotted parameter names (makemore.py / nanoGPT names) to tensors. Loading checks
 * every name and shape BEFORE copying anything, and throws a {@link StateDictError} listing each
 * mismatch (missing, unexpected, wrong shape), so a model is never left half loaded.
 *
 * PyTorch state dicts also hold buffers that are not weights: the causal mask a makemore.py or nanoGPT
 * attention layer registers as `attn.bias` (a `[1, 1, T, T]` lower-triangular matrix), Hugging Face
 * GPT-2's `attn.masked_bias`, and BatchNorm's `num_batches_tracked` counter. Those are accepted and
 * ignored.
 */

/** Something with a shape: a tf.Tensor or a parsed safetensors entry. */
export interface Shaped {
  readonly shape: readonly number[];
}

/** Thrown by `loadStateDict` when names or shapes do not match; `mismatches` has one line per problem. */
export class StateDictError extends Error {
  constructor(
    readonly mismatches: string[],
    context = 'state dict',
  ) {
    super(
      `Cannot load ${context}: ${mismatches.length} mismatch${mismatches.length === 1 ? '' : 'es'}, nothing was loaded:\n` +
        mismatches.map((m) => `  - ${m}`).join('\n'),
    );
    this.name = 'StateDictError';
  }
}

const IGNORED_SUFFIXES = ['.attn.bias', '.attn.masked_bias', 'num_batches_tracked'];

/**
 * True for PyTorch buffers that hold no learned state and are safe to drop: causal masks
 * (`*.attn.bias`, `*.attn.masked_bias`) and `*num_batches_tracked`. Only consulted for names the model
 * does not expect, so a real parameter with such a name is never dropped.
 */
export function isIgnorableBuffer(name: string): boolean {
  return IGNORED_SUFFIXES.some((s) => name === s.replace(/^\./, '') || name.endsWith(s));
}

const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** Options for {@link checkStateDict}. */
export interface CheckStateDictOptions {
  /**
   * Alternative names accepted for an expected name (alias → canonical), e.g. `lm_head.weight` for
   * `transformer.wte.weight` when weights are tied. An alias may stand in for a missing canonical
   * name; when both are present their shapes must both match.
   */
  aliases?: Record<string, string>;
}

/**
 * Compares a record with the expected names and shapes and returns one message per mismatch
 * (empty when it loads cleanly).
 */
export function checkStateDict(
  expected: ReadonlyMap<string, readonly number[]>,
  record: Readonly<Record<string, Shaped>>,
  options: CheckStateDictOptions = {},
): string[] {
  const aliases = options.aliases ?? {};
  const problems: string[] = [];
  for (const [name, shape] of expected) {
    const alias = Object.keys(aliases).find((a) => aliases[a] === name && a in record);
    const got = record[name] ?? (alias !== undefined ? record[alias] : undefined);
    if (got === undefined) {
      problems.push(`missing "${name}" (expected shape ${fmt(shape)})`);
    } else if (!sameShape(got.shape, shape)) {
      problems.push(`wrong shape for "${name}": got ${fmt(got.shape)}, expected ${fmt(shape)}`);
    }
  }
  for (const name of Object.keys(record)) {
    if (expected.has(name)) continue;
    const canonical = aliases[name];
    if (canonical !== undefined) {
      const want = expected.get(canonical);
      const got = record[name] as Shaped;
      if (want !== undefined && record[canonical] !== undefined && !sameShape(got.shape, want)) {
        problems.push(
          `wrong shape for "${name}" (alias of "${canonical}"): got ${fmt(got.shape)}, expected ${fmt(want)}`,
        );
      }
      continue;
    }
    if (isIgnorableBuffer(name)) continue;
    problems.push(`unexpected "${name}" (shape ${fmt((record[name] as Shaped).shape)})`);
  }
  return problems;
}

/** Resolves an expected name to the record entry that supplies it (the name itself or an alias). */
export function pickStateEntry<T>(
  record: Readonly<Record<string, T>>,
  name: string,
  aliases: Record<string, string> = {},
): T | undefined {
  if (record[name] !== undefined) return record[name];
  const alias = Object.keys(aliases).find((a) => aliases[a] === name && record[a] !== undefined);
  return alias === undefined ? undefined : record[alias];
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
