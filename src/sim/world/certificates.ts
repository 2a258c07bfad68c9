/**
 * The cluster's certificates running out, on their own: kube-apiserver's serving
 * certificate (kubeadm issues it for a year) and the kubelets' client certificates (when
 * their rotation is broken). At the moment one expires:
 *
 * - the serving certificate: every client's handshake fails (`x509: certificate has expired
 *   or is not yet valid: current time … is after …`), so no one in or out of the cluster
 *   gets through; outside clients meet a really expired certificate (see Simulator);
 * - a kubelet's client certificate: the apiserver refuses it (`Unable to authenticate the
 *   request`, logged by kube-apiserver), so that kubelet posts nothing: its node goes
 *   NotReady through the node lifecycle controller. A machine that replaces it gets a new one.
 *
 * Renewing (`kubeadm certs renew`, fixed rotation) is an action that restores them.
 */
import type { Clock, Timer } from '../../time/clock.ts';
import type { PodLogBook } from '../api/pod-log-book.ts';
import { issueCertificate, x509Time } from '../api/x509.ts';
import { klogHeader } from '../behaviour/kube-proxy.ts';
import type { ControlPlane } from '../cluster/control-plane.ts';
import type { CertificateFault } from '../scenario/control-plane-faults.ts';
import type { RenewCertificatesAction } from '../scenario/control-plane-shape.ts';
import type { Scenario } from '../scenario/schema.ts';
import { parseDuration, resolveInstant } from '../scenario/time-spec.ts';
import type { NodeMachines } from './node-machines.ts';

const source = 'certificate:kubelet-client';
const dayMs = 86_400_000;

export class Certificates {
  private readonly clock: Clock;
  private readonly cp: ControlPlane;
  private readonly machines: () => NodeMachines | undefined;
  private readonly nodesOf: (pools?: readonly string[]) => string[];
  private readonly logs: PodLogBook;
  private readonly timers: Timer[] = [];
  private kubeletNotAfterMs: number | undefined;
  private kubeletPools: readonly string[] | undefined;
  private readonly expiredKubelets = new Set<string>();
  /** When the serving certificate expires (virtual time), for the handshake's error text. */
  servingNotAfterMs: number | undefined;
  /** When the serving certificate in use was issued (virtual time). */
  private servingNotBeforeMs: number;
  /** The names it is issued for, as kubeadm's `certs renew apiserver` lists them. */
  private readonly servingNames: { dnsNames: string[]; ips: string[] };
  private servingPem: { key: string; pem: string } | undefined;

  constructor(o: {
    scenario: Scenario;
    clock: Clock;
    cp: ControlPlane;
    logs: PodLogBook;
    machines: () => NodeMachines | undefined;
    nodesOf: (pools?: readonly string[]) => string[];
  }) {
    this.clock = o.clock;
    this.cp = o.cp;
    this.machines = o.machines;
    this.nodesOf = o.nodesOf;
    this.logs = o.logs;
    const start = Date.parse(o.scenario.start);
    // Unless the scenario says when it runs out: issued 90 days before the start, for kubeadm's year.
    this.servingNotBeforeMs = start - 90 * dayMs;
    const cp = o.scenario.cluster.controlPlane;
    const endpoint = new URL(cp.endpoint).hostname;
    const isIp = /^[\d.]+$/.test(endpoint);
    this.servingNames = {
      dnsNames: [
        'kubernetes',
        'kubernetes.default',
        'kubernetes.default.svc',
        'kubernetes.default.svc.cluster.local',
        ...(isIp ? [] : [endpoint]),
      ],
      ips: [cp.serviceIp, ...(isIp ? [endpoint] : [])],
    };
    const c = o.scenario.cluster.certificates;
    if (c?.apiServer) this.expireServingAt(resolveInstant(c.apiServer.notAfter, start) ?? start);
    if (c?.kubelets) {
      this.kubeletPools = c.kubelets.pools;
      this.expireKubeletsAt(resolveInstant(c.kubelets.notAfter, start) ?? start);
    }
  }

  stop(): void {
    for (const t of this.timers.splice(0)) t.cancel();
  }

  private at(ms: number, fn: () => void): void {
    this.timers.push(this.clock.after(Math.max(0, ms - this.clock.now()), fn));
  }

  private expireServingAt(ms: number): void {
    this.servingNotAfterMs = ms;
    this.at(ms, () => {
      if (this.servingNotAfterMs === ms) this.cp.setServingCertificateExpired(true);
    });
  }

  private expireKubeletsAt(ms: number): void {
    this.kubeletNotAfterMs = ms;
    this.at(ms, () => {
      if (this.kubeletNotAfterMs !== ms) return;
      const machines = this.machines();
      for (const node of this.nodesOf(this.kubeletPools)) {
        this.expiredKubelets.add(node);
        // The kubelet runs, but every write it makes is refused as Unauthorized.
        machines?.set(node, source, { updateFailureRate: 1, clearedBy: ['replace'] });
      }
      this.logRefusals();
    });
  }

  /** kube-apiserver logs each refused client, once a minute while they keep trying. */
  private logRefusals(): void {
    if (this.expiredKubelets.size === 0 || this.kubeletNotAfterMs === undefined) return;
    const now = this.clock.now();
    const expired = `x509: certificate has expired or is not yet valid: current time ${x509Time(now)} is after ${x509Time(this.kubeletNotAfterMs)}`;
    for (const m of this.cp.members.filter((x) => x.onNode))
      this.logs.append(
        'kube-system',
        `kube-apiserver-${m.name}`,
        'kube-apiserver',
        `${klogHeader('E', now, 'authentication.go:73')} "Unable to authenticate the request" err="[${expired}, verifying certificate SN=${this.expiredKubelets.size}, SKID=, AKID= failed: ${expired}]"`,
        now,
      );
    this.timers.push(this.clock.after(60_000, () => this.logRefusals()));
  }

  /** A certificate-expires fault: it runs out now; healing renews it. */
  inject(f: CertificateFault): () => void {
    if (f.certificate === 'apiServer') this.expireServingAt(this.clock.now());
    else {
      this.kubeletPools = f.pools;
      this.expireKubeletsAt(this.clock.now());
    }
    return () =>
      this.renew({ type: 'renew-certificates', by: 'operator', which: [f.certificate], validFor: '365d' });
  }

  /**
   * The serving certificate a client's handshake receives now, PEM, dated in virtual time
   * (the replay hands it to the feed as a live handshake would). Expired ones too: a client
   * that does not verify still reads it.
   */
  servingCertificate(): string {
    const notAfterMs = this.servingNotAfterMs ?? this.servingNotBeforeMs + 365 * dayMs;
    // One declared to run out soon was issued a year before it does, as kubeadm's are.
    const notBeforeMs = Math.min(this.servingNotBeforeMs, notAfterMs - 365 * dayMs);
    const key = `${notBeforeMs}/${notAfterMs}`;
    if (this.servingPem?.key !== key)
      this.servingPem = {
        key,
        pem: issueCertificate({
          commonName: 'kube-apiserver',
          ...this.servingNames,
          notBeforeMs,
          notAfterMs,
        }),
      };
    return this.servingPem.pem;
  }

  renew(a: RenewCertificatesAction): void {
    const validMs = parseDuration(a.validFor) ?? 365 * dayMs;
    const now = this.clock.now();
    if (a.which.includes('apiServer')) {
      this.servingNotBeforeMs = now;
      this.cp.setServingCertificateExpired(false);
      this.expireServingAt(now + validMs);
    }
    if (a.which.includes('kubelets')) {
      const machines = this.machines();
      for (const node of this.expiredKubelets) machines?.clear(node, source);
      this.expiredKubelets.clear();
      this.expireKubeletsAt(now + validMs);
    }
  }
}
