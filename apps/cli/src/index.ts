/**
 * @makemore/cli: the `makemore` command. The executable is `dist/bin.js`; this entry exposes the same CLI
 * as a function, plus its parsing and terminal helpers for programs that embed it.
 */
export { Args, type FlagSpec, type FlagType, type ParsedArgs, parseArgs } from './args';
export { COMMANDS, processIo, type RunOptions, resolveCommand, run } from './cli';
export type { Command, Context } from './command';
export { CliError, EXIT_INTERRUPTED, EXIT_USAGE, oneLine } from './errors';
export { closest, didYouMean, editDistance } from './suggest';
export { downsample, type PlotOptions, plot, sparkline } from './ui/chart';
export {
  type Io,
  type OutStream,
  Output,
  type OutputMode,
  type Progress,
  type ProgressFields,
} from './ui/output';
export { type Cell, formatBytes, formatDuration, table } from './ui/table';
export { VERSION } from './version';
