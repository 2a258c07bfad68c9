/**
 * The Event table, after printers.go `printEvent`. Both core/v1 and events.k8s.io/v1 events
 * print through it, as they do on a real server (both convert to one internal Event), so the
 * reader accepts either field naming: `involvedObject`/`regarding`, `message`/`note`,
 * `source`/`deprecatedSource`, `firstTimestamp`/`deprecatedFirstTimestamp`, and so on.
 */

import type { KubeObject } from '../k8s-types.ts';
import { docs } from './descriptions.ts';
import {
  column,
  int,
  nameColumn,
  optRec,
  type PrintedRow,
  type Printer,
  parseTime,
  rec,
  since,
  str,
} from './format.ts';

/** printers.go `formatEventSource`: component, then host, falling back to the reporting fields. */
function eventSource(event: KubeObject): string {
  const source = rec(event.source ?? event.deprecatedSource);
  // core/v1 names the reporting controller `reportingComponent`; events.k8s.io/v1 does not.
  const component = str(source.component) || str(event.reportingComponent) || str(event.reportingController);
  const instance = str(source.host) || str(event.reportingInstance);
  return instance === '' ? component : `${component}, ${instance}`;
}

function printEvent(event: KubeObject, nowMs: number): PrintedRow {
  const firstTimestamp = event.firstTimestamp ?? event.deprecatedFirstTimestamp;
  const lastTimestamp = event.lastTimestamp ?? event.deprecatedLastTimestamp;

  // Events from the new API carry only eventTime (a MicroTime); old ones only the Times.
  const firstSeen =
    parseTime(firstTimestamp) === undefined ? since(event.eventTime, nowMs) : since(firstTimestamp, nowMs);
  let lastSeen = parseTime(lastTimestamp) === undefined ? firstSeen : since(lastTimestamp, nowMs);

  let count = int(event.count ?? event.deprecatedCount);
  const series = optRec(event.series);
  if (series) {
    lastSeen = since(series.lastObservedTime, nowMs);
    count = int(series.count);
  } else if (count === 0) {
    // Singleton events don't have a count set in the new API.
    count = 1;
  }

  const involved = rec(event.involvedObject ?? event.regarding);
  const kind = str(involved.kind).toLowerCase();
  const name = str(involved.name);
  const target = name === '' ? kind : `${kind}/${name}`;

  return {
    cells: [
      lastSeen,
      str(event.type),
      str(event.reason),
      target,
      str(involved.fieldPath),
      eventSource(event),
      str(event.message ?? event.note).trim(),
      firstSeen,
      count,
      str(event.metadata.name),
    ],
  };
}

export const eventPrinter: Printer = {
  columns: [
    column('Last Seen', 'string', docs.eventLastTimestamp),
    column('Type', 'string', docs.eventType),
    column('Reason', 'string', docs.eventReason),
    column('Object', 'string', docs.eventInvolvedObject),
    column('Subobject', 'string', docs.fieldPath, { priority: 1 }),
    column('Source', 'string', docs.eventSource, { priority: 1 }),
    column('Message', 'string', docs.eventMessage),
    column('First Seen', 'string', docs.eventFirstTimestamp, { priority: 1 }),
    column('Count', 'string', docs.eventCount, { priority: 1 }),
    nameColumn(1),
  ],
  print: printEvent,
};
