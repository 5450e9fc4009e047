/**
 * What this process wrote recently, by object: the hash of the content applied. Informer caches
 * lag behind our own writes by a watch round-trip, so a pass that runs right after a write
 * would see the old object and write again; the memo bridges that gap for `ttlMs`, after which
 * the cache is the truth again.
 */
export class WriteMemo {
  private readonly entries = new Map<string, { hash: string; expires: number; fingerprint?: string }>();

  constructor(private readonly now: () => number) {}

  /** `fingerprint`: of the object written, so that its own watch event can be told (isEcho). */
  record(id: string, hash: string, ttlMs: number, fingerprint?: string): void {
    this.entries.set(id, { hash, expires: this.now() + ttlMs, ...(fingerprint !== undefined ? { fingerprint } : {}) });
  }

  /**
   * True when a watched object is exactly what this process just wrote (same hash and same
   * fingerprint): the event is the echo of our own write and a pass over its owner would find
   * nothing to do. A change by anyone else alters the fingerprint, so it is never an echo.
   */
  isEcho(id: string, hash: string | undefined, fingerprint: string | undefined): boolean {
    const entry = this.entries.get(id);
    return entry !== undefined && this.now() < entry.expires && entry.fingerprint !== undefined
      && hash === entry.hash && fingerprint === entry.fingerprint;
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
