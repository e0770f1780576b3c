// Helpers for the end-to-end tests: build the CLI when its dist is missing or stale, and run it as a
// child process with a controlled environment.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI_DIR = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
export const REPO = resolve(CLI_DIR, '../..');
export const BIN = join(CLI_DIR, 'dist', 'bin.js');
export const DATA_DIR = process.env.MAKEMORE_DATA_DIR as string;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the CLI (and the packages it needs) when dist/bin.js is missing or older than src. */
export function ensureBuilt(): void {
  const stale = !existsSync(BIN) || statSync(BIN).mtimeMs < newestMtime(join(CLI_DIR, 'src'));
  const depsMissing = ['tokenizers', 'datasets', 'backend', 'models', 'trainer'].some(
    (p) => !existsSync(join(REPO, 'packages', p, 'dist', 'node.js')),
  );
  if (depsMissing) {
    execFileSync(
      'pnpm',
      ['turbo', 'run', 'build', '--filter=@makemore/cli...', '--output-logs=errors-only'],
      {
        cwd: REPO,
        stdio: 'inherit',
      },
    );
  } else if (stale) {
    execFileSync('pnpm', ['--filter', '@makemore/cli', 'build'], { cwd: REPO, stdio: 'inherit' });
  }
}

/** What a CLI run produced. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options for {@link spawnCli}. */
export interface SpawnOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Shell commands run before the CLI in `bash -c` (e.g. `ulimit -f 64`); without it, no shell. */
  shellPrefix?: string;
  /** The child is killed (SIGKILL) after this long (default 90 s). */
  timeoutMs?: number;
}

/** A running CLI process and what it has printed so far. */
export interface Spawned {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when the process has exited. */
  done: Promise<CliResult>;
}

/**
 * Starts `node dist/bin.js ...args` with the test environment (the shared datasets, no MAKEMORE_STEPS or
 * DEBUG, CI=1, then `options.env`; a value of undefined removes a variable).
 */
export function spawnCli(args: string[], options: SpawnOptions): Spawned {
  const env: Record<string, string | undefined> = {
    ...process.env,
    MAKEMORE_DATA_DIR: DATA_DIR,
    MAKEMORE_STEPS: undefined,
    DEBUG: undefined,
    CI: '1',
    ...options.env,
  };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const spawnOptions = { cwd: options.cwd, env: env as NodeJS.ProcessEnv };
  const child = options.shellPrefix
    ? spawn(
        'bash',
        ['-c', `${options.shellPrefix}; exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`],
        spawnOptions,
      )
    : spawn(process.execPath, [BIN, ...args], spawnOptions);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
  const done = new Promise<CliResult>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

/** Options for {@link runCli}. */
export interface RunOptions extends Omit<SpawnOptions, 'shellPrefix'> {
  /** Called with each stdout chunk; return true to send SIGINT to the child. */
  interruptWhen?: (stdoutSoFar: string) => boolean;
}

/** Runs `node dist/bin.js ...args` to its end and collects its output. */
export function runCli(args: string[], options: RunOptions): Promise<CliResult> {
  const spawned = spawnCli(args, options);
  const { interruptWhen } = options;
  if (interruptWhen) {
    let interrupted = false;
    spawned.child.stdout?.on('data', () => {
      if (!interrupted && interruptWhen(spawned.stdout())) {
        interrupted = true;
        spawned.child.kill('SIGINT');
      }
    });
  }
  return spawned.done;
}

/** Parses JSON-lines output; throws if any line is not JSON. */
export function jsonLines(stdout: string): Array<{ type: string } & Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      try {
        return JSON.parse(line) as { type: string } & Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON line: ${line}`);
      }
    });
}
