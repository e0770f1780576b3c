/** The CLI's version, taken from its package.json at build time. */
import pkg from '../package.json';

/** `@makemore/cli`'s version. */
export const VERSION: string = pkg.version;
