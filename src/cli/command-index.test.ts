import { describe, expect, it } from 'vitest';
import { commandIndex } from './command-index.ts';
import { buildProgram } from './main.ts';

describe('the command index', () => {
  it('lists every registered command with its own description', async () => {
    const program = await buildProgram();
    const registered = program.commands.map((c) => [c.name(), c.description()]);
    expect(registered.sort()).toEqual(commandIndex.map((c) => [c.name, c.summary]).sort());
  });
});
