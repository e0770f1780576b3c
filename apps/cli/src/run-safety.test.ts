import { NonFiniteLossError } from '@makemore/trainer';
import { describe, expect, it } from 'vitest';
import { CliError } from './errors';
import { flagOf, trainFailure } from './run-safety';

describe('run-safety', () => {
  it('names config fields by their flags', () => {
    expect(['batchSize', 'blockSize', 'nEmbd', 'nLayer', 'nHidden'].map(flagOf)).toEqual([
      '--batch-size',
      '--block-size',
      '--n-embd',
      '--n-layer',
      '--n-hidden',
    ]);
  });

  it('words a divergence in flags, truthful about the checkpoint', async () => {
    const none = await trainFailure(new NonFiniteLossError(7, Number.NaN, 'training', null, undefined));
    expect(none).toBeInstanceOf(CliError);
    expect(none.message).toBe(
      'training loss is NaN at step 7; training stopped and no checkpoint had been saved yet. Try a lower --lr or gradient clipping (--grad-clip 1)',
    );
    const kept = await trainFailure(
      new NonFiniteLossError(12, Number.POSITIVE_INFINITY, 'dev evaluation', 10, 1),
    );
    expect(kept.message).toMatch(
      /dev evaluation loss is Infinity at step 12; .*the checkpoint of step 10 was kept/,
    );
    expect(kept.message).toMatch(/a lower --grad-clip than 1$/);
    expect(kept.message).not.toMatch(/gradClip/);
  });

  it('replaces the engine words for running out of memory with the flags to lower', async () => {
    for (const raw of [
      'Aborted(). Build with -sASSERTIONS for more info.',
      'memory access out of bounds',
      'Invalid typed array length: 27000000000',
    ]) {
      const error = await trainFailure(new Error(raw));
      expect(error.message).not.toContain(raw);
      expect(error.message).toMatch(/ran out of memory.*--batch-size/);
    }
    expect((await trainFailure(new Error('other'))).message).toBe('other');
  });
});
