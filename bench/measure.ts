import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type RunningServer } from './child';
import { withoutPrefetch, type GeneratedBody } from './generate-bodies';
import { runLoad, type LoadResult } from './load';
import type { FhirStats } from './servers/fhir-loopback';
import { HOOK_PATH, serviceSpec, type Target, type TargetId } from './targets';

export interface Durations {
  warmupSeconds: number;
  loadedSeconds: number;
  unloadedSeconds: number;
  /** Concurrent connections of the loaded run. */
  connections: number;
}

/** One server, one body, one round. */
export interface Measurement {
  round: number;
  size: string;
  target: TargetId;
  loaded: LoadResult;
  unloaded: LoadResult;
  /** Server CPU (user + system) per response of the loaded run, in ms. */
  cpuMsPerRequest: number;
  /** Peak RSS of the server process over its whole life (one body size), in MB. */
  peakRssMb: number;
  /** Peak RSS once the server answered its readiness check, before any hook call, in MB. */
  startupRssMb: number;
  /** Cards in the answer to the sanity request. */
  cards: number;
  problems: string[];
}

export interface PrefetchMissingMeasurement {
  round: number;
  fhirDelayMs: number;
  loaded: LoadResult;
  unloaded: LoadResult;
  cpuMsPerRequest: number;
  peakRssMb: number;
  cards: number;
  /** FHIR queries per hook call (the service's five prefetch keys). */
  fetchesPerCall: number;
  /** Most FHIR queries in flight at once while one hook call at a time was made. */
  maxParallelFetches: number;
  problems: string[];
}

/** One request checked by hand before load: status, JSON and (for the service) real cards. */
async function sanityCheck(url: string, body: string, expectCards: boolean): Promise<{ cards: number; problems: string[] }> {
  const problems: string[] = [];
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await response.text();
  if (response.status !== 200) problems.push(`sanity request answered ${response.status}: ${text.slice(0, 300)}`);
  let cards = 0;
  try {
    const parsed = JSON.parse(text) as { cards?: unknown };
    if (!Array.isArray(parsed.cards)) problems.push('answer has no cards array');
    else cards = parsed.cards.length;
  } catch {
    problems.push('answer is not JSON');
  }
  if (expectCards && cards === 0) problems.push('the service issued no card for the generated body: it did not run the full path');
  return { cards, problems };
}

function loadProblems(what: string, result: LoadResult): string[] {
  const problems: string[] = [];
  if (result.responses === 0) problems.push(`${what}: no responses`);
  if (result.non2xx > 0) problems.push(`${what}: ${result.non2xx} non-2xx responses`);
  if (result.errors > 0) problems.push(`${what}: ${result.errors} errors`);
  if (result.timeouts > 0) problems.push(`${what}: ${result.timeouts} timeouts`);
  return problems;
}

/** The patient-view service's prefetch keys: patient, observations, conditions, medications, administrations. */
export const PREFETCH_KEYS = 5;

const cpuMs = (u: { cpuMicros: { user: number; system: number } }) => (u.cpuMicros.user + u.cpuMicros.system) / 1000;

/** The loaded run between two CPU readings, then the unloaded (1 connection) run. */
async function measureOnce(server: RunningServer, url: string, body: string, d: Durations) {
  const before = await server.usage();
  const loaded = await runLoad({ url, body, connections: d.connections, durationSeconds: d.loadedSeconds });
  const after = await server.usage();
  const unloaded = await runLoad({ url, body, connections: 1, durationSeconds: d.unloadedSeconds });
  return { loaded, unloaded, cpuMsPerRequest: (cpuMs(after) - cpuMs(before)) / Math.max(1, loaded.responses) };
}

/**
 * Warm-up under load until the JIT has settled. The service needs thousands of requests for
 * that (fhirpath, zod and the card builders are large), so a short warm-up measures compilation,
 * not the steady state a deployed service runs in.
 */
async function warmUp(url: string, body: string, d: Durations): Promise<void> {
  if (d.warmupSeconds > 0) await runLoad({ url, body, connections: d.connections, durationSeconds: d.warmupSeconds });
}

/**
 * One body size: every target gets a fresh process (so peak RSS belongs to this size), is
 * checked and warmed up, then the rounds run the targets back to back in a rotating order.
 */
export async function measureSize(targets: readonly Target[], body: GeneratedBody, rounds: number, d: Durations, logDir: string, onResult: (m: Measurement) => void): Promise<Measurement[]> {
  const started: Array<{ target: Target; server: RunningServer; url: string; startupRssMb: number; sanity: { cards: number; problems: string[] } }> = [];
  const results: Measurement[] = [];
  try {
    for (const target of targets) {
      const server = await startServer(`${target.id}-${body.label.replace(/\s+/g, '')}`, target.spec, logDir);
      const url = `${server.url}${body.hookPath}`;
      const startupRssMb = (await server.usage()).maxRssKb / 1024;
      const sanity = await sanityCheck(url, body.json, target.isService).catch((error: Error) => {
        throw new Error(`${target.id} at ${body.label}: sanity request failed: ${error.message}\n${server.stderr()}`);
      });
      started.push({ target, server, url, startupRssMb, sanity });
      await warmUp(url, body.json, d);
    }
    for (let round = 1; round <= rounds; round += 1) {
      for (let i = 0; i < started.length; i += 1) {
        const { target, server, url, startupRssMb, sanity } = started[(i + round - 1) % started.length]!;
        const { loaded, unloaded, cpuMsPerRequest } = await measureOnce(server, url, body.json, d);
        const m: Measurement = {
          round,
          size: body.label,
          target: target.id,
          loaded,
          unloaded,
          cpuMsPerRequest,
          peakRssMb: (await server.usage()).maxRssKb / 1024,
          startupRssMb,
          cards: sanity.cards,
          problems: [...sanity.problems, ...loadProblems('loaded run', loaded), ...loadProblems('unloaded run', unloaded)],
        };
        results.push(m);
        onResult(m);
      }
    }
    return results;
  } finally {
    for (const { server } of started) await server.stop();
  }
}

/**
 * The prefetch-missing path: the request carries fhirServer and a token but no prefetch, and a
 * loopback FHIR server answers each of the five queries after `fhirDelayMs`. With parallel
 * fetches an unloaded call takes about one delay, not five.
 */
export async function measurePrefetchMissing(body: GeneratedBody, rounds: number, d: Durations, fhirDelayMs: number, cacheDir: string, onResult: (m: PrefetchMissingMeasurement) => void): Promise<PrefetchMissingMeasurement[]> {
  const logDir = join(cacheDir, 'logs');
  const prefetchFile = join(cacheDir, 'loopback-prefetch.json');
  writeFileSync(prefetchFile, JSON.stringify(body.prefetch));
  const fhir = await startServer(
    'fhir-loopback',
    { script: join(__dirname, 'servers', 'fhir-loopback.js'), env: { PREFETCH_FILE: prefetchFile, FHIR_DELAY_MS: String(fhirDelayMs) }, readyPath: '/healthz', outside: true },
    logDir,
  );
  let service: RunningServer | undefined;
  const results: PrefetchMissingMeasurement[] = [];
  try {
    service = await startServer('service-fetching', serviceSpec('warn', { FHIR_ALLOW_HTTP: 'true' }), logDir);
    const url = `${service.url}${HOOK_PATH}`;
    const request = withoutPrefetch(body, `${fhir.url}/fhir`);
    const sanity = await sanityCheck(url, request, true);
    const afterSanity = await fhir.ask<FhirStats>('fhir-reset', 'fhir-stats');
    await warmUp(url, request, d);
    for (let round = 1; round <= rounds; round += 1) {
      const before = await service.usage();
      const loaded = await runLoad({ url, body: request, connections: d.connections, durationSeconds: d.loadedSeconds });
      const after = await service.usage();
      // Calls still in flight when the loaded run stopped finish their fetches first.
      await new Promise((resolve) => setTimeout(resolve, 500 + 5 * fhirDelayMs));
      await fhir.ask<FhirStats>('fhir-reset', 'fhir-stats');
      const unloaded = await runLoad({ url, body: request, connections: 1, durationSeconds: d.unloadedSeconds });
      const stats = await fhir.ask<FhirStats>('fhir-reset', 'fhir-stats');
      const problems = [...sanity.problems, ...loadProblems('loaded run', loaded), ...loadProblems('unloaded run', unloaded)];
      if (afterSanity.requests !== PREFETCH_KEYS) problems.push(`expected ${PREFETCH_KEYS} FHIR queries per call, saw ${afterSanity.requests}`);
      if (stats.unanswerable > 0) problems.push(`${stats.unanswerable} FHIR queries the loopback server could not answer`);
      const m: PrefetchMissingMeasurement = {
        round,
        fhirDelayMs,
        loaded,
        unloaded,
        cpuMsPerRequest: (cpuMs(after) - cpuMs(before)) / Math.max(1, loaded.responses),
        peakRssMb: (await service.usage()).maxRssKb / 1024,
        cards: sanity.cards,
        fetchesPerCall: afterSanity.requests,
        maxParallelFetches: stats.maxInFlight,
        problems,
      };
      results.push(m);
      onResult(m);
    }
    return results;
  } finally {
    await service?.stop();
    await fhir.stop();
  }
}
