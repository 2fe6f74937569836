import type { Bundle, Resource } from 'fhir/r4';
import type { CallFetchBudget } from './budget';
import type { FetchGuards } from './guards';

/** Limits for every call to an EHR's FHIR server. */
export interface FhirClientLimits {
  timeoutMs: number;
  maxResponseBytes: number;
  maxPages: number;
  maxEntries: number;
  /** The app's process byte budget, per-call budget and per-server circuit breakers. */
  guards?: FetchGuards;
  /** Told about every HTTP call (duration and outcome), e.g. for metrics; never sees URLs or data. */
  observe?: (observation: FhirCallObservation) => void;
}

export interface FhirCallObservation {
  seconds: number;
  outcome: 'ok' | FhirFailureReason;
}

export type FhirFailureReason =
  | 'timeout'
  | 'network'
  | 'http-status'
  | 'redirect'
  | 'too-large'
  | 'invalid-json'
  | 'unexpected-resource'
  /** The hook call's byte or entry budget is spent. */
  | 'budget'
  /** The process budget for FHIR bytes in flight is spent. */
  | 'overloaded'
  /** The server failed repeatedly and is in its cool-down. */
  | 'circuit-open';

export class FhirFetchError extends Error {
  constructor(
    readonly reason: FhirFailureReason,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'FhirFetchError';
  }
}

export interface FhirRequestTarget {
  /** The request's `fhirServer`, without trailing slash. */
  baseUrl: string;
  /** `fhirAuthorization.access_token`, sent only to `baseUrl`. */
  accessToken: string | undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads at most `maxBytes` of a response body; a larger body is refused, not truncated. Every
 * chunk is also drawn from the call's budget, so reading stops as soon as the call is over it.
 */
export async function readCapped(response: Response, maxBytes: number, budget?: CallFetchBudget): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new FhirFetchError('too-large', `response of ${declared} bytes exceeds ${maxBytes}`);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    if (budget && Number.isFinite(declared)) budget.checkDeclared(declared);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) throw new FhirFetchError('too-large', `response exceeds ${maxBytes} bytes`);
      budget?.takeBytes(value.byteLength);
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Failures that say the server itself is unwell (they count towards its circuit breaker). */
function isServerFailure(error: unknown): boolean {
  if (!(error instanceof FhirFetchError)) return true;
  return error.reason === 'timeout' || error.reason === 'network' || (error.reason === 'http-status' && (error.status ?? 0) >= 500);
}

/**
 * getJsonUnobserved behind the server's circuit breaker, reporting each call's duration and
 * outcome to `limits.observe`.
 */
async function getJson(url: URL, target: FhirRequestTarget, limits: FhirClientLimits, signal: AbortSignal, budget?: CallFetchBudget): Promise<unknown> {
  const breakers = limits.guards?.breakers;
  if (breakers && !breakers.allow(target.baseUrl)) {
    limits.observe?.({ seconds: 0, outcome: 'circuit-open' });
    throw new FhirFetchError('circuit-open', 'server failed repeatedly; not called during its cool-down');
  }
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  try {
    const body = await getJsonUnobserved(url, target, limits, signal, budget);
    breakers?.succeeded(target.baseUrl);
    limits.observe?.({ seconds: seconds(), outcome: 'ok' });
    return body;
  } catch (error) {
    if (isServerFailure(error)) breakers?.failed(target.baseUrl);
    else breakers?.succeeded(target.baseUrl);
    limits.observe?.({ seconds: seconds(), outcome: error instanceof FhirFetchError ? error.reason : 'network' });
    throw error;
  }
}

/** One GET against the FHIR server; returns the parsed JSON body, or `null` for 404/410. */
async function getJsonUnobserved(url: URL, target: FhirRequestTarget, limits: FhirClientLimits, signal: AbortSignal, budget?: CallFetchBudget): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/fhir+json, application/json;q=0.9' };
  if (target.accessToken) headers.authorization = `Bearer ${target.accessToken}`;
  let response: Response;
  try {
    // Redirects are not followed: they could carry the access token to another host.
    response = await fetch(url, { headers, signal, redirect: 'manual' });
  } catch (error) {
    if (budget?.exhausted) throw budget.exhausted;
    if (signal.aborted) throw new FhirFetchError('timeout', `no answer within ${limits.timeoutMs} ms`);
    throw new FhirFetchError('network', (error as Error).message);
  }
  try {
    if (response.status >= 300 && response.status < 400) {
      throw new FhirFetchError('redirect', `redirect (${response.status}) not followed`, response.status);
    }
    if (response.status === 404 || response.status === 410) return null;
    if (!response.ok) throw new FhirFetchError('http-status', `HTTP ${response.status}`, response.status);
    const text = await readCapped(response, limits.maxResponseBytes, budget);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new FhirFetchError('invalid-json', 'response body is not JSON');
    }
  } catch (error) {
    if (budget?.exhausted) throw budget.exhausted;
    if (signal.aborted && !(error instanceof FhirFetchError && error.reason !== 'network')) {
      throw new FhirFetchError('timeout', `no answer within ${limits.timeoutMs} ms`);
    }
    throw error;
  }
}

/** True when `candidate` is on the same origin as `base` and under its path. */
export function isUnderBase(candidate: URL, base: URL): boolean {
  const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  return candidate.origin === base.origin && (candidate.pathname + '/').startsWith(basePath);
}

/**
 * Runs a prefetch query (a resolved template such as `Patient/123` or `Observation?patient=123&…`)
 * against the FHIR server. Reads return the resource or `null` (not found); searches return one
 * Bundle whose entries gather up to `maxPages` pages, following `next` links only on the same
 * server. The whole key shares one deadline; every response and Bundle page draws from the hook
 * call's `budget`, and a spent budget stops the call's other fetches too.
 */
export async function runPrefetchQuery(
  query: string,
  requested: FhirRequestTarget,
  limits: FhirClientLimits,
  budget?: CallFetchBudget,
): Promise<Resource | null> {
  // One spelling of the server per breaker, whatever trailing slashes the request had.
  const target = { ...requested, baseUrl: requested.baseUrl.replace(/\/+$/, '') };
  const base = new URL(`${target.baseUrl}/`);
  const url = new URL(query, base);
  if (!isUnderBase(url, base)) throw new FhirFetchError('unexpected-resource', 'query leaves the FHIR server base');
  const isSearch = !/^[A-Za-z]+\/[^/?]+$/.test(query);
  const deadline = AbortSignal.timeout(limits.timeoutMs);
  const signal = budget ? AbortSignal.any([deadline, budget.signal]) : deadline;

  const first = await getJson(url, target, limits, signal, budget);
  if (first === null) {
    if (isSearch) throw new FhirFetchError('http-status', 'search endpoint not found', 404);
    return null;
  }
  if (!isObject(first) || typeof first.resourceType !== 'string') {
    throw new FhirFetchError('unexpected-resource', 'answer is not a FHIR resource');
  }
  if (first.resourceType === 'OperationOutcome') {
    throw new FhirFetchError('unexpected-resource', 'server answered with an OperationOutcome');
  }
  if (!isSearch) return first as unknown as Resource;
  if (first.resourceType !== 'Bundle') throw new FhirFetchError('unexpected-resource', 'search did not return a Bundle');

  const bundle = first as unknown as Bundle;
  const entries = [...(Array.isArray(bundle.entry) ? bundle.entry : [])];
  budget?.takeEntries(entries.length);
  let page: Bundle = bundle;
  for (let pages = 1; pages < limits.maxPages && entries.length < limits.maxEntries; pages += 1) {
    const next = Array.isArray(page.link) ? page.link.find((l) => l?.relation === 'next')?.url : undefined;
    if (typeof next !== 'string') break;
    let nextUrl: URL;
    try {
      nextUrl = new URL(next, base);
    } catch {
      break;
    }
    // Never follow a paging link to another server: the token would go with it.
    if (!isUnderBase(nextUrl, base)) break;
    const more = await getJson(nextUrl, target, limits, signal, budget);
    if (!isObject(more) || more.resourceType !== 'Bundle') break;
    page = more as unknown as Bundle;
    if (Array.isArray(page.entry)) {
      budget?.takeEntries(page.entry.length);
      entries.push(...page.entry);
    }
  }
  const kept = entries.slice(0, limits.maxEntries);
  const result: Bundle = { resourceType: 'Bundle', type: 'searchset' };
  if (kept.length > 0) result.entry = kept;
  return result;
}
