import { describe, expect, it } from 'vitest';
import { longRunning, shBlocks } from './readme-commands.ts';

describe('reading the README', () => {
  it('takes sh blocks, joins continued lines, drops comments, keeps the info string', () => {
    const md = [
      'text',
      '```sh',
      '# a comment',
      'npx kubetriage scan --kubeconfig k   # one pass',
      'kubetriage remediate x \\',
      "  --restart-command 'a {node}' --yes",
      '```',
      '```yaml',
      'context: prod',
      '```',
      '```sh on-your-cluster',
      'kubectl apply -f x.yaml',
      '```',
    ].join('\n');
    expect(shBlocks(md)).toEqual([
      {
        line: 2,
        info: 'sh',
        commands: [
          { line: 4, text: 'npx kubetriage scan --kubeconfig k' },
          { line: 5, text: "kubetriage remediate x --restart-command 'a {node}' --yes" },
        ],
      },
      { line: 11, info: 'sh on-your-cluster', commands: [{ line: 12, text: 'kubectl apply -f x.yaml' }] },
    ]);
  });

  it.each([
    ['npx kubetriage sim --scenario x', 'server'],
    ['npx kubetriage serve --replay x', 'server'],
    ['npx kubetriage serve --replay x --exit-after-replay', undefined],
    ['npx kubetriage demo', 'server'],
    ['npx kubetriage watch --kubeconfig k', 'watcher'],
    ['npx kubetriage scan --kubeconfig k', undefined],
  ])('%s runs until stopped: %s', (command, kind) => {
    expect(longRunning(command)).toBe(kind);
  });
});
