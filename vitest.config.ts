import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Conformance suites start real servers and real kubectl processes; give them room. The
    // limits only catch hangs: with a test file per core, a replay shares the machine with
    // another file's, so the longest ordinary ones (about 45 s alone) need twice the room.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One test file per core. Vitest's default keeps a core for its own process (a single
    // worker on a 2-core machine), but that process idles while the scenario replays keep
    // their worker busy for minutes, so the second core sat unused.
    maxWorkers: availableParallelism(),
    reporters: ['default', './test/closing-line-reporter.ts'],
  },
});
