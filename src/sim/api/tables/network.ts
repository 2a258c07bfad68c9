/**
 * Tables for the service-networking kinds (Service, Endpoints, EndpointSlice), after
 * printers.go `printService`, `printEndpoints` and `printEndpointSlice`. The server prints
 * with Wide set, so load-balancer addresses are never clipped to 16 characters here.
 */

import type { KubeObject } from '../k8s-types.ts';
import { docs } from './descriptions.ts';
import {
  age,
  ageColumn,
  column,
  formatLabels,
  int,
  list,
  nameColumn,
  type PrintedRow,
  type Printer,
  rec,
  recs,
  str,
} from './format.ts';

/** How many addresses or ports a cell lists before `+ N more...`. */
const MAX_LISTED = 3;

/** Go's net.JoinHostPort: IPv6 hosts get brackets. */
function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** printers.go `loadBalancerStatusStringer` with wide output: sorted, de-duplicated. */
function loadBalancerAddresses(status: Record<string, unknown>): string[] {
  const found = new Set<string>();
  for (const ingress of recs(rec(status.loadBalancer).ingress)) {
    const ip = str(ingress.ip);
    const hostname = str(ingress.hostname);
    if (ip !== '') found.add(ip);
    else if (hostname !== '') found.add(hostname);
  }
  return [...found].sort();
}

/** printers.go `getServiceExternalIP`. */
function serviceExternalIP(
  type: string,
  spec: Record<string, unknown>,
  status: Record<string, unknown>,
): string {
  const externalIPs = list(spec.externalIPs).map(str);
  switch (type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerAddresses(status);
      if (externalIPs.length > 0) return [...lb, ...externalIPs].join(',');
      return lb.length > 0 ? lb.join(',') : '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
    default:
      return '<unknown>';
  }
}

/** printers.go `makePortString`. */
function servicePorts(spec: Record<string, unknown>): string {
  const pieces = recs(spec.ports).map((p) => {
    // Defaulting fills protocol on write; tolerate stored objects written without it.
    const protocol = str(p.protocol) || 'TCP';
    const nodePort = int(p.nodePort);
    return nodePort > 0 ? `${int(p.port)}:${nodePort}/${protocol}` : `${int(p.port)}/${protocol}`;
  });
  return pieces.length > 0 ? pieces.join(',') : '<none>';
}

function printService(svc: KubeObject, nowMs: number): PrintedRow {
  const spec = rec(svc.spec);
  const status = rec(svc.status);
  // Defaulting makes an omitted type ClusterIP on a real server.
  const type = str(spec.type) || 'ClusterIP';
  // The internal object always has clusterIPs (conversion copies clusterIP into it).
  const clusterIPs = list(spec.clusterIPs).map(str);
  const internalIP = clusterIPs.length > 0 ? clusterIPs[0] : str(spec.clusterIP) || '<none>';
  return {
    cells: [
      str(svc.metadata.name),
      type,
      internalIP,
      serviceExternalIP(type, spec, status),
      servicePorts(spec),
      age(svc, nowMs),
      formatLabels(spec.selector),
    ],
  };
}

export const servicePrinter: Printer = {
  columns: [
    nameColumn(),
    column('Type', 'string', docs.serviceType),
    column('Cluster-IP', 'string', docs.clusterIP),
    column('External-IP', 'string', docs.externalIPs),
    column('Port(s)', 'string', docs.servicePorts),
    ageColumn(),
    column('Selector', 'string', docs.serviceSelector, { priority: 1 }),
  ],
  print: printService,
};

/** printers.go `formatEndpoints` for all ports: ready addresses only, `ip:port` per port. */
function formatEndpoints(ep: KubeObject): string {
  const subsets = recs(ep.subsets);
  if (subsets.length === 0) return '<none>';
  const listed: string[] = [];
  let more = false;
  let count = 0;
  for (const subset of subsets) {
    const addresses = recs(subset.addresses);
    const ports = recs(subset.ports);
    if (ports.length === 0) {
      // Headless services may have no ports.
      count += addresses.length;
      for (const addr of addresses) {
        if (listed.length === MAX_LISTED) {
          more = true;
          break;
        }
        listed.push(str(addr.ip));
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const addr of addresses) {
        if (listed.length === MAX_LISTED) {
          more = true;
          break;
        }
        listed.push(joinHostPort(str(addr.ip), int(port.port)));
      }
    }
  }
  const joined = listed.join(',');
  // Unlike the EndpointSlice cells, an empty list with subsets present prints as empty.
  return more ? `${joined} + ${count - MAX_LISTED} more...` : joined;
}

function printEndpoints(ep: KubeObject, nowMs: number): PrintedRow {
  return { cells: [str(ep.metadata.name), formatEndpoints(ep), age(ep, nowMs)] };
}

export const endpointsPrinter: Printer = {
  columns: [nameColumn(), column('Endpoints', 'string', docs.endpointsSubsets), ageColumn()],
  print: printEndpoints,
};

/** printers.go `listWithMoreString`. */
function listWithMore(listed: string[], more: boolean, count: number): string {
  const joined = listed.join(',');
  if (more) return `${joined} + ${count - MAX_LISTED} more...`;
  return joined === '' ? '<unset>' : joined;
}

function formatSlicePorts(ports: Record<string, unknown>[]): string {
  const listed: string[] = [];
  let more = false;
  for (const port of ports) {
    if (listed.length < MAX_LISTED) {
      // A nil port means "all ports"; a named port without a number prints its name.
      if (typeof port.port === 'number') listed.push(String(int(port.port)));
      else if (typeof port.name === 'string') listed.push(port.name);
      else listed.push('*');
    } else if (listed.length === MAX_LISTED) {
      more = true;
    }
  }
  return listWithMore(listed, more, ports.length);
}

function formatSliceEndpoints(endpoints: Record<string, unknown>[]): string {
  const listed: string[] = [];
  let more = false;
  let count = 0;
  for (const endpoint of endpoints) {
    for (const address of list(endpoint.addresses)) {
      if (listed.length < MAX_LISTED) listed.push(str(address));
      else if (listed.length === MAX_LISTED) more = true;
      count++;
    }
  }
  return listWithMore(listed, more, count);
}

function printEndpointSlice(slice: KubeObject, nowMs: number): PrintedRow {
  return {
    cells: [
      str(slice.metadata.name),
      str(slice.addressType),
      formatSlicePorts(recs(slice.ports)),
      formatSliceEndpoints(recs(slice.endpoints)),
      age(slice, nowMs),
    ],
  };
}

export const endpointSlicePrinter: Printer = {
  columns: [
    nameColumn(),
    column('AddressType', 'string', docs.addressType),
    column('Ports', 'string', docs.endpointSlicePorts),
    column('Endpoints', 'string', docs.endpointSliceEndpoints),
    ageColumn(),
  ],
  print: printEndpointSlice,
};
