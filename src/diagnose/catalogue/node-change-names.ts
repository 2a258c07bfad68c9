/**
 * The node changes that make a new node version, most telling first (a kubelet upgrade
 * usually carries the others), and how a sentence names each.
 */
import type { ChangeWhat } from '../../detect/signal-kinds.ts';

export const nodeChangeKinds: readonly ChangeWhat[] = [
  'node-version',
  'node-os',
  'node-kernel',
  'node-runtime',
];

export const nodeChangeName: Partial<Record<ChangeWhat, string>> = {
  'node-version': 'kubelet version',
  'node-os': 'OS image',
  'node-kernel': 'kernel',
  'node-runtime': 'container runtime',
};
