/** A small cache whose entries go stale after a while, oldest dropped first when full. */
export class TtlCache<V> {
  readonly #entries = new Map<string, { value: V; expires: number }>();

  constructor(
    readonly ttlMs: number,
    readonly maxEntries = 256,
  ) {}

  get(key: string, now = performance.now()): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, ttlMs = this.ttlMs): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, expires: performance.now() + ttlMs });
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** A short fingerprint of an environment, so that a cache keyed by it misses when PATH or HOME change. */
export function envFingerprint(env: Record<string, string>): string {
  // FNV-1a over `name=value\0`: fast enough to run on every Tab (~50 variables).
  let hash = 0x811c9dc5;
  for (const name of Object.keys(env).sort()) {
    const text = `${name}=${env[name]}\0`;
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
  }
  return (hash >>> 0).toString(36);
}
