/**
 * A sorted array of keys with binary-search lookup. Lists must come back in key order
 * (etcd returns keys sorted, and continue tokens resume after the last key). Inserts are
 * batched and merged in on the next read: loading 150,000 pods one splice at a time would
 * move the whole array on every insert.
 */

export class SortedKeys {
  private keys: string[] = [];
  private pending: string[] = [];

  get size(): number {
    this.flush();
    return this.keys.length;
  }

  /** Index of the first key >= `key`. */
  lowerBound(key: string): number {
    this.flush();
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Adds a key that is not present yet (the store checks before inserting). */
  insert(key: string): void {
    const last = this.pending.length === 0 ? this.keys[this.keys.length - 1] : undefined;
    // Appending in order needs no merge at all.
    if (this.pending.length === 0 && (last === undefined || last < key)) this.keys.push(key);
    else this.pending.push(key);
  }

  remove(key: string): void {
    const at = this.lowerBound(key);
    if (this.keys[at] === key) this.keys.splice(at, 1);
  }

  at(index: number): string | undefined {
    this.flush();
    return this.keys[index];
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const add = this.pending.sort();
    this.pending = [];
    const merged: string[] = new Array(this.keys.length + add.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < this.keys.length && j < add.length)
      merged[k++] = this.keys[i] < add[j] ? this.keys[i++] : add[j++];
    while (i < this.keys.length) merged[k++] = this.keys[i++];
    while (j < add.length) merged[k++] = add[j++];
    this.keys = merged;
  }
}
