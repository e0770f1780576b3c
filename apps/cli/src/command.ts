/**
 * The shape of a CLI command: its flags, help text and handler. Commands with subcommands
 * (`datasets list`, `tokenize encode`) are registered under their full two-word name.
 */
import type { Args, FlagSpec } from './args';
import type { Io, Output } from './ui/output';

/** What a command handler gets. */
export interface Context {
  io: Io;
  out: Output;
  /** Aborted on SIGINT; long commands stop cleanly (train saves a checkpoint first). */
  signal: AbortSignal;
}

/** One command of the CLI. */
export interface Command {
  /** `train`, or `datasets list` for a subcommand. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Usage line after `makemore `, e.g. `sample --checkpoint <dir> [options]`. */
  usage: string;
  /** Optional paragraph under the usage line. */
  details?: string;
  flags: FlagSpec[];
  /** Example command lines (without the leading `makemore `) with a comment each. */
  examples: [string, string][];
  /** True when the command watches `signal` and stops cleanly on Ctrl-C (train saves a checkpoint). */
  interruptible?: boolean;
  /** Runs the command; resolves to the exit code (0 when undefined). */
  run(args: Args, ctx: Context): Promise<number | undefined> | number | undefined;
}

/** Flags every command accepts. */
export const COMMON_FLAGS: FlagSpec[] = [
  { name: 'json', type: 'boolean', description: 'print one JSON object per line on stdout, nothing else' },
  { name: 'quiet', short: 'q', type: 'boolean', description: 'print only results, no progress' },
  {
    name: 'verbose',
    type: 'boolean',
    description: 'also print notes about optional parts, such as a tensor backend that is not installed',
  },
  { name: 'help', short: 'h', type: 'boolean', description: 'show this help' },
];

/** Flags of the commands that run tensors. */
export const BACKEND_FLAGS: FlagSpec[] = [
  {
    name: 'backend',
    type: 'string',
    choices: ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'],
    default: 'auto',
    placeholder: '<name>',
    description: 'tensor backend; auto picks the fastest that loads',
  },
  {
    name: 'threads',
    type: 'int',
    min: 1,
    placeholder: '<n>',
    description: 'wasm threads (default 1; 2+ split large matrix products over helper threads)',
  },
];
