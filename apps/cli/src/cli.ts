/**
 * The `makemore` entry point as a function: `run(argv)` parses the command line, dispatches to a command
 * and turns every error into exit code 2 with one line on stderr (the stack only with `DEBUG` set).
 */
import { Args, parseArgs } from './args';
import { type Command, COMMON_FLAGS, type Context } from './command';
import { benchCommand } from './commands/bench';
import { datasetsCommands } from './commands/datasets';
import { evalCommand } from './commands/eval';
import { exportCommands } from './commands/export';
import { importCommands } from './commands/import';
import { lrFindCommand } from './commands/lr-find';
import { presetsCommand } from './commands/presets';
import { prepareCommand } from './commands/prepare';
import { sampleCommand } from './commands/sample';
import { sweepCommand } from './commands/sweep';
import { tokenizeCommands } from './commands/tokenize';
import { trainCommand } from './commands/train';
import { CliError, EXIT_USAGE, oneLine } from './errors';
import { commandHelp, mainHelp } from './help';
import { didYouMean } from './suggest';
import { type Io, Output } from './ui/output';
import { VERSION } from './version';

/** Every command, in the order `makemore --help` lists them. */
export const COMMANDS: readonly Command[] = [
  trainCommand,
  presetsCommand,
  sweepCommand,
  sampleCommand,
  evalCommand,
  lrFindCommand,
  ...tokenizeCommands,
  ...datasetsCommands,
  prepareCommand,
  ...exportCommands,
  ...importCommands,
  benchCommand,
];

/** Options for {@link run}. */
export interface RunOptions {
  /** Install a SIGINT handler that aborts the running command (the bin does; tests calling run() don't). */
  handleSignals?: boolean;
  /** An external abort signal (e.g. from a host program). */
  signal?: AbortSignal;
}

/** The real process streams and environment. */
export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** Finds the command named by the first one or two words of `argv`; returns it and the rest. */
export function resolveCommand(argv: readonly string[]): { command: Command; rest: string[] } {
  const [first, second] = argv;
  const groups = [...new Set(COMMANDS.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0]!))];
  const topWords = [...new Set(COMMANDS.map((c) => c.name.split(' ')[0]!))];
  if (first === undefined) throw new CliError("missing command; run 'makemore --help'");
  if (groups.includes(first)) {
    const subs = COMMANDS.filter((c) => c.name.startsWith(`${first} `)).map((c) => c.name.split(' ')[1]!);
    if (second === undefined || second.startsWith('-')) {
      throw new CliError(
        `'${first}' needs a subcommand: ${subs.join(', ')} (e.g. 'makemore ${first} ${subs[0]}')`,
      );
    }
    const command = COMMANDS.find((c) => c.name === `${first} ${second}`);
    if (!command) {
      throw new CliError(
        `unknown command '${first} ${second}'${didYouMean(second, subs, `${first} `)} (one of: ${subs.join(', ')})`,
      );
    }
    return { command, rest: argv.slice(2) };
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    const hint = didYouMean(first, topWords);
    throw new CliError(`unknown command '${first}'${hint || "; run 'makemore --help' for the commands"}`);
  }
  return { command, rest: argv.slice(1) };
}

function reportError(error: unknown, io: Io, json: boolean): number {
  const message = oneLine(error);
  io.stderr.write(`makemore: error: ${message}\n`);
  // JSON consumers read stdout only: give them the error as a line of its own type too.
  if (json) io.stdout.write(`${JSON.stringify({ type: 'error', message })}\n`);
  if (io.env.DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  return error instanceof CliError ? error.exitCode : EXIT_USAGE;
}

/**
 * Runs the CLI with `argv` (the arguments after `makemore`) and resolves to the exit code. It never
 * throws: errors are printed to `io.stderr` as one line.
 */
export async function run(
  argv: readonly string[],
  io: Io = processIo(),
  options: RunOptions = {},
): Promise<number> {
  const controller = new AbortController();
  options.signal?.addEventListener('abort', () => controller.abort(options.signal?.reason));
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) {
      // Show the cursor again in case a progress bar hid it.
      io.stderr.write(
        `${io.stderr.isTTY ? '\x1b[?25h' : ''}\nmakemore: interrupted twice, exiting without saving\n`,
      );
      process.exit(130);
    }
    io.stderr.write('\nmakemore: interrupted; finishing the current step (Ctrl-C again to quit now)\n');
    controller.abort(new CliError('interrupted'));
  };
  let listening = false;
  try {
    const [first] = argv;
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      const topic = first === 'help' ? argv.slice(1) : [];
      if (topic.length > 0) {
        const { command } = resolveCommand(topic);
        io.stdout.write(commandHelp(command));
        return 0;
      }
      io.stdout.write(mainHelp(COMMANDS, VERSION));
      return first === undefined ? EXIT_USAGE : 0;
    }
    if (first === '--version' || first === '-v' || first === 'version') {
      io.stdout.write(`${VERSION}\n`);
      return 0;
    }
    const { command, rest } = resolveCommand(argv);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(commandHelp(command));
      return 0;
    }
    // Commands that stop cleanly (train saves a checkpoint) take over Ctrl-C; the others just exit.
    if (options.handleSignals && command.interruptible) {
      process.on('SIGINT', onSigint);
      listening = true;
    }
    const parsed = parseArgs(rest, [...command.flags, ...COMMON_FLAGS], command.name);
    const args = new Args(parsed);
    const out = new Output(io, { json: args.bool('json'), quiet: args.bool('quiet') });
    const context: Context = { io, out, signal: controller.signal };
    return (await command.run(args, context)) ?? 0;
  } catch (error) {
    return reportError(error, io, argv.includes('--json'));
  } finally {
    if (listening) process.off('SIGINT', onSigint);
  }
}
