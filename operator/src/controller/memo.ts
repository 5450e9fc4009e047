/**
 * What this process wrote recently, by object: the hash of the content applied. Informer caches
 * lag behind our own writes by a watch round-trip, so a pass that runs right after a write
 * would see the old object and write again; the memo bridges that gap for `ttlMs`, after which
 * the cache is the truth again.
 */
export class WriteMemo {
  private readonly entries = new Map<string, { hash: string; expires: number }>();

  constructor(private readonly now: () => number) {}

  record(id: string, hash: string, ttlMs: number): void {
    this.entries.set(id, { hash, expires: this.now() + ttlMs });
  }

  forget(id: string): void {
    this.entries.delete(id);
  }

  /** Forgets every entry whose id the predicate accepts. */
  forgetMatching(predicate: (id: string) => boolean): void {
    for (const id of [...this.entries.keys()]) if (predicate(id)) this.entries.delete(id);
  }

  /** The hash to compare against: our recent write when the cache has not caught up yet. */
  effective(id: string, cached: string | undefined): string | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined) return cached;
    if (this.now() >= entry.expires) {
      this.entries.delete(id);
      return cached;
    }
    return entry.hash;
  }

  size(): number {
    return this.entries.size;
  }
}

/** The memo id of a child object. */
export function childId(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/** The memo id of a monitor's operator status. */
export function statusId(key: string): string {
  return `status/${key}`;
}
