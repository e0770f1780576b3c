// Builds the CLI once, before any test file runs, so parallel test files never race to rebuild dist/.
import { ensureBuilt } from './helpers';

export default function setup(): void {
  ensureBuilt();
}
