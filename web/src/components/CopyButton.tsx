/**
 * A command with a copy button. The command is plain text on the page (select it by hand
 * too) and in the button's `data-command`; the button says what it copied, for screen
 * readers as well, through a polite live region.
 */
import { useState } from 'react';

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No Clipboard API (plain http on another host): the old way, through a hidden field.
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

export function CommandLine({ command, label }: { command: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <div className="command">
      <code className="command-text">{command}</code>
      <button
        type="button"
        className="copy"
        data-command={command}
        aria-label={`Copy ${label ?? 'command'}: ${command}`}
        onClick={async () => setState((await copyText(command)) ? 'copied' : 'failed')}
      >
        {state === 'copied' ? 'Copied' : 'Copy'}
      </button>
      <span className="visually-hidden" aria-live="polite">
        {state === 'copied'
          ? 'Copied to the clipboard'
          : state === 'failed'
            ? 'Copy failed; select the text'
            : ''}
      </span>
    </div>
  );
}
