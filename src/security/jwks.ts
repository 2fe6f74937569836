import { z } from 'zod';
import type { JSONWebKeySet } from 'jose';
import { readCapped } from '../fhir/client';

/**
 * Remote JWK Sets (a client's `jwksUrl` or an allowlisted `jku`): fetched on first use, cached,
 * refreshed when stale or when a token names an unknown `kid` — at most once per cooldown per
 * URL, so a stream of tokens with made-up `kid`s cannot turn the service into a request cannon.
 */

export interface JwksCacheOptions {
  /** How long a fetched set is used before it is fetched again. */
  maxAgeMs: number;
  /** Least time between two fetches of the same URL (unknown-kid refreshes included). */
  cooldownMs: number;
  timeoutMs: number;
  maxBytes: number;
  now?: () => number;
}

export const defaultJwksCacheOptions: JwksCacheOptions = {
  maxAgeMs: 10 * 60_000,
  cooldownMs: 30_000,
  timeoutMs: 3_000,
  maxBytes: 256 * 1024,
};

const remoteJwksSchema = z.looseObject({ keys: z.array(z.looseObject({ kty: z.string() })) });

interface Entry {
  keys: JSONWebKeySet | undefined;
  fetchedAt: number;
  /** The fetch under way, shared by concurrent callers. */
  pending: Promise<JSONWebKeySet | undefined> | undefined;
}

export class JwksCache {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(private readonly options: JwksCacheOptions = defaultJwksCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The cached set for `url`, fetched when missing or stale. `undefined` when it cannot be had. */
  async get(url: string): Promise<JSONWebKeySet | undefined> {
    const entry = this.entries.get(url);
    if (entry?.keys && this.now() - entry.fetchedAt < this.options.maxAgeMs) return entry.keys;
    return this.fetchRateLimited(url);
  }

  /** Refetches after an unknown `kid`, unless the URL was fetched within the cooldown. */
  async refresh(url: string): Promise<JSONWebKeySet | undefined> {
    return this.fetchRateLimited(url);
  }

  private fetchRateLimited(url: string): Promise<JSONWebKeySet | undefined> {
    const entry = this.entries.get(url) ?? { keys: undefined, fetchedAt: -Infinity, pending: undefined };
    this.entries.set(url, entry);
    if (entry.pending) return entry.pending;
    if (this.now() - entry.fetchedAt < this.options.cooldownMs) return Promise.resolve(entry.keys);
    entry.fetchedAt = this.now();
    entry.pending = this.download(url)
      .then((keys) => {
        // A failed refresh keeps the keys already known: a flaky key server must not lock clients out.
        if (keys) entry.keys = keys;
        return entry.keys;
      })
      .finally(() => {
        entry.pending = undefined;
      });
    return entry.pending;
  }

  private async download(url: string): Promise<JSONWebKeySet | undefined> {
    try {
      const response = await fetch(url, {
        headers: { accept: 'application/json, application/jwk-set+json' },
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      if (!response.ok) {
        await response.body?.cancel();
        return undefined;
      }
      const text = await readCapped(response, this.options.maxBytes);
      const parsed = remoteJwksSchema.safeParse(JSON.parse(text));
      return parsed.success ? (parsed.data as unknown as JSONWebKeySet) : undefined;
    } catch {
      return undefined;
    }
  }
}
