/**
 * Fixtures for the Service, Endpoints and EndpointSlice tables: each Service type's
 * EXTERNAL-IP rule, port strings, and the `+ N more...` truncation of address lists.
 */

import { describe, expect, it } from 'vitest';
import { rfc3339 } from '../../../time/clock.ts';
import type { KubeObject } from '../k8s-types.ts';
import { endpointSlicePrinter, endpointsPrinter, servicePrinter } from './network.ts';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const metadata = { name: 'web', namespace: 'default', creationTimestamp: rfc3339(NOW - 45 * 60_000) };

describe('Service table', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>, unknown[]]>([
    [
      'ClusterIP',
      {
        type: 'ClusterIP',
        clusterIP: '10.96.0.10',
        clusterIPs: ['10.96.0.10'],
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, protocol: 'TCP' },
        ],
        selector: { 'k8s-app': 'kube-dns' },
      },
      {},
      ['web', 'ClusterIP', '10.96.0.10', '<none>', '53/UDP,53/TCP', '45m', 'k8s-app=kube-dns'],
    ],
    [
      'type and protocol omitted (defaulted), clusterIP without clusterIPs',
      { clusterIP: '10.96.1.1', ports: [{ port: 80 }] },
      {},
      ['web', 'ClusterIP', '10.96.1.1', '<none>', '80/TCP', '45m', '<none>'],
    ],
    [
      'headless, no ports',
      { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], selector: { app: 'db' } },
      {},
      ['web', 'ClusterIP', 'None', '<none>', '<none>', '45m', 'app=db'],
    ],
    [
      'NodePort with externalIPs',
      {
        type: 'NodePort',
        clusterIPs: ['10.96.3.3'],
        externalIPs: ['198.51.100.1', '198.51.100.2'],
        ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }],
      },
      {},
      ['web', 'NodePort', '10.96.3.3', '198.51.100.1,198.51.100.2', '80:30080/TCP', '45m', '<none>'],
    ],
    [
      'LoadBalancer still pending',
      {
        type: 'LoadBalancer',
        clusterIPs: ['10.96.4.4'],
        ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }],
      },
      { loadBalancer: {} },
      ['web', 'LoadBalancer', '10.96.4.4', '<pending>', '443:31443/TCP', '45m', '<none>'],
    ],
    [
      'LoadBalancer with ingress (sorted, never clipped) plus externalIPs',
      {
        type: 'LoadBalancer',
        clusterIPs: ['10.96.4.4'],
        externalIPs: ['192.0.2.9'],
        ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }],
      },
      {
        loadBalancer: {
          ingress: [{ hostname: 'a-very-long-hostname.elb.example.com' }, { ip: '203.0.113.5' }],
        },
      },
      [
        'web',
        'LoadBalancer',
        '10.96.4.4',
        '203.0.113.5,a-very-long-hostname.elb.example.com,192.0.2.9',
        '443:31443/TCP',
        '45m',
        '<none>',
      ],
    ],
    [
      'ExternalName',
      { type: 'ExternalName', externalName: 'db.example.com' },
      {},
      ['web', 'ExternalName', '<none>', 'db.example.com', '<none>', '45m', '<none>'],
    ],
  ])('%s', (_name, spec, status, want) => {
    expect(servicePrinter.print({ metadata, spec, status }, NOW).cells).toEqual(want);
  });
});

describe('Endpoints table', () => {
  const addrs = (...ips: string[]) => ips.map((ip) => ({ ip }));
  it.each<[string, unknown, string]>([
    ['no subsets', undefined, '<none>'],
    [
      'one port',
      [{ addresses: addrs('10.0.0.1', '10.0.0.2'), ports: [{ port: 8080, protocol: 'TCP' }] }],
      '10.0.0.1:8080,10.0.0.2:8080',
    ],
    [
      'two ports over three addresses: more',
      [{ addresses: addrs('10.0.0.1', '10.0.0.2', '10.0.0.3'), ports: [{ port: 80 }, { port: 443 }] }],
      '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 3 more...',
    ],
    ['headless without ports', [{ addresses: addrs('10.0.0.7') }], '10.0.0.7'],
    ['IPv6 gets brackets', [{ addresses: addrs('fd00::1'), ports: [{ port: 53 }] }], '[fd00::1]:53'],
    [
      'only not-ready addresses print empty',
      [{ notReadyAddresses: addrs('10.0.0.9'), ports: [{ port: 80 }] }],
      '',
    ],
  ])('%s', (_name, subsets, want) => {
    const ep: KubeObject = { metadata, ...(subsets === undefined ? {} : { subsets }) };
    expect(endpointsPrinter.print(ep, NOW).cells).toEqual(['web', want, '45m']);
  });
});

describe('EndpointSlice table', () => {
  it.each<[string, unknown, unknown, string, string]>([
    ['empty', [], [], '<unset>', '<unset>'],
    [
      'ports by number, name or all',
      [{ port: 80 }, { name: 'metrics' }, {}],
      [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }],
      '80,metrics,*',
      '10.0.0.1,10.0.0.2',
    ],
    [
      'more than three',
      [{ port: 1 }, { port: 2 }, { port: 3 }, { port: 4 }, { port: 5 }],
      [{ addresses: ['10.0.0.1', '10.0.0.2'] }, { addresses: ['10.0.0.3', '10.0.0.4'] }],
      '1,2,3 + 2 more...',
      '10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...',
    ],
  ])('%s', (_name, ports, endpoints, wantPorts, wantEndpoints) => {
    const slice: KubeObject = { metadata, addressType: 'IPv4', ports, endpoints };
    expect(endpointSlicePrinter.print(slice, NOW).cells).toEqual([
      'web',
      'IPv4',
      wantPorts,
      wantEndpoints,
      '45m',
    ]);
  });
});
