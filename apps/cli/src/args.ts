/**
 * A small command-line parser: `--flag value`, `--flag=value`, `--no-flag`, `-h`, `--` and positionals,
 * checked against each command's flag table. Unknown flags and values are errors that suggest the closest
 * valid spelling.
 */
import { CliError } from './errors';
import { didYouMean } from './suggest';

/** How a flag's value is read. */
export type FlagType = 'string' | 'int' | 'number' | 'boolean';

/** One flag of a command, as its help and the parser see it. */
export interface FlagSpec {
  /** Long name without dashes, e.g. `block-size`. */
  name: string;
  type: FlagType;
  description: string;
  /** Single-letter alias without the dash. */
  short?: string;
  /** Allowed values; with `open`, other values pass too (e.g. a dataset name or a file path). */
  choices?: readonly string[];
  /** Accept values outside `choices` (they are then checked by the command, e.g. as a path). */
  open?: boolean;
  /** Value used when the flag is absent (shown in help). */
  default?: string | number | boolean;
  /** Placeholder for the value in help, e.g. `<dir>`. */
  placeholder?: string;
  /** Smallest allowed value for numeric flags. */
  min?: number;
  /** Largest allowed value for numeric flags. */
  max?: number;
  /** A string flag that may be given several times; read all values with `Args.strings`. */
  repeatable?: boolean;
}

/** Parsed flags by long name, plus positionals. */
export interface ParsedArgs {
  flags: Record<string, string | number | boolean | undefined>;
  /** Names of the flags the user actually passed (as opposed to defaults). */
  given: Set<string>;
  /** Every value of each repeatable flag, in order. */
  lists: Record<string, string[]>;
  positionals: string[];
}

function readValue(spec: FlagSpec, raw: string): string | number | boolean {
  const flag = `--${spec.name}`;
  if (spec.type === 'int' || spec.type === 'number') {
    const value = Number(raw.replace(/_/g, ''));
    if (raw.trim() === '' || !Number.isFinite(value)) {
      throw new CliError(`${flag} expects ${spec.type === 'int' ? 'an integer' : 'a number'}, got '${raw}'`);
    }
    if (spec.type === 'int' && !Number.isInteger(value)) {
      throw new CliError(`${flag} expects an integer, got '${raw}'`);
    }
    if (spec.min !== undefined && value < spec.min) {
      throw new CliError(`${flag} must be at least ${spec.min}, got ${raw}`);
    }
    if (spec.max !== undefined && value > spec.max) {
      throw new CliError(`${flag} must be at most ${spec.max}, got ${raw}`);
    }
    return value;
  }
  if (spec.type === 'boolean') {
    if (/^(true|1|yes|on)$/i.test(raw)) return true;
    if (/^(false|0|no|off)$/i.test(raw)) return false;
    throw new CliError(`${flag} expects true or false, got '${raw}'`);
  }
  if (spec.choices && !spec.open && !spec.choices.includes(raw)) {
    throw new CliError(
      `unknown value '${raw}' for ${flag}${didYouMean(raw, spec.choices)} (one of: ${spec.choices.join(', ')})`,
    );
  }
  return raw;
}

/** Parses `argv` (without the command words) against `specs`. Throws {@link CliError} on any mistake. */
export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[], command: string): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const flags: ParsedArgs['flags'] = {};
  const given = new Set<string>();
  const lists: Record<string, string[]> = {};
  const positionals: string[] = [];
  for (const spec of specs) if (spec.default !== undefined) flags[spec.name] = spec.default;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq === -1 ? undefined : arg.slice(eq + 1);
    } else {
      const short = byShort.get(arg.slice(1, 2));
      if (!short || arg.length > 2) {
        throw new CliError(`unknown option '${arg}' for '${command}'; run 'makemore ${command} --help'`);
      }
      name = short.name;
    }
    let spec = byName.get(name);
    let negated = false;
    if (!spec && name.startsWith('no-') && byName.get(name.slice(3))?.type === 'boolean') {
      spec = byName.get(name.slice(3));
      negated = true;
    }
    if (!spec) {
      const names = specs.map((s) => s.name);
      const hint = didYouMean(name, names, '--');
      throw new CliError(
        `unknown option '--${name}' for '${command}'${hint || `; run 'makemore ${command} --help' for the options`}`,
      );
    }
    given.add(spec.name);
    if (spec.type === 'boolean') {
      flags[spec.name] = inline === undefined ? !negated : readValue(spec, inline);
      continue;
    }
    let raw = inline;
    if (raw === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new CliError(`--${spec.name} needs a value${spec.placeholder ? ` ${spec.placeholder}` : ''}`);
      }
      raw = next;
      i++;
    }
    flags[spec.name] = readValue(spec, raw);
    if (spec.repeatable) lists[spec.name] = [...(lists[spec.name] ?? []), String(flags[spec.name])];
  }
  return { flags, given, positionals, lists };
}

/** Typed accessors over {@link ParsedArgs}. */
export class Args {
  constructor(readonly parsed: ParsedArgs) {}
  has(name: string): boolean {
    return this.parsed.given.has(name);
  }
  string(name: string): string | undefined {
    const v = this.parsed.flags[name];
    return v === undefined ? undefined : String(v);
  }
  number(name: string): number | undefined {
    const v = this.parsed.flags[name];
    return typeof v === 'number' ? v : undefined;
  }
  /** All values of a repeatable flag (empty when it was not given). */
  strings(name: string): string[] {
    return this.parsed.lists[name] ?? [];
  }
  bool(name: string): boolean {
    return this.parsed.flags[name] === true;
  }
  get positionals(): string[] {
    return this.parsed.positionals;
  }
}
