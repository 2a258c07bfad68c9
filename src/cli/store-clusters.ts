/**
 * Reading a record that keeps several clusters: `replay` stores under the scenario's name,
 * `serve` under the kubeconfig context's, so a data directory often holds clusters other
 * than `default`. Without `--cluster`, `incidents` and `postmortem` read every cluster the
 * store holds, and when the one asked for is empty they name the others and the command
 * that shows them.
 */
import type { IncidentStore } from '../incident/store/store.ts';
import { openStoreFromFlags, type StoreFlags } from './store-options.ts';

/** The stores to read: the named cluster, else every cluster the database holds (else `default`). */
export async function openStoresForReading(flags: StoreFlags): Promise<IncidentStore[]> {
  const first = await openStoreFromFlags(flags, 'default');
  if (flags.cluster) return [first];
  const clusters = (await first.listClusters()).map((c) => c.cluster);
  if (clusters.length === 0 || (clusters.length === 1 && clusters[0] === first.cluster)) return [first];
  const stores = clusters.includes(first.cluster) ? [first] : [];
  if (!stores.length) await first.close();
  for (const cluster of clusters)
    if (cluster !== first.cluster) stores.push(await openStoreFromFlags({ ...flags, cluster }, cluster));
  return stores;
}

export async function closeAll(stores: readonly IncidentStore[]): Promise<void> {
  await Promise.all(stores.map((s) => s.close()));
}

/** The store flags to repeat in a hint, so the command shown reads the same record. */
export function storeFlagsHint(flags: StoreFlags): string {
  if (flags.databaseUrl) return ' --database-url …';
  return flags.dataDir ? ` --data-dir ${flags.dataDir}` : '';
}

/** "This store keeps incidents for: a (3), b (1)" and the command for the first, or ''. */
export async function otherClustersNote(store: IncidentStore, flags: StoreFlags): Promise<string> {
  const others = (await store.listClusters()).filter((c) => c.cluster !== store.cluster);
  if (!others.length) return '';
  const list = others.map((c) => `${c.cluster} (${c.incidents})`).join(', ');
  return `This ${store.backend} store keeps incidents for: ${list}.\n  next: kubetriage incidents --cluster ${others[0].cluster}${storeFlagsHint(flags)}\n`;
}
