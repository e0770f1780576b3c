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
  if (flag.choices && (flag.open || flag.placeholder)) text += ` (${flag.choices.join(', ')})`;
  if (flag.default !== undefined && flag.type !== 'boolean') text += ` [default: ${flag.default}]`;
  return text;
}

/** The `--help` text of one command. */
export function commandHelp(command: Command): string {
  const flags = [...command.flags, ...COMMON_FLAGS];
  const labels = flags.map(flagLabel);
  const width = Math.min(34, Math.max(...labels.map((l) => l.length)));
  const lines = [`Usage: makemore ${command.usage}`, '', command.summary];
  if (command.details) lines.push('', command.details);
  lines.push('', 'Options:');
  flags.forEach((flag, i) => {
    const label = labels[i]!;
    const description = flagDescription(flag);
    if (label.length > width) lines.push(`  ${label}`, `  ${' '.repeat(width)}  ${description}`);
    else lines.push(`  ${label.padEnd(width)}  ${description}`);
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
    '  makemore train                          # an MLP on names in about 2 minutes, then samples',
    '  makemore sample --checkpoint out/names-mlp --n 10',
    '  makemore train --dataset shakespeare --model transformer --steps 2000',
    '',
    'Environment: MAKEMORE_DATA_DIR (dataset folder), MAKEMORE_STEPS (default step count), DEBUG (stack traces).',
  ];
  return `${lines.join('\n')}\n`;
}
