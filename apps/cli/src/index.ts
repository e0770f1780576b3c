/**
 * @makemore/cli: the `makemore` command. The executable is `dist/bin.js`; this entry exposes the same CLI
 * as one function, `run`, for programs that embed it. Its parsing and terminal helpers are internal.
 */
export { type RunOptions, run } from './cli';
export { EXIT_INTERRUPTED, EXIT_USAGE } from './errors';
export type { Io, OutStream } from './ui/output';
export { VERSION } from './version';
