/**
 * What may change when a run resumes. A run folder stores its resolved spec (`run.json`), and `--resume`
 * follows it. A change the caller asks for is either refused, with the field and the reason, or applied
 * with a note that says exactly what changes. Nothing changes silently:
 *
 * - the data (dataset, split, tokenizer) and the model's shape are refused: the checkpoint's weights and
 *   batches belong to them;
 * - the optimizer's kind and the sampler's seed are refused: the saved optimizer state and the sampler's
 *   position in its stream would no longer mean anything;
 * - the schedule, the learning rate and the other optimizer numbers, the step count, batch size,
 *   accumulation and clipping are applied, and the note gives the learning rate before and after at the
 *   step the run resumes from;
 * - evaluation, sampling and the backend change how the run is watched, not what it learns: applied.
 */
import { buildSchedule } from './prepare';
import { mergeSpec, RunSpecError, resolveRunSpec } from './resolve';
import type { RunSpec, RunSpecInput } from './spec';

/** The outcome of {@link planResume}. */
export interface ResumePlan {
  /** The spec the resumed run follows. */
  spec: RunSpec;
  /** One line per applied change, for the user. */
  notes: string[];
}

const REFUSED: [RegExp, string][] = [
  [/^data\./, 'a resumed run keeps its data, split and tokenizer: the checkpoint was trained on them'],
  [/^model\./, "a resumed run keeps its model: the checkpoint's weights have the saved shape"],
  [/^initFrom$/, 'the weights a run started from only matter at its first step'],
  [/^optimizer\.type$/, "the checkpoint's optimizer state (its moments) belongs to the saved optimizer"],
  [
    /^training\.seed$/,
    "the batches continue from the checkpoint's sampler state, which the seed no longer decides",
  ],
];

function flatten(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (value !== undefined) out[prefix] = JSON.stringify(value);
  return out;
}

const lrText = (lr: number) => (lr === 0 ? '0' : lr.toExponential(2));

/**
 * Merges `changes` into the `saved` spec of a run that stopped at `step`, and says what that does.
 * Throws a {@link RunSpecError} naming the first field that a resume cannot change.
 */
export function planResume(saved: RunSpec, changes: RunSpecInput, step: number): ResumePlan {
  const merged = mergeSpec(saved as RunSpecInput, changes);
  const before = flatten(saved);
  const diff = (after: Record<string, string>) =>
    [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
      (k) => before[k] !== after[k] && k !== 'recipe',
    );
  // Refusals come first, so a data change is named as such rather than as whatever it breaks downstream.
  const asked = flatten(merged);
  for (const field of diff(asked)) {
    for (const [pattern, why] of REFUSED) {
      if (pattern.test(field)) {
        throw new RunSpecError(
          field,
          `cannot change when resuming (${before[field] ?? 'unset'} → ${asked[field] ?? 'unset'}): ${why}; start a new run in another folder instead`,
        );
      }
    }
  }
  const next = resolveRunSpec(merged);
  const after = flatten(next);
  const changed = diff(after);
  if (next.training.steps <= step) {
    throw new RunSpecError(
      'training.steps',
      `the run is already at step ${step} of ${saved.training.steps}; ask for more than ${step} steps to train further`,
    );
  }
  const notes: string[] = [];
  const oldLr = buildSchedule(saved.schedule, saved.optimizer.lr)(step);
  const newLr = buildSchedule(next.schedule, next.optimizer.lr)(step);
  const scheduleFields = changed.filter((k) => k.startsWith('schedule.') || k === 'optimizer.lr');
  if (scheduleFields.length > 0) {
    const list = scheduleFields
      .map((k) => `${k} ${before[k] ?? 'unset'} → ${after[k] ?? 'unset'}`)
      .join(', ');
    notes.push(
      `schedule changed (${list}): the learning rate at step ${step} goes from ${lrText(oldLr)} to ${lrText(newLr)}`,
    );
  }
  if (changed.includes('training.steps')) {
    const s = next.schedule;
    let tail = 'the schedule is unchanged';
    if (scheduleFields.length === 0) {
      if (s.type === 'cosine' && (s.decaySteps as number) < next.training.steps) {
        tail = `the schedule is unchanged: the learning rate stays at its floor ${lrText(s.minLr as number)} after step ${s.decaySteps} (set the schedule's decay steps to stretch the cosine)`;
      } else tail = `the schedule is unchanged: the learning rate at step ${step} stays ${lrText(newLr)}`;
    } else tail = 'with the schedule above';
    notes.push(`training.steps ${saved.training.steps} → ${next.training.steps}: ${tail}`);
  }
  for (const field of changed) {
    if (field.startsWith('schedule.') || field === 'optimizer.lr' || field === 'training.steps') continue;
    notes.push(`${field} ${before[field] ?? 'unset'} → ${after[field] ?? 'unset'}`);
  }
  return { spec: next, notes };
}
