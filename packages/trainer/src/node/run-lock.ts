/**
 * A lock on a run folder, so that two training processes never write the same checkpoints and metrics.
 *
 * The lock is a file `<dir>/.lock` holding JSON { pid, host, startedAt, command, token }. Creating it
 * uses O_EXCL (`open(..., 'wx')`), which the file system grants to exactly one process. When the file
 * exists, its holder is checked: on this host, a pid that no longer runs means the holder died (kill -9,
 * a power cut) and the lock is stale, so it is taken over; a live pid, or a holder on another host that
 * cannot be checked, means the folder is busy and {@link RunLockedError} names that process.
 *
 * Taking over removes the stale file and creates a new one; two processes doing that at once could both
 * remove, so each reads the lock back after creating it and only the one whose token it holds proceeds.
 * A pid reused by an unrelated process after a crash makes the lock look held: the error says which
 * file to delete in that case.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';

/** The lock file's name inside a run folder. */
export const RUN_LOCK_FILE = '.lock';

/** What a lock file records about the process holding it. */
export interface RunLockHolder {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  startedAt: string;
  /** The command line of the holder, for the message. */
  command: string;
  /** Random, so a process can tell its own lock from one that replaced it. */
  token: string;
}

/** The folder is locked by another live process (or one on another host). */
export class RunLockedError extends Error {
  constructor(
    /** The lock file. */
    readonly path: string,
    /** Who holds it (null when the file could not be read as a lock). */
    readonly holder: RunLockHolder | null,
  ) {
    const who = holder
      ? `process ${holder.pid} on ${holder.host} (started ${holder.startedAt}: ${holder.command})`
      : 'another process (its lock file is unreadable)';
    super(
      `${resolve(path, '..')} is in use by ${who}; wait for it to finish, or use another folder. ` +
        `If that process is gone, delete ${path}`,
    );
    this.name = 'RunLockedError';
  }
}

/** A held lock. Release it when the run ends; a process exit releases it too. */
export interface RunLock {
  /** The lock file. */
  readonly path: string;
  /** What the lock records about this process. */
  readonly holder: RunLockHolder;
  /** The stale lock of a dead process this one took over, if any. */
  readonly tookOver: RunLockHolder | null;
  /** Removes the lock file, if it is still ours. */
  release(): void;
}

/** Options for {@link acquireRunLock}. */
export interface AcquireRunLockOptions {
  /** Recorded for the message another process prints (default: this process's argv). */
  command?: string;
}

/**
 * Takes the lock on run folder `dir` (created if missing), taking over a stale lock of a dead process.
 * Throws {@link RunLockedError} naming the holder when another live process has it.
 */
export async function acquireRunLock(dir: string, options: AcquireRunLockOptions = {}): Promise<RunLock> {
  await mkdir(dir, { recursive: true });
  const path = join(resolve(dir), RUN_LOCK_FILE);
  const holder: RunLockHolder = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    command: options.command ?? process.argv.slice(1).join(' '),
    token: `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
  };
  let tookOver: RunLockHolder | null = null;
  // Two rounds: the second follows the removal of a stale lock.
  for (let attempt = 0; attempt < 2; attempt++) {
    if (createExclusive(path, holder)) {
      if (readHolder(path)?.token !== holder.token) throw new RunLockedError(path, readHolder(path));
      return heldLock(path, holder, tookOver);
    }
    const current = readHolder(path);
    const stale = current ? isStale(current) : unreadableForLong(path);
    if (!stale) throw new RunLockedError(path, current);
    tookOver = current;
    try {
      unlinkSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new RunLockedError(path, readHolder(path));
}

function heldLock(path: string, holder: RunLockHolder, tookOver: RunLockHolder | null): RunLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    if (readHolder(path)?.token !== holder.token) return;
    try {
      unlinkSync(path);
    } catch {
      // Already gone: nothing to release.
    }
  };
  process.once('exit', release);
  return { path, holder, tookOver, release };
}

/** Creates the lock file with O_EXCL; false when it already exists. */
function createExclusive(path: string, holder: RunLockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, `${JSON.stringify(holder)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The holder a lock file records, or null when it is missing or not a lock. */
export function readHolder(path: string): RunLockHolder | null {
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<RunLockHolder>;
    if (typeof raw.pid !== 'number' || typeof raw.host !== 'string') return null;
    return {
      pid: raw.pid,
      host: raw.host,
      startedAt: String(raw.startedAt ?? '?'),
      command: String(raw.command ?? '?'),
      token: String(raw.token ?? ''),
    };
  } catch {
    return null;
  }
}

/**
 * A lock file that is not valid JSON is one whose writer died between creating and writing it; once it
 * is a few seconds old, nobody is about to finish writing it.
 */
function unreadableForLong(path: string): boolean {
  const s = statSync(path, { throwIfNoEntry: false });
  return s !== undefined && Date.now() - s.mtimeMs > 5000;
}

/** A lock is stale when its holder ran on this host and its pid no longer runs. */
function isStale(holder: RunLockHolder): boolean {
  if (holder.host !== hostname()) return false;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    // EPERM: the pid exists but belongs to another user, so it runs.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
