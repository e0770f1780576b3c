/**
 * Where the CLI's output goes, in three modes:
 * - `tty`: human text on stdout and a live progress bar (cli-progress) on stderr;
 * - `plain` (no TTY: CI, pipes): human text and a progress line every few percent;
 * - `json`: one JSON object per line on stdout with a stable `type`, and nothing else on stdout.
 * Notices (fallbacks, hints) always go to stderr so they never corrupt piped output.
 */
import cliProgress from 'cli-progress';
import { formatDuration } from './table';

/** A stream the CLI writes to (process.stdout or a test buffer). */
export interface OutStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** The process's streams and environment, injectable for tests. */
export interface Io {
  stdout: OutStream;
  stderr: OutStream;
  env: Record<string, string | undefined>;
  /** Working directory that relative paths resolve against. */
  cwd: string;
}

/** Output mode, see the file header. */
export type OutputMode = 'tty' | 'plain' | 'json';

/** Fields shown on the progress bar and in plain progress lines. */
export interface ProgressFields {
  loss?: number;
  lr?: number;
  /** Steps (or items) per second. */
  rate?: number;
  /** Free text appended at the end, e.g. `dev 2.31`. */
  note?: string;
}

/** A running progress display; call `update` as work advances and `stop` at the end. */
export interface Progress {
  update(value: number, fields?: ProgressFields): void;
  /** Prints a line above the bar without breaking it. */
  log(text: string): void;
  stop(): void;
}

function fieldText(fields: ProgressFields, unit: string): string {
  const parts: string[] = [];
  if (fields.loss !== undefined) parts.push(`loss ${fields.loss.toFixed(4)}`);
  if (fields.lr !== undefined) parts.push(`lr ${fields.lr.toPrecision(3)}`);
  if (fields.rate !== undefined) parts.push(`${fields.rate.toFixed(fields.rate < 10 ? 2 : 0)} ${unit}/s`);
  if (fields.note) parts.push(fields.note);
  return parts.join(' | ');
}

/** The CLI's writer for one command run. */
export class Output {
  readonly mode: OutputMode;
  constructor(
    readonly io: Io,
    options: { json?: boolean; quiet?: boolean },
    readonly quiet = options.quiet ?? false,
  ) {
    this.mode = options.json ? 'json' : io.stderr.isTTY && io.env.CI === undefined ? 'tty' : 'plain';
  }

  /** Human-readable result text on stdout (suppressed in json mode). */
  line(text = ''): void {
    if (this.mode !== 'json') this.io.stdout.write(`${text}\n`);
  }

  /** Progress-like chatter on stdout, hidden by --quiet and in json mode. */
  info(text: string): void {
    if (!this.quiet) this.line(text);
  }

  /** A notice on stderr (fallbacks, hints); shown in every mode unless --quiet. */
  notice(text: string): void {
    if (!this.quiet) this.io.stderr.write(`${text}\n`);
  }

  /** One JSON line on stdout in json mode; ignored otherwise. */
  json(record: { type: string } & Record<string, unknown>): void {
    if (this.mode === 'json') this.io.stdout.write(`${JSON.stringify(record, jsonReplacer)}\n`);
  }

  /**
   * A progress display for `total` units. In tty mode a cli-progress bar on stderr; in plain mode a line
   * every `plainEvery` units (default: 5 % of the total); nothing in json mode or with --quiet.
   */
  progress(label: string, total: number, options: { unit?: string; plainEvery?: number } = {}): Progress {
    const unit = options.unit ?? 'steps';
    if (this.mode === 'json' || this.quiet) {
      return { update() {}, log: () => {}, stop() {} };
    }
    if (this.mode === 'plain') {
      const every = options.plainEvery ?? Math.max(1, Math.ceil(total / 20));
      const start = Date.now();
      let last = -1;
      return {
        update: (value, fields = {}) => {
          if (value === last || (value % every !== 0 && value !== total)) return;
          last = value;
          const elapsed = (Date.now() - start) / 1000;
          const eta = value > 0 ? (elapsed / value) * (total - value) : Number.NaN;
          const text = fieldText(fields, unit);
          this.line(`${label} ${value}/${total}${text ? ` | ${text}` : ''} | eta ${formatDuration(eta)}`);
        },
        log: (text) => this.line(text),
        stop() {},
      };
    }
    const bar = new cliProgress.SingleBar(
      {
        stream: this.io.stderr as NodeJS.WriteStream,
        format: `${label} {bar} {value}/{total} | {fields} | ETA {eta_formatted}`,
        barsize: 24,
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 50,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { fields: '' });
    return {
      update: (value, fields = {}) => bar.update(value, { fields: fieldText(fields, unit) }),
      log: (text) => {
        // Clear the bar's line, print, and let the next redraw put the bar back below the text.
        this.io.stderr.write('\r\x1b[2K');
        this.line(text);
      },
      stop: () => bar.stop(),
    };
  }
}

/** JSON.stringify replacer: non-finite numbers become null instead of invalid JSON. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (typeof value === 'bigint') return Number(value);
  return value;
}
