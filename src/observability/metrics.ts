import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FhirCallObservation } from '../fhir/client';
import type { StoreObserver, StoreOperation } from '../feedback/queue';
import { DeferredCounter } from './deferred-counter';

/**
 * Prometheus metrics of one app instance, in its own registry (tests build several apps).
 * Label values are bounded sets: route patterns (never raw paths), status codes, prefetch keys
 * from the discovery document, rule IDs from the rule configuration. Nothing about patients.
 */

/** Where a prefetch key's data came from, as the metric names it. */
const PROVENANCE_LABEL: Record<string, string> = { prefetch: 'supplied', fetched: 'fetched', null: 'null', failed: 'failed' };

/**
 * JWT failures by reason. One process-wide counter, registered in every app registry, so the
 * client-auth code can count failures with `recordAuthFailure(reason)` without being handed the
 * app's metrics object.
 */
const authFailures = new Counter({
  name: 'cds_auth_failures_total',
  help: 'Client JWT authentication failures by reason',
  labelNames: ['reason'] as const,
  registers: [],
});

/** Counts one client authentication failure (reason: a coarse fixed word, e.g. "expired", "replay"; never an issuer or kid). */
export function recordAuthFailure(reason: string): void {
  authFailures.inc({ reason: reason.slice(0, 40) });
}

/** What the replay gauges read at scrape time: the process's one replay store. */
let replayStats: () => { entries: number; fullIssuers: number } | undefined = () => undefined;

/** Points the replay gauges at the store client authentication uses (one per process). */
export function watchReplayStore(store: { stats(): { entries: number; fullIssuers: number } | undefined }): void {
  replayStats = () => store.stats();
}

// Process-wide like the auth counter; no issuer label (an issuer appears only in the warning log line).
const replayEntries = new Gauge({
  name: 'cds_replay_cache_entries',
  help: 'Client token jtis held by the in-process replay cache (0 with the PostgreSQL store)',
  registers: [],
  collect() {
    this.set(replayStats()?.entries ?? 0);
  },
});
const replayFullIssuers = new Gauge({
  name: 'cds_replay_cache_full_issuers',
  help: 'Registered clients whose replay set is full of unexpired jtis (their new tokens are refused)',
  registers: [],
  collect() {
    this.set(replayStats()?.fullIssuers ?? 0);
  },
});

/** Buckets of the whole hook call, dense around the EHR's 500 ms budget. */
export const HOOK_DURATION_BUCKETS = [0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.75, 1, 2, 5];

export interface AppMetrics {
  registry: Registry;
  httpRequest(route: string, method: string, status: number, seconds: number): void;
  /** One whole hook call of a known service, from the request's arrival to its answer. */
  hookCall(service: string, seconds: number): void;
  card(indicator: string, ruleIds: string[]): void;
  prefetch(provenance: Record<string, string>): void;
  fhirCall(observation: FhirCallObservation): void;
  feedback(outcome: string): void;
  feedbackDuplicates(count: number): void;
  store: StoreObserver;
  /** Reports the write queue's depth at scrape time. */
  watchQueue(depth: () => number): void;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): AppMetrics {
  const registry = new Registry();
  registry.registerMetric(authFailures);
  registry.registerMetric(replayEntries);
  registry.registerMetric(replayFullIssuers);
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const requestDuration = new Histogram({
    name: 'cds_http_request_duration_seconds',
    help: 'HTTP request duration by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const hookDuration = new Histogram({
    name: 'cds_hook_duration_seconds',
    help: 'Whole hook call duration by service id (authentication, prefetch fetches, rules, answer)',
    labelNames: ['service'] as const,
    buckets: HOOK_DURATION_BUCKETS,
    registers: [registry],
  });
  // Counted several times per hook call: summed in a Map and added up at scrape time.
  const cards = new DeferredCounter({
    name: 'cds_cards_total',
    help: 'Cards issued by indicator and rule ID (a card from several rules counts under each)',
    labelNames: ['indicator', 'rule'] as const,
    registers: [registry],
  });
  const prefetch = new DeferredCounter({
    name: 'cds_prefetch_keys_total',
    help: 'Prefetch keys by where their data came from: supplied by the client, fetched from fhirServer, null, or failed',
    labelNames: ['key', 'provenance'] as const,
    registers: [registry],
  });
  const fhirDuration = new Histogram({
    name: 'cds_fhir_request_duration_seconds',
    help: 'Duration of each HTTP call to the EHR FHIR server by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const fhirErrors = new Counter({
    name: 'cds_fhir_request_errors_total',
    help: 'Failed calls to the EHR FHIR server by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const feedback = new Counter({
    name: 'cds_feedback_items_total',
    help: 'Feedback items acknowledged by outcome (accepted, overridden)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const feedbackDuplicates = new Counter({
    name: 'cds_feedback_duplicates_total',
    help: 'Feedback items acknowledged that were already stored (client retries)',
    registers: [registry],
  });
  const storeErrors = new Counter({
    name: 'cds_feedback_store_errors_total',
    help: 'Feedback store failures by operation',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  const dropped = new Counter({
    name: 'cds_feedback_store_dropped_total',
    help: 'Issued-card records not stored (queue full or store down past the retries)',
    registers: [registry],
  });
  let queueDepth: () => number = () => 0;
  new Gauge({
    name: 'cds_feedback_queue_depth',
    help: 'Issued-card records waiting to be written',
    registers: [registry],
    collect() {
      this.set(queueDepth());
    },
  });

  return {
    registry,
    httpRequest(route, method, status, seconds) {
      requestDuration.observe({ route, method, status: String(status) }, seconds);
    },
    hookCall(service, seconds) {
      hookDuration.observe({ service }, seconds);
    },
    card(indicator, ruleIds) {
      for (const rule of ruleIds.length > 0 ? ruleIds : ['(none)']) cards.inc(`${indicator}\u0000${rule}`, { indicator, rule });
    },
    prefetch(provenance) {
      for (const [key, source] of Object.entries(provenance)) prefetch.inc(`${key}\u0000${source}`, { key, provenance: PROVENANCE_LABEL[source] ?? source });
    },
    fhirCall({ seconds, outcome }) {
      fhirDuration.observe({ outcome }, seconds);
      if (outcome !== 'ok') fhirErrors.inc({ reason: outcome });
    },
    feedback(outcome) {
      feedback.inc({ outcome });
    },
    feedbackDuplicates(count) {
      if (count > 0) feedbackDuplicates.inc(count);
    },
    store: {
      error(operation: StoreOperation) {
        storeErrors.inc({ operation });
      },
      dropped(count) {
        dropped.inc(count);
      },
    },
    watchQueue(depth) {
      queueDepth = depth;
    },
  };
}
