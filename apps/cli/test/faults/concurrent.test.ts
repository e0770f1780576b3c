// Two `makemore train` processes on one --out: the second is refused (exit 2, naming the first
// process) and the first finishes with its checkpoints and metrics whole. A lock left by a dead
// process is taken over.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers';
import { loadSlots, metricSteps, spawnCli, waitForOutput } from './faults-helpers';

const root = mkdtempSync(join(tmpdir(), 'makemore-concurrent-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('two runs on one folder', () => {
  it('refuses the second run naming the first, and the first completes intact', async () => {
    const out = join(root, 'shared');
    const first = spawnCli(
      ['train', '--out', out, '--json', '--steps', '300', '--eval-every', '100', '--eval-iters', '2'],
      {
        cwd: root,
      },
    );
    await waitForOutput(first, (s) => s.includes('"type":"start"'));
    const second = await runCli(['train', '--out', out, '--steps', '300'], { cwd: root });
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`is in use by process ${first.child.pid} on ${hostname()}`));
    const result = await first.done;
    expect(result.code).toBe(0);
    expect(await loadSlots(out)).toMatchObject({ last: 300 });
    expect(metricSteps(out, (p) => readFileSync(p, 'utf8'))).toEqual(
      Array.from({ length: 300 }, (_, i) => i + 1),
    );
  }, 120_000);

  it('takes over the lock of a process that died', async () => {
    const out = join(root, 'stale');
    mkdirSync(out, { recursive: true });
    const dead = Number(
      spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout,
    );
    writeFileSync(
      join(out, '.lock'),
      JSON.stringify({ pid: dead, host: hostname(), startedAt: 'earlier', command: 'train', token: 'x' }),
    );
    const result = await runCli(['train', '--out', out, '--steps', '20', '--eval-every', '10'], {
      cwd: root,
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(new RegExp(`took over the lock of process ${dead}, which no longer runs`));
  }, 60_000);
});
