/**
 * Learning-rate schedules. A schedule is a plain function from the 0-based step index to a learning rate,
 * so any `(step) => number` works where these do.
 */

/** A learning-rate schedule: 0-based step index → learning rate. */
export type Schedule = (step: number) => number;

/** The same learning rate at every step. */
export function constant(lr: number): Schedule {
  if (!Number.isFinite(lr) || lr < 0) throw new RangeError(`constant: lr must be finite and >= 0, got ${lr}`);
  return () => lr;
}

/** Options for {@link stepDecay}. */
export interface StepDecayOptions {
  /** Learning rates, one per interval: values[i] applies until boundaries[i] (default [0.1, 0.01]). */
  values?: number[];
  /** Ascending step indices at which the next value takes over (default [100_000]). */
  boundaries?: number[];
}

/**
 * Piecewise-constant decay. The default is the makemore lecture's: 0.1 for steps 0–99,999, then 0.01.
 * `values` has one more entry than `boundaries`.
 */
export function stepDecay(options: StepDecayOptions = {}): Schedule {
  const values = options.values ?? [0.1, 0.01];
  const boundaries = options.boundaries ?? [100_000];
  if (values.length !== boundaries.length + 1) {
    throw new RangeError(
      `stepDecay: needs one more value than boundaries, got ${values.length} values and ${boundaries.length} boundaries`,
    );
  }
  for (let i = 1; i < boundaries.length; i++) {
    if (!((boundaries[i] as number) > (boundaries[i - 1] as number))) {
      throw new RangeError(`stepDecay: boundaries must ascend, got [${boundaries}]`);
    }
  }
  return (step) => {
    let i = 0;
    while (i < boundaries.length && step >= (boundaries[i] as number)) i++;
    return values[i] as number;
  };
}

/** Options for {@link cosineWithWarmup}. */
export interface CosineOptions {
  /** Peak learning rate reached at the end of warmup. */
  maxLr: number;
  /** Floor reached at `decaySteps` and kept after it (default maxLr / 10). */
  minLr?: number;
  /** Steps of linear warmup (default 0). */
  warmupSteps?: number;
  /** Step index at which the cosine reaches `minLr` (usually the run's total steps). */
  decaySteps: number;
}

/**
 * Linear warmup then cosine decay to a floor (Loshchilov & Hutter 2017, SGDR, without restarts; the
 * schedule nanoGPT trains with):
 * - step < warmup: maxLr · (step + 1) / (warmup + 1), as nanoGPT's train.py (its `get_lr`), so a recipe that
 *   names nanoGPT's warmup trains on exactly its learning rates; the ramp stops one notch below maxLr and the
 *   cosine then starts at maxLr
 * - warmup ≤ step ≤ decaySteps: minLr + ½(1 + cos(π·r))·(maxLr − minLr), r = (step − warmup)/(decaySteps − warmup)
 * - step > decaySteps: minLr
 */
export function cosineWithWarmup(options: CosineOptions): Schedule {
  const { maxLr, decaySteps } = options;
  const minLr = options.minLr ?? maxLr / 10;
  const warmup = options.warmupSteps ?? 0;
  if (!(maxLr >= 0) || !(minLr >= 0) || minLr > maxLr) {
    throw new RangeError(`cosineWithWarmup: need 0 <= minLr <= maxLr, got minLr ${minLr}, maxLr ${maxLr}`);
  }
  if (!Number.isInteger(warmup) || warmup < 0) {
    throw new RangeError(`cosineWithWarmup: warmupSteps must be an integer >= 0, got ${warmup}`);
  }
  if (!(decaySteps > warmup)) {
    throw new RangeError(`cosineWithWarmup: decaySteps (${decaySteps}) must exceed warmupSteps (${warmup})`);
  }
  return (step) => {
    if (step < warmup) return (maxLr * (step + 1)) / (warmup + 1);
    if (step > decaySteps) return minLr;
    const ratio = (step - warmup) / (decaySteps - warmup);
    return minLr + 0.5 * (1 + Math.cos(Math.PI * ratio)) * (maxLr - minLr);
  };
}
