/**
 * The CLI's error type. Every failure the user can fix ends the process with exit code 2 and one line on
 * stderr; the stack trace is printed only when the `DEBUG` environment variable is set.
 */

/** Exit code for every user-facing error: bad flags, missing files, unavailable data or backends. */
export const EXIT_USAGE = 2;
/** Exit code after Ctrl-C, following the shell convention 128 + SIGINT. */
export const EXIT_INTERRUPTED = 130;

/** An error whose message is meant for the user as is. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = options?.exitCode ?? EXIT_USAGE;
  }
}

/** Any thrown value as one line of text (newlines in library messages become `; `). */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .join('; ');
}
