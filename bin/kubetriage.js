#!/usr/bin/env node
// Entry point for `npx kubetriage`. Sources are TypeScript run directly by Node 24's type
// stripping; the `node` devDependency puts Node 24 first on PATH inside npm scripts and npx.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(
    `kubetriage needs Node >= 22.19 (this is ${process.versions.node}).\n` +
      "Run it through npm so the project's Node 24 is used: `npx kubetriage ...` or `npm run sim`.\n",
  );
  process.exit(2);
}

// Node caches compiled code, TypeScript's stripped output included, across runs (in
// $NODE_COMPILE_CACHE, else the system's temp folder): without it every start strips every
// source file again (`npm run bench -- cli-startup`: --version 0.5 s without, 0.25 s with,
// on a loaded 2-core machine).
const { default: nodeModule } = await import('node:module');
nodeModule.enableCompileCache?.();

// Commands that watch a cluster hold a large, long-lived view and parse large lists: a
// small young generation keeps their committed heap close to the live data (RSS 420 vs
// 530 MiB after syncing 150,000 pods; `npm run bench -- feed-sync`). The simulator is
// write-heavy and runs faster with V8's default, so only watchers get the flag.
const watcherCommands = new Set(['status', 'scan', 'watch', 'serve']);
const youngGenFlag = '--max-semi-space-size=8';
// Global flags may stand before the command (`kubetriage --context prod scan`).
const { parseGlobalFlags } = await import('../src/cli/global-flags.ts');
const { command } = parseGlobalFlags(process.argv);
if (watcherCommands.has(command) && !process.execArgv.includes(youngGenFlag)) {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const child = spawn(
    process.execPath,
    [youngGenFlag, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  const { constants } = await import('node:os');
  child.on('exit', (code, signal) => {
    // A child killed by a signal exits as a shell would report it: 128 + the signal number.
    process.exitCode = code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
  });
} else {
  const { main } = await import('../src/cli/main.ts');
  process.exitCode = await main(process.argv);
}
