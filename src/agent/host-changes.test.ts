/**
 * The OS image and host-change watch against a temp dir laid out like the host (the
 * agent-level story across reboots and restarts is test/agent/agent-restart.test.ts).
 */
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TempHost, tempHost } from '../../test/agent/temp-host.ts';
import { ManualClock } from '../time/manual-clock.ts';
import { AgentState } from './agent-state.ts';
import type { RootedHost } from './host.ts';
import { HostChanges } from './host-changes.ts';
import { osImage, parseOsRelease } from './os-image.ts';

let fakeHost: TempHost;
let root: string;
let host: RootedHost;
const put: TempHost['put'] = (...args) => fakeHost.put(...args);

beforeEach(async () => {
  fakeHost = await tempHost('kt-agent-os-');
  ({ root, host } = fakeHost);
});
afterEach(() => fakeHost.remove());

const ubuntu =
  'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION="22.04.4 LTS (Jammy Jellyfish)"\nID=ubuntu\nID_LIKE=debian\n';

describe('osImage', () => {
  it('reads os-release values quoted or bare, with escapes, and skips comments', () => {
    expect(parseOsRelease('# a comment\nNAME=Fedora\nPRETTY_NAME="Say \\"hi\\" \\$5"\nID=\'x y\'\n')).toEqual(
      {
        NAME: 'Fedora',
        PRETTY_NAME: 'Say "hi" $5',
        ID: 'x y',
      },
    );
  });

  it('adds Debian’s point release, which only /etc/debian_version has', async () => {
    await put('etc/os-release', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n');
    await put('etc/debian_version', '12.2\n');
    expect(await osImage(host)).toBe('Debian GNU/Linux 12 (bookworm) 12.2');
  });

  it('leaves Ubuntu’s name alone: its debian_version is its Debian base', async () => {
    await put('etc/os-release', ubuntu);
    await put('etc/debian_version', 'bookworm/sid\n');
    expect(await osImage(host)).toBe('Ubuntu 22.04.4 LTS');
  });

  it('falls back to /usr/lib/os-release, and follows an absolute link inside the host, not the container', async () => {
    await put('usr/lib/os-release', ubuntu);
    expect(await osImage(host)).toBe('Ubuntu 22.04.4 LTS');
    await mkdir(join(root, 'etc'), { recursive: true });
    await symlink('/usr/lib/os-release', join(root, 'etc/os-release'));
    await put(
      'usr/lib/os-release',
      'NAME="Flatcar Container Linux by Kinvolk"\nVERSION=3815.2.0\nID=flatcar\n',
    );
    expect(await osImage(host)).toBe('Flatcar Container Linux by Kinvolk 3815.2.0');
  });

  it('is unknown without either file', async () => {
    expect(await osImage(host)).toBeUndefined();
  });
});

describe('HostChanges', () => {
  const clock = new ManualClock(Date.UTC(2023, 9, 8, 7, 54, 2));

  it('takes a kernel change as a reboot when the boot ID cannot be read', async () => {
    await put('proc/sys/kernel/osrelease', '6.1.0-12-amd64\n');
    const state = await AgentState.open({ dir: undefined, clock });
    const watch = new HostChanges({ host, state });
    expect(await watch.run(clock.now())).toEqual([]);
    expect(watch.previousBoot()).toBeUndefined();
    await put('proc/sys/kernel/osrelease', '6.1.0-13-amd64\n');
    const [event, ...more] = await watch.run(clock.now());
    expect(more).toEqual([]);
    // No boot time either: the event is timed at the look.
    expect(event).toMatchObject({ reason: 'KernelChanged', atMs: clock.now(), key: 'KernelChanged' });
    expect(event.message).toBe('kernel changed across a reboot; from=6.1.0-12-amd64 to=6.1.0-13-amd64');
    expect(watch.previousBoot()).toEqual({ kernel: '6.1.0-12-amd64' });
  });

  it('says nothing, and keeps what it knew, when the running kernel cannot be read', async () => {
    const state = await AgentState.open({ dir: undefined, clock });
    const watch = new HostChanges({ host, state });
    expect(await watch.run(clock.now())).toEqual([]);
    expect(state.snapshot().host).toBeUndefined();
  });
});
