/** The `makemore` executable: runs the CLI on process.argv and exits with its code. */
import { processIo, run } from './cli';

run(process.argv.slice(2), processIo(), { handleSignals: true }).then((code) => {
  // Exit once stdout has drained: a tensor backend may keep handles open after the work is done.
  process.stdout.write('', () => process.exit(code));
});
