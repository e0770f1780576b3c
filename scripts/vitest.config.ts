import { defineProject } from 'vitest/config';
import { sharedTest } from '../vitest.shared';

export default defineProject({
  test: { ...sharedTest, name: 'repo', include: ['*.test.ts'], testTimeout: 300_000 },
});
