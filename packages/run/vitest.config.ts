import { defineProject } from 'vitest/config';
import { sharedTest, workspaceAliases } from '../../vitest.shared';

export default defineProject({
  resolve: { alias: workspaceAliases },
  test: { ...sharedTest, name: 'run', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
});
