/**
 * "Did you mean …?" suggestions: the closest candidate by Levenshtein edit distance
 * (V. I. Levenshtein, 1966), accepted only when it is close enough to be a likely typo.
 */

/** Number of single-character insertions, deletions and substitutions that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The candidate closest to `input`, or undefined when none is plausibly what was meant. A candidate that
 * starts with the input (an abbreviation) also counts.
 */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const needle = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(needle, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  const tolerance = Math.max(2, Math.floor(needle.length / 3));
  if (bestDistance <= tolerance) return best;
  return candidates.find((c) => needle.length >= 2 && c.toLowerCase().startsWith(needle));
}

/** `; did you mean 'x'?` when a close candidate exists, else an empty string. */
export function didYouMean(input: string, candidates: readonly string[], prefix = ''): string {
  const match = closest(input, candidates);
  return match === undefined ? '' : `; did you mean '${prefix}${match}'?`;
}
