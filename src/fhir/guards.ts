import { Gauge, type Registry } from 'prom-client';
import { CircuitBreakers, type BreakerOptions } from './breaker';
import { ProcessFetchBudget, type CallBudgetLimits } from './budget';

/** Defaults of the fetch bounds (overridable by environment, see src/config.ts and docs/operations.md). */
export const FETCH_GUARD_DEFAULTS = {
  callMaxBytes: 4 * 1024 * 1024,
  callMaxEntries: 10_000,
  inflightMaxBytes: 16 * 1024 * 1024,
  breakerFailures: 5,
  breakerWindowMs: 30_000,
  breakerCooldownMs: 10_000,
  breakerMaxServers: 1000,
} as const;

export interface FetchGuardSettings {
  callMaxBytes: number;
  callMaxEntries: number;
  inflightMaxBytes: number;
  breakerFailures: number;
  breakerWindowMs: number;
  breakerCooldownMs: number;
}

/** What one app shares across its hook calls: the process byte budget and the per-server breakers. */
export interface FetchGuards {
  call: CallBudgetLimits;
  process: ProcessFetchBudget;
  breakers: CircuitBreakers;
}

export function createFetchGuards(settings: Partial<FetchGuardSettings> = {}, options: Pick<BreakerOptions, 'now'> = {}): FetchGuards {
  const s = { ...FETCH_GUARD_DEFAULTS, ...settings };
  return {
    call: { maxBytes: s.callMaxBytes, maxEntries: s.callMaxEntries },
    process: new ProcessFetchBudget(s.inflightMaxBytes),
    breakers: new CircuitBreakers({
      failures: s.breakerFailures,
      windowMs: s.breakerWindowMs,
      cooldownMs: s.breakerCooldownMs,
      maxServers: FETCH_GUARD_DEFAULTS.breakerMaxServers,
      ...options,
    }),
  };
}

/** Fetch guards of an app, with their gauges in its metrics registry. */
export function fetchGuardsWithMetrics(settings: Partial<FetchGuardSettings>, registry: Registry): FetchGuards {
  const guards = createFetchGuards(settings);
  new Gauge({
    name: 'cds_fhir_breakers_open',
    help: 'FHIR servers whose circuit breaker is open or half-open (calls to them answer 412 at once)',
    registers: [registry],
    collect() {
      this.set(guards.breakers.openCount());
    },
  });
  new Gauge({
    name: 'cds_fhir_inflight_bytes',
    help: 'Bytes of FHIR responses held by hook calls in flight (bounded by FHIR_INFLIGHT_MAX_BYTES)',
    registers: [registry],
    collect() {
      this.set(guards.process.inUse);
    },
  });
  return guards;
}
