/**
 * Which public URLs to GET and which results to keep: the URLs the user gave
 * (`--probe-url`) always; the ones found in the cluster (load balancer addresses) only once
 * they have answered from here with any HTTP status. An internal load balancer, or a name
 * this machine cannot resolve, never answers, and its failures say nothing about users;
 * once an address has answered, its failing is news. Shared by the live and replay feeds
 * so both keep the same results.
 */
export class UrlProbeTargets {
  private readonly answered = new Set<string>();
  private readonly given: readonly string[];
  private readonly found: () => readonly string[];

  constructor(given: readonly string[], found: () => readonly string[] = () => []) {
    this.given = given;
    this.found = found;
  }

  /** The URLs to GET this round. */
  urls(): string[] {
    return [...new Set([...this.given, ...this.found()])];
  }

  /** Whether a result is kept; `status` is the HTTP status, if any answer came. */
  keep(url: string, status: number | undefined): boolean {
    if (this.given.includes(url)) return true;
    if (status !== undefined) this.answered.add(url);
    return this.answered.has(url);
  }
}
