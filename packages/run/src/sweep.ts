/**
 * Sweeps from the spec: a grid of `--set field=v1,v2,…` assignments over one base spec. Each point of
 * the grid is an ordinary run spec, so a sweep is nothing but runs; the CLI runs them one after another
 * and records a table like the tuning table of the makemore MLP write-up.
 */
import { mergeSpec, RunSpecError, resolveRunSpec } from './resolve';
import type { RunSpec, RunSpecInput } from './spec';

/** One swept field and its values. */
export interface SweepAxis {
  /** The dotted spec path, e.g. `model.blockSize`. */
  field: string;
  values: unknown[];
}

/** Where a short field name lives, for `--set blockSize=2,3`: each name that is unique across sections. */
const SHORT_NAMES: Record<string, string> = {};
for (const [section, fields] of Object.entries({
  model: [
    'blockSize',
    'nEmbd',
    'nEmbd2',
    'nHidden',
    'nLayer',
    'nHead',
    'dropout',
    'batchNorm',
    'bias',
    'tieWeights',
    'gelu',
    'init',
    'type',
  ],
  optimizer: ['lr', 'weightDecay', 'momentum', 'betas', 'eps', 'decay'],
  schedule: ['warmup', 'minLr', 'decaySteps', 'milestones', 'gamma'],
  training: ['steps', 'batchSize', 'gradAccum', 'gradClip'],
})) {
  for (const field of fields) SHORT_NAMES[field] = `${section}.${field}`;
}

/** Parses `field=v1,v2,…` (values as JSON where they parse, else strings). */
export function parseSweepAxis(text: string): SweepAxis {
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1) {
    throw new RunSpecError('--set', `expected field=value[,value…], e.g. blockSize=2,3,4; got '${text}'`);
  }
  const name = text.slice(0, eq).trim();
  const field = name.includes('.') ? name : SHORT_NAMES[name];
  if (!field) {
    throw new RunSpecError(
      name,
      `is not a field a sweep can set; use a dotted path such as model.nEmbd, or one of ${Object.keys(SHORT_NAMES).join(', ')}`,
    );
  }
  const values = text
    .slice(eq + 1)
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0)
    .map((v) => {
      try {
        return JSON.parse(v) as unknown;
      } catch {
        return v;
      }
    });
  return { field, values };
}

/** Sets a dotted path in a partial spec. */
export function setField(spec: RunSpecInput, field: string, value: unknown): RunSpecInput {
  const parts = field.split('.');
  const out = structuredClone(spec) as Record<string, unknown>;
  let node = out;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    node[part] = typeof next === 'object' && next !== null ? { ...(next as object) } : {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
  return out as RunSpecInput;
}

/** One point of a sweep: its assignments and its resolved spec. */
export interface SweepPoint {
  /** `{ 'model.blockSize': 3, 'model.nEmbd': 10 }`. */
  assignment: Record<string, unknown>;
  spec: RunSpec;
  /** A stable key for the point, used to skip finished points when a sweep resumes. */
  key: string;
}

/** Every combination of the axes' values over `base` (row-major: the last axis varies fastest). */
export function expandSweep(base: RunSpecInput, axes: readonly SweepAxis[]): SweepPoint[] {
  let points: Record<string, unknown>[] = [{}];
  for (const axis of axes) {
    points = points.flatMap((p) => axis.values.map((v) => ({ ...p, [axis.field]: v })));
  }
  return points.map((assignment) => {
    let partial = structuredClone(base);
    for (const [field, value] of Object.entries(assignment)) partial = setField(partial, field, value);
    const spec = resolveRunSpec(mergeSpec({}, partial));
    return { assignment, spec, key: JSON.stringify(assignment) };
  });
}
