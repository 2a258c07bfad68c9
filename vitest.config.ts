import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Conformance suites start real servers and real kubectl processes; give them room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // One test file per core. Vitest's default keeps a core for its own process (a single
    // worker on a 2-core machine), but that process idles while the scenario replays keep
    // their worker busy for minutes, so the second core sat unused.
    maxWorkers: availableParallelism(),
    reporters: ['default', './test/closing-line-reporter.ts'],
  },
});
