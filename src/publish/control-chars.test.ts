import { describe, expect, it } from 'vitest';
import { escapeControls } from './control-chars.ts';

describe('escapeControls', () => {
  it.each([
    ['retitle: \u001b]0;evil\u0007', 'retitle: \\x1b]0;evil\\x07'],
    ['\u001b[2J\u001b[H', '\\x1b[2J\\x1b[H'],
    ['100%\rdone', '100%\\x0ddone'],
    ['8-bit CSI \u009b31m', '8-bit CSI \\x9b31m'],
    ['DEL\u007f NUL\u0000', 'DEL\\x7f NUL\\x00'],
    ['invoice \u202Efdp.exe', 'invoice \\u202efdp.exe'],
    ['\u2066isolate\u2069 \u200Fmark', '\\u2066isolate\\u2069 \\u200fmark'],
  ])('%j', (input, want) => {
    expect(escapeControls(input)).toBe(want);
  });

  it('keeps newlines, tabs and ordinary Unicode', () => {
    const text = 'node aks-1\tNotReady\n  kubelet: “stopped” — 节点 ✓';
    expect(escapeControls(text)).toBe(text);
  });
});
