// A failing disk and an unwritable run folder: `ulimit -f` makes writes fail with EFBIG (Node ignores
// SIGXFSZ, so the write returns the error), an immutable folder (`chattr +i`, which stops root too)
// refuses new files, and a file where the run folder should be refuses everything. Each must end in
// exit 2 with one line naming the file, no stack trace, no temp folder, and the last good checkpoint
// intact.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers';
import { leftovers, loadSlots, spawnCli } from './faults-helpers';

const root = mkdtempSync(join(tmpdir(), 'makemore-disk-'));
afterAll(() => {
  spawnSync('chattr', ['-R', '-i', root]);
  rmSync(root, { recursive: true, force: true });
});

/** One line on stderr, no stack trace (the notice about tfjs-node aside). */
function errorLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.startsWith('makemore: error:'));
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

describe('a failing disk', () => {
  it('ends a run whose metrics log hits ulimit -f in exit 2 naming metrics.jsonl, checkpoints intact', async () => {
    const out = join(root, 'efbig-metrics');
    // 64 KiB: the checkpoint files (under 50 KB each) fit, the metrics log outgrows it after ~400 steps.
    const run = spawnCli(
      ['train', '--out', out, '--steps', '2000', '--eval-every', '100', '--eval-iters', '2'],
      {
        cwd: root,
        shellPrefix: 'ulimit -f 64',
      },
    );
    const result = await run.done;
    expect(result.code).toBe(2);
    const line = errorLine(result.stderr);
    expect(line).toContain(join(out, 'metrics.jsonl'));
    expect(line).toMatch(/file too large|EFBIG/i);
    expect(leftovers(out)).toEqual([]);
    const steps = await loadSlots(out);
    expect(steps.last).toBeGreaterThan(0);
  }, 120_000);

  it('ends a run whose checkpoint hits ulimit -f in exit 2 naming the folder, with no temp folder left', async () => {
    const out = join(root, 'efbig-checkpoint');
    const run = spawnCli(['train', '--out', out, '--steps', '50', '--eval-every', '10'], {
      cwd: root,
      shellPrefix: 'ulimit -f 20',
    });
    const result = await run.done;
    expect(result.code).toBe(2);
    const line = errorLine(result.stderr);
    expect(line).toMatch(new RegExp(`cannot save the '(best|last)' checkpoint in ${out}`));
    expect(leftovers(out)).toEqual([]);
  }, 120_000);
});

describe('an unwritable run folder', () => {
  it('refuses --out below a regular file in one line', async () => {
    const file = join(root, 'plain-file');
    writeFileSync(file, 'not a folder');
    const result = await runCli(['train', '--out', join(file, 'run'), '--steps', '5'], { cwd: root });
    expect(result.code).toBe(2);
    expect(errorLine(result.stderr)).toContain(join(file, 'run'));
  }, 60_000);

  it('ends in exit 2 naming metrics.jsonl when the log cannot be opened', async () => {
    const out = join(root, 'metrics-dir');
    mkdirSync(join(out, 'metrics.jsonl'), { recursive: true });
    writeFileSync(join(out, 'metrics.jsonl', 'x'), 'keeps rm from removing the folder');
    const result = await runCli(['train', '--out', out, '--steps', '30', '--eval-every', '10'], {
      cwd: root,
    });
    expect(result.code).toBe(2);
    expect(errorLine(result.stderr)).toContain(join(out, 'metrics.jsonl'));
  }, 60_000);

  it('ends a resume into an immutable folder (chattr +i) in exit 2 with one line, checkpoint intact', async () => {
    const out = join(root, 'immutable');
    const first = await runCli(['train', '--out', out, '--steps', '20', '--eval-every', '10'], { cwd: root });
    expect(first.code).toBe(0);
    const before = readFileSync(join(out, 'last', 'model.safetensors'));
    // chattr needs a file system with attributes (ext4, xfs, btrfs); the suite's tmpdir must have them.
    const chattr = spawnSync('chattr', ['+i', out]);
    expect(chattr.status, `chattr +i failed: ${chattr.stderr}`).toBe(0);
    try {
      const result = await runCli(['train', '--out', out, '--resume', '--steps', '40'], { cwd: root });
      expect(result.code).toBe(2);
      expect(errorLine(result.stderr)).toContain(out);
    } finally {
      spawnSync('chattr', ['-i', out]);
    }
    expect(readFileSync(join(out, 'last', 'model.safetensors'))).toEqual(before);
    expect(await loadSlots(out)).toMatchObject({ last: 20 });
  }, 60_000);
});
