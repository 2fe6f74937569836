import { createHash } from 'node:crypto';

/**
 * Remembers each (issuer, jti) until its token expires, so a captured token cannot be replayed.
 * Two stores: this in-process cache (one replica, the SQLite default) and PostgreSQL
 * (replay-postgres.ts) when DATABASE_URL makes several replicas possible.
 */

/** `full`: the issuer's own set is full of unexpired jtis, so its new token is refused. */
export type ClaimResult = 'claimed' | 'replay' | 'full';

export interface ReplayStore {
  /** Records the token; throws ReplayStoreUnavailableError when the store cannot answer. */
  claim(issuer: string, jti: string, expiresAtMs: number): Promise<ClaimResult>;
  /** For the metrics: jtis held and issuers whose set is full (in-process store only). */
  stats(): { entries: number; fullIssuers: number } | undefined;
  close(): Promise<void>;
}

/** The shared store did not answer: authentication answers 503, never lets the token through. */
export class ReplayStoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`replay store unavailable: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'ReplayStoreUnavailableError';
  }
}

/**
 * A jti as stored: its SHA-256, so a client's long or odd jtis cost a fixed 43 characters each
 * and any string is storable (no NUL or lone surrogate reaches a database).
 */
export function jtiKey(jti: string): string {
  return createHash('sha256').update(jti, 'utf8').digest('base64url');
}

export interface MemoryReplayOptions {
  /** Most unexpired jtis held per issuer; a full issuer's new tokens are refused, no one else's. */
  maxPerIssuer: number;
  now?: () => number;
  /** Least time between two full sweeps of one issuer's set while it is full. */
  sweepIntervalMs?: number;
  /** Told when an issuer's set is full (at most once per `sweepIntervalMs` per issuer). */
  onFull?: (issuer: string) => void;
}

interface IssuerSet {
  /** jti key → expiry (ms), in insertion order. */
  seen: Map<string, number>;
  lastSweep: number;
}

/**
 * In-process replay cache with one bounded set per issuer. Only verified tokens of registered
 * clients reach it, so the number of sets is the number of registered clients. Expired entries
 * leave from the head of each set as new ones arrive (lifetimes are capped, so insertion order
 * is nearly expiry order); a full set is swept completely at most once per sweep interval.
 */
export class MemoryReplayStore implements ReplayStore {
  private readonly issuers = new Map<string, IssuerSet>();
  private readonly now: () => number;
  private readonly sweepIntervalMs: number;

  constructor(private readonly options: MemoryReplayOptions) {
    this.now = options.now ?? Date.now;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 1_000;
  }

  claim(issuer: string, jti: string, expiresAtMs: number): Promise<ClaimResult> {
    return Promise.resolve(this.claimNow(issuer, jti, expiresAtMs));
  }

  claimNow(issuer: string, jti: string, expiresAtMs: number): ClaimResult {
    const now = this.now();
    let set = this.issuers.get(issuer);
    if (!set) {
      set = { seen: new Map(), lastSweep: -Infinity };
      this.issuers.set(issuer, set);
    }
    const key = jtiKey(jti);
    const until = set.seen.get(key);
    if (until !== undefined && until > now) return 'replay';
    set.seen.delete(key);
    dropExpiredHead(set.seen, now);
    if (set.seen.size >= this.options.maxPerIssuer && now - set.lastSweep >= this.sweepIntervalMs) {
      set.lastSweep = now;
      for (const [k, u] of set.seen) if (u <= now) set.seen.delete(k);
      if (set.seen.size >= this.options.maxPerIssuer) this.options.onFull?.(issuer);
    }
    if (set.seen.size >= this.options.maxPerIssuer) return 'full';
    set.seen.set(key, expiresAtMs);
    return 'claimed';
  }

  stats(): { entries: number; fullIssuers: number } {
    let entries = 0;
    let fullIssuers = 0;
    for (const { seen } of this.issuers.values()) {
      entries += seen.size;
      if (seen.size >= this.options.maxPerIssuer) fullIssuers += 1;
    }
    return { entries, fullIssuers };
  }

  /** jtis held for one issuer (tests and the operator's arithmetic). */
  sizeOf(issuer: string): number {
    return this.issuers.get(issuer)?.seen.size ?? 0;
  }

  async close(): Promise<void> {
    this.issuers.clear();
  }
}

function dropExpiredHead(seen: Map<string, number>, now: number): void {
  for (const [key, until] of seen) {
    if (until > now) return;
    seen.delete(key);
  }
}
