/**
 * The words a status page may use. Customers read it, so it names the part of the platform
 * that is affected and the cause in plain terms, never node names, addresses, commands or
 * the evidence (those stay in the incident record and the postmortem). The words live on
 * each failure pattern (`public` in the catalogue) and travel on its hypothesis; records
 * written before that carry none and get neutral words.
 */
import { type ComponentName, componentNames, type PublicWords } from '../diagnose/hypothesis.ts';
import { type Incident, rootCauseOf } from '../incident/incident.ts';

export { type ComponentName, componentNames };

const neutral: PublicWords = {
  components: ['Workloads'],
  title: 'Service degraded',
  cause: 'a problem we are investigating',
  outage: 'partial',
};

export function publicWordsOf(i: Incident): PublicWords {
  return rootCauseOf(i).public ?? neutral;
}

/** Which components a root cause takes down first (others may follow through Workloads). */
export function componentsOf(i: Incident): ComponentName[] {
  return publicWordsOf(i).components;
}

export function publicCause(i: Incident): string {
  return publicWordsOf(i).cause;
}

/** The incident's public name: the affected area, not the internal hypothesis. */
export function publicTitle(i: Incident): string {
  return publicWordsOf(i).title;
}
