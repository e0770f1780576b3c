/** One line of the metrics log: what a step event records, as flat JSON. */
import type { EvalEvent, StepEvent } from './events';

/** A metrics line: step, loss, lr, grad norm, tokens/s and elapsed time; eval lines carry the split losses. */
export interface MetricRecord {
  type: 'step' | 'eval';
  step: number;
  loss?: number;
  lr?: number;
  gradNorm?: number;
  tokensPerSec?: number;
  elapsedMs: number;
  losses?: Record<string, number>;
}

/** The metrics record for a step or eval event. */
export function metricRecord(event: StepEvent | EvalEvent): MetricRecord {
  if (event.type === 'eval') {
    return { type: 'eval', step: event.step, losses: event.losses, elapsedMs: event.elapsedMs };
  }
  const { step, loss, lr, gradNorm, tokensPerSec, elapsedMs } = event;
  return { type: 'step', step, loss, lr, gradNorm, tokensPerSec, elapsedMs };
}
