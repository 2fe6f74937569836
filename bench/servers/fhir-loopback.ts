import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { portFromEnv } from './fixed-cards';

/**
 * A loopback FHIR server for the prefetch-missing path. It answers the service's five prefetch
 * queries from a request body's prefetch (file in PREFETCH_FILE) after FHIR_DELAY_MS, like an EHR
 * with that much latency, and counts how many queries were in flight at once: 5 at one hook call
 * at a time proves the service fetches in parallel; 1 would mean one after another.
 */
export interface FhirStats {
  type: 'fhir-stats';
  requests: number;
  maxInFlight: number;
  unanswerable: number;
}

const prefetch = JSON.parse(readFileSync(process.env.PREFETCH_FILE ?? '', 'utf8')) as Record<string, unknown>;
const delayMs = Number(process.env.FHIR_DELAY_MS ?? '20');
const stats: FhirStats = { type: 'fhir-stats', requests: 0, maxInFlight: 0, unanswerable: 0 };
let inFlight = 0;

const serialised = (key: string) => JSON.stringify(prefetch[key]);
const answers = { patient: serialised('patient'), observations: serialised('observations'), conditions: serialised('conditions'), medications: serialised('medications'), administrations: serialised('administrations') };

function answerFor(path: string): string | undefined {
  if (path.startsWith('/fhir/Patient/')) return answers.patient;
  if (path === '/fhir/Observation') return answers.observations;
  if (path === '/fhir/Condition') return answers.conditions;
  if (path === '/fhir/MedicationRequest') return answers.medications;
  if (path === '/fhir/MedicationAdministration') return answers.administrations;
  return undefined;
}

const server = createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    return;
  }
  stats.requests += 1;
  inFlight += 1;
  stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
  const answer = answerFor(new URL(req.url ?? '/', 'http://loopback').pathname);
  setTimeout(() => {
    inFlight -= 1;
    if (answer === undefined) {
      stats.unanswerable += 1;
      res.writeHead(404, { 'content-type': 'application/fhir+json' }).end('{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found"}]}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(answer);
  }, delayMs);
});

process.on('message', (message: unknown) => {
  if (message === 'fhir-stats') process.send?.(stats);
  if (message === 'fhir-reset') {
    // Replies with the counts so far, then starts counting afresh.
    process.send?.({ ...stats });
    stats.requests = 0;
    stats.maxInFlight = 0;
    stats.unanswerable = 0;
  }
});
process.channel?.unref();

server.listen(portFromEnv(), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
