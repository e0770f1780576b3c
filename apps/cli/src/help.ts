/** Help text for the whole CLI and for each command. */
import type { FlagSpec } from './args';
import { type Command, COMMON_FLAGS } from './command';

function flagLabel(flag: FlagSpec): string {
  const short = flag.short ? `-${flag.short}, ` : '    ';
  const value =
    flag.type === 'boolean'
      ? ''
      : ` ${flag.placeholder ?? (flag.choices && !flag.open ? flag.choices.join('|') : `<${flag.type === 'string' ? 'value' : flag.type}>`)}`;
  return `${short}--${flag.name}${value}`;
}

function flagDescription(flag: FlagSpec): string {
  let text = flag.description;
  const listed = flag.choices?.every((c) => flag.placeholder?.includes(c)) ?? false;
  if (flag.choices && !listed && (flag.open || flag.placeholder)) text += ` (${flag.choices.join(', ')})`;
  if (flag.default !== undefined && flag.type !== 'boolean') text += ` [default: ${flag.default}]`;
  return text;
}

/** Help text is wrapped to this many columns. */
const HELP_WIDTH = 100;

/** Splits `text` into lines of at most `width` characters at spaces. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line.length > 0 ? `${line} ${word}` : word;
  }
  if (line.length > 0) lines.push(line);
  return lines;
}

/** The `--help` text of one command. */
export function commandHelp(command: Command): string {
  const flags = [...command.flags, ...COMMON_FLAGS];
  const labels = flags.map(flagLabel);
  const width = Math.min(34, Math.max(...labels.map((l) => l.length)));
  const lines = [`Usage: makemore ${command.usage}`, '', command.summary];
  if (command.details) lines.push('', command.details);
  lines.push('', 'Options:');
  const indent = ' '.repeat(width + 4);
  flags.forEach((flag, i) => {
    const label = labels[i]!;
    const [first = '', ...rest] = wrap(flagDescription(flag), Math.max(30, HELP_WIDTH - width - 4));
    if (label.length > width) lines.push(`  ${label}`, `${indent}${first}`);
    else lines.push(`  ${label.padEnd(width)}  ${first}`);
    for (const line of rest) lines.push(`${indent}${line}`);
  });
  if (command.examples.length > 0) {
    lines.push('', 'Examples:');
    for (const [example, comment] of command.examples) lines.push(`  # ${comment}`, `  makemore ${example}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The top-level `makemore --help` text. */
export function mainHelp(commands: readonly Command[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = [
    `makemore ${version}: train, sample and evaluate language models, from a bigram table to a GPT.`,
    '',
    'Usage: makemore <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `makemore <command> --help` for the options and examples of a command.',
    '',
    'Examples:',
    '  makemore train                          # an MLP on names in about a minute, then samples',
    '  makemore sample --checkpoint out/names-mlp --n 10',
    '  makemore train --dataset shakespeare --model transformer --steps 2000',
    '',
    'Environment: MAKEMORE_DATA_DIR (dataset folder), MAKEMORE_STEPS (default step count), DEBUG (stack traces).',
  ];
  return `${lines.join('\n')}\n`;
}
