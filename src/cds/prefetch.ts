import type { Resource } from 'fhir/r4';
import { CdsError } from './errors';
import type { HookRequest } from './schemas';
import { CallFetchBudget } from '../fhir/budget';
import { FhirFetchError, runPrefetchQuery, type FhirClientLimits } from '../fhir/client';

/** Where a prefetch key's data came from; logged and counted for integrators. */
export type Provenance = 'prefetch' | 'fetched' | 'null' | 'failed';

export interface GatheredData {
  /** Every resource found in any prefetch value or fetched key (Bundle entries flattened). */
  resources: Resource[];
  provenance: Record<string, Provenance>;
  /** Why each failed key failed (no URLs, tokens or patient data). */
  failures: Record<string, string>;
}

export interface GatherOptions {
  templates: Record<string, string>;
  /** Keys without which the service cannot answer (412 when they cannot be obtained). */
  requiredKeys: readonly string[];
  limits: FhirClientLimits;
  /** Decides whether the service may call this fhirServer for this request (allowlist, https). */
  mayCallFhirServer: (fhirServer: string, request: HookRequest) => boolean;
}

/** 412 with the per-key provenance attached for the call's log line. */
export class PrefetchUnavailableError extends CdsError {
  constructor(
    message: string,
    fields: string[],
    readonly provenance: Record<string, Provenance>,
  ) {
    super('CDS_PREFETCH_UNAVAILABLE', message, fields);
  }
}

const TOKEN = /\{\{\s*([^}]+?)\s*\}\}/g;

/**
 * Fills a 2.0 prefetch template from the hook context. Returns undefined when a token cannot be
 * resolved (the key is then treated like one the client could not satisfy).
 */
export function resolveTemplate(template: string, context: Record<string, unknown>): string | undefined {
  let unresolved = false;
  const resolved = template.replace(TOKEN, (_match, token: string) => {
    const value = token.startsWith('context.') ? context[token.slice('context.'.length)] : undefined;
    if (typeof value !== 'string' || value === '') {
      unresolved = true;
      return '';
    }
    return encodeURIComponent(value);
  });
  return unresolved ? undefined : resolved;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Flattens a prefetch value: a Bundle gives its entries' resources, any other resource itself. */
function resourcesOf(value: unknown): Resource[] {
  if (!isRecord(value) || typeof value.resourceType !== 'string') return [];
  if (value.resourceType !== 'Bundle') return [value as unknown as Resource];
  const entries = Array.isArray(value.entry) ? value.entry : [];
  const out: Resource[] = [];
  for (const entry of entries) {
    const resource = isRecord(entry) ? entry.resource : undefined;
    // search.mode "outcome" entries are OperationOutcomes about the search, not data.
    if (isRecord(resource) && typeof resource.resourceType === 'string' && resource.resourceType !== 'OperationOutcome') {
      out.push(resource as unknown as Resource);
    }
  }
  return out;
}

function failureText(error: unknown): string {
  if (error instanceof FhirFetchError) return error.status ? `${error.reason} (${error.status})` : error.reason;
  return 'error';
}

/**
 * CH-21..CH-24: uses every resource in any prefetch value; fetches only the template keys that
 * are absent (or hold an OperationOutcome), in parallel; `null` or an empty Bundle is "no data".
 * Throws 412 when a required key can be neither read from prefetch nor fetched.
 */
export async function gatherData(request: HookRequest, options: GatherOptions): Promise<GatheredData> {
  const prefetch = request.prefetch ?? {};
  const resources: Resource[] = [];
  const provenance: Record<string, Provenance> = {};
  const failures: Record<string, string> = {};
  const toFetch: Array<{ key: string; query: string | undefined }> = [];

  for (const [key, value] of Object.entries(prefetch)) {
    if (value === null) {
      if (Object.hasOwn(options.templates, key)) provenance[key] = 'null';
      continue;
    }
    if (value.resourceType === 'OperationOutcome') continue; // unsatisfied: refetched below if ours
    resources.push(...resourcesOf(value));
    if (Object.hasOwn(options.templates, key)) provenance[key] = 'prefetch';
  }

  for (const [key, template] of Object.entries(options.templates)) {
    if (provenance[key]) continue;
    toFetch.push({ key, query: resolveTemplate(template, request.context) });
  }

  if (toFetch.length > 0) await fetchMissing(request, options, toFetch, { resources, provenance, failures });

  const missing = options.requiredKeys.filter((key) => provenance[key] === 'failed');
  if (missing.length > 0) {
    const why = missing.map((key) => `${key}: ${failures[key]}`).join('; ');
    throw new PrefetchUnavailableError(
      `Required data could not be obtained from prefetch or the FHIR server (${why}).`,
      missing.map((key) => `prefetch.${key}`),
      provenance,
    );
  }
  return { resources, provenance, failures };
}

/**
 * Fetches the keys the client did not send, in parallel, all drawing from one budget for the
 * hook call. A spent budget fails the whole call: 412 when the call's own budget is over (the
 * data it would use is incomplete, and the server would answer the same again), 503 when the
 * process is at its budget for FHIR data in flight (retry shortly).
 */
async function fetchMissing(
  request: HookRequest,
  options: GatherOptions,
  toFetch: Array<{ key: string; query: string | undefined }>,
  into: GatheredData,
): Promise<void> {
  const { resources, provenance, failures } = into;
  const server = request.fhirServer;
  const allowed = server !== undefined && options.mayCallFhirServer(server, request);
  const target = { baseUrl: server ?? '', accessToken: request.fhirAuthorization?.access_token };
  const guards = options.limits.guards;
  const budget = guards ? new CallFetchBudget(guards.call, guards.process) : undefined;
  try {
    const results = await Promise.allSettled(
      toFetch.map(async ({ key, query }) => {
        if (!allowed) throw new Error(server === undefined ? 'no fhirServer' : 'fhirServer not allowed');
        if (query === undefined) throw new Error('template token not resolvable');
        return { key, value: await runPrefetchQuery(query, target, options.limits, budget) };
      }),
    );
    results.forEach((result, i) => {
      const key = toFetch[i]!.key;
      if (result.status === 'fulfilled') {
        provenance[key] = result.value.value === null ? 'null' : 'fetched';
        resources.push(...resourcesOf(result.value.value));
      } else {
        provenance[key] = 'failed';
        failures[key] = result.reason instanceof Error && !(result.reason instanceof FhirFetchError)
          ? result.reason.message
          : failureText(result.reason);
      }
    });
  } finally {
    budget?.release();
  }
  const spent = budget?.exhausted;
  if (!spent) return;
  if (spent.reason === 'overloaded') {
    throw new CdsError('CDS_UNAVAILABLE', 'The service is at its limit for FHIR data being read for other calls; retry shortly.');
  }
  const keys = toFetch.filter(({ key }) => failures[key] === 'budget').map(({ key }) => key);
  throw new PrefetchUnavailableError(
    `The FHIR server's answers for this call exceed its budget (${budget.limits.maxBytes} bytes, ${budget.limits.maxEntries} entries in all); send the data as prefetch or narrow the server's answers.`,
    (keys.length > 0 ? keys : toFetch.map(({ key }) => key)).map((key) => `prefetch.${key}`),
    provenance,
  );
}
