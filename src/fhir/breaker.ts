/**
 * Per-FHIR-server circuit breaker for the fallback fetches. A server that keeps failing (no
 * answer in time, connection errors, 5xx) would cost every hook call its full deadline; after
 * `failures` consecutive failures within `windowMs` the breaker opens and calls to that server
 * fail at once for `cooldownMs`. Then one probe request is let through (half-open): its success
 * closes the breaker, its failure opens it for another cool-down. Only servers with recent
 * failures are tracked, and at most `maxServers` of them (the oldest is forgotten first).
 */

export interface BreakerOptions {
  failures: number;
  windowMs: number;
  cooldownMs: number;
  maxServers: number;
  now?: () => number;
}

interface ServerState {
  failures: number;
  firstFailureAt: number;
  /** Set while open: calls are refused until then. */
  openUntil?: number;
  /** A half-open probe is in flight. */
  probing: boolean;
}

export class CircuitBreakers {
  private readonly servers = new Map<string, ServerState>();
  private readonly now: () => number;

  constructor(private readonly options: BreakerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Whether a request to `server` may go out now; a half-open breaker lets exactly one through. */
  allow(server: string): boolean {
    const state = this.servers.get(server);
    if (!state || state.openUntil === undefined) return true;
    if (this.now() < state.openUntil || state.probing) return false;
    state.probing = true;
    return true;
  }

  /** The server answered: its breaker closes. */
  succeeded(server: string): void {
    this.servers.delete(server);
  }

  /** The server failed (timeout, network, 5xx). */
  failed(server: string): void {
    const now = this.now();
    let state = this.servers.get(server);
    if (state?.openUntil !== undefined) {
      // Open already: only the probe's failure counts (it opens the breaker for another cool-down).
      if (state.probing) {
        state.probing = false;
        state.openUntil = now + this.options.cooldownMs;
      }
      return;
    }
    if (!state || now - state.firstFailureAt > this.options.windowMs) {
      state = { failures: 0, firstFailureAt: now, probing: false };
      this.servers.delete(server);
      this.servers.set(server, state);
      if (this.servers.size > this.options.maxServers) this.servers.delete(this.servers.keys().next().value!);
    }
    state.failures += 1;
    if (state.failures >= this.options.failures) state.openUntil = now + this.options.cooldownMs;
  }

  /** Servers whose breaker is open or half-open now (the metric). */
  openCount(): number {
    let open = 0;
    for (const state of this.servers.values()) if (state.openUntil !== undefined) open += 1;
    return open;
  }

  /** Servers tracked (bounded by maxServers). */
  get size(): number {
    return this.servers.size;
  }
}
