import { describe, expect, it } from 'vitest';
import { recipeSpec } from './recipes';
import { resolveRunSpec } from './resolve';
import { planResume } from './resume';
import { expandSweep, parseSweepAxis } from './sweep';

describe('planResume', () => {
  const saved = recipeSpec('nanogpt-baby');

  it('keeps the schedule when only the step count grows, and says so', () => {
    const plan = planResume(saved, { training: { steps: 4000 } }, 2000);
    expect(plan.spec.schedule).toEqual(saved.schedule);
    expect(plan.notes).toEqual([
      "training.steps 2000 → 4000: the schedule is unchanged: the learning rate stays at its floor 1.00e-4 after step 2000 (set the schedule's decay steps to stretch the cosine)",
    ]);
  });

  it('applies a schedule change with a note that gives the new learning rate', () => {
    const plan = planResume(saved, { training: { steps: 4000 }, schedule: { decaySteps: 4000 } }, 2000);
    expect(plan.spec.schedule.decaySteps).toBe(4000);
    expect(plan.notes[0]).toMatch(
      /^schedule changed \(schedule\.decaySteps 2000 → 4000\): the learning rate at step 2000 goes from 1\.00e-4 to 5\.6\de-4$/,
    );
  });

  it('never recomputes a step decay from a new step count (the 200k → 10,300 bug)', () => {
    const lecture = resolveRunSpec({ model: { type: 'mlp' }, training: { steps: 200000 } });
    expect(lecture.schedule.milestones).toEqual([150000]);
    const plan = planResume(lecture, { training: { steps: 10300 } }, 10000);
    expect(plan.spec.schedule.milestones).toEqual([150000]);
    expect(plan.notes[0]).toContain('the learning rate at step 10000 stays 1.00e-1');
  });

  it.each([
    [{ data: { dataset: 'names' } }, 'data.dataset'],
    [{ model: { nEmbd: 256 } }, 'model.nEmbd'],
    [{ optimizer: { type: 'sgd' } }, 'optimizer.type'],
    [{ training: { seed: 1 } }, 'training.seed'],
  ])('refuses %j, naming %s and the consequence', (changes, field) => {
    expect(() => planResume(saved, changes as never, 1000)).toThrow(
      new RegExp(`^${field.replace('.', '\\.')}: cannot change when resuming`),
    );
  });

  it('refuses to resume a finished run without more steps', () => {
    expect(() => planResume(saved, {}, 2000)).toThrow(
      /^training\.steps: the run is already at step 2000 of 2000/,
    );
  });
});

describe('sweeps', () => {
  it('parses short and dotted field names with JSON values', () => {
    expect(parseSweepAxis('blockSize=2,3,4')).toEqual({ field: 'model.blockSize', values: [2, 3, 4] });
    expect(parseSweepAxis('optimizer.lr=0.1,0.05')).toEqual({ field: 'optimizer.lr', values: [0.1, 0.05] });
    expect(() => parseSweepAxis('blocksize=2')).toThrow(/^blocksize: is not a field a sweep can set/);
    expect(() => parseSweepAxis('nEmbd')).toThrow(/expected field=value/);
  });

  it('expands the grid row-major, each point a resolved spec', () => {
    const base = { ...recipeSpec('lecture-mlp'), training: { steps: 20000 } };
    const points = expandSweep(base as never, [
      parseSweepAxis('blockSize=2,3,4'),
      parseSweepAxis('nEmbd=2,10,30'),
    ]);
    expect(points).toHaveLength(9);
    expect(points[1]?.assignment).toEqual({ 'model.blockSize': 2, 'model.nEmbd': 10 });
    expect(points[1]?.spec.model).toMatchObject({ blockSize: 2, nEmbd: 10, nHidden: 200 });
    expect(new Set(points.map((p) => p.key)).size).toBe(9);
  });

  it('rejects a point whose spec is invalid, naming the field', () => {
    expect(() =>
      expandSweep({ model: { type: 'transformer', nEmbd: 64 } }, [parseSweepAxis('nHead=3')]),
    ).toThrow(/^model\.nHead:/);
  });
});
