/**
 * The learning rate where a learning-rate finder's loss falls fastest.
 *
 * The finder (lecture part 2; Smith's LR range test) trains for a few steps while the rate grows
 * exponentially, and records the smoothed loss at each rate. The lowest loss sits just before the rate
 * blows training up, so a good rate is earlier: where the loss falls fastest, the most negative slope of
 * the loss against log10(rate). The slope is a difference over a window of a tenth of the sweep
 * (`n / 20` points either side), because even the smoothed loss wiggles from batch to batch and a slope
 * between neighbours would pick a wiggle; only points up to the lowest loss count, so the fall after a
 * blow-up is never picked.
 */

/** The index of the steepest fall of `losses` against log10(`lrs`), up to the lowest loss. */
export function steepestDescentIndex(lrs: readonly number[], losses: readonly number[]): number {
  const n = Math.min(lrs.length, losses.length);
  if (n < 3) return 0;
  let lowest = 0;
  for (let i = 1; i < n; i++) if ((losses[i] as number) < (losses[lowest] as number)) lowest = i;
  let best = 0;
  let bestSlope = Number.POSITIVE_INFINITY;
  const k = Math.max(1, Math.round(n / 20));
  for (let i = 0; i <= lowest; i++) {
    const a = Math.max(0, i - k);
    const b = Math.min(n - 1, i + k);
    const run = Math.log10(lrs[b] as number) - Math.log10(lrs[a] as number);
    if (!(run > 0)) continue;
    const slope = ((losses[b] as number) - (losses[a] as number)) / run;
    if (Number.isFinite(slope) && slope < bestSlope) {
      bestSlope = slope;
      best = i;
    }
  }
  return best;
}
