import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp, type AppDeps } from '../src/app';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logging';
import { buildRuleConfig } from '../src/rules/config';
import { assertValidResponse, type CdsResponse } from '../src/cds/schemas';

export const ROOT = join(__dirname, '..');
export const CASES_DIR = join(ROOT, 'fixtures', 'cases', 'public');
export const CASES_NOW = new Date('2026-11-22T12:00:00Z');

/** Captures log lines so tests can assert what reached the log. */
export function logSink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { stream, lines, text: () => lines.join('') };
}

export interface TestAppOptions extends Partial<Omit<AppDeps, 'config' | 'rules' | 'logger'>> {
  env?: Record<string, string>;
  rules?: unknown;
  now?: () => Date;
}

export function testApp(options: TestAppOptions = {}) {
  const sink = logSink();
  const config = loadConfig({ NODE_ENV: 'test', ...options.env });
  const { env: _env, rules: rulesOverride, ...rest } = options;
  const app = createApp({
    config,
    rules: buildRuleConfig(rulesOverride ?? {}),
    logger: createLogger('info', sink.stream),
    now: options.now ?? (() => CASES_NOW),
    ...rest,
  });
  return { app, logs: sink };
}

export function readJson<T = any>(...parts: string[]): T {
  return JSON.parse(readFileSync(join(...parts), 'utf8')) as T;
}

export function loadCase(name: string): any {
  return readJson(CASES_DIR, name);
}

/** Every hook response in the HTTP tests goes through the 2.0 response self-check (CH-02, CH-29..41). */
export function expectValidCdsResponse(body: unknown): CdsResponse {
  return assertValidResponse(body);
}

/** Builds a hook request around the given resources (all under the published prefetch keys). */
export function hookRequest(options: {
  patientId?: string;
  patient?: Record<string, unknown> | null;
  observations?: unknown[];
  conditions?: unknown[];
  medications?: unknown[];
  administrations?: unknown[];
  omit?: string[];
  extra?: Record<string, unknown>;
} = {}): any {
  const patientId = options.patientId ?? 'pat-1';
  const bundle = (resources: unknown[] = []) => ({
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    ...(resources.length > 0 ? { entry: resources.map((resource) => ({ resource })) } : {}),
  });
  const prefetch: Record<string, unknown> = {
    patient: options.patient === undefined ? { resourceType: 'Patient', id: patientId, gender: 'female', birthDate: '1960-05-01' } : options.patient,
    observations: bundle(options.observations),
    conditions: bundle(options.conditions),
    medications: bundle(options.medications),
    administrations: bundle(options.administrations),
  };
  for (const key of options.omit ?? []) delete prefetch[key];
  return {
    hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea',
    hook: 'patient-view',
    context: { userId: 'Practitioner/example', patientId },
    prefetch,
    ...options.extra,
  };
}

export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';

/** An Observation with a quantity; `hoursAgo` is relative to CASES_NOW. */
export function observation(options: {
  code: string;
  value?: number;
  unit?: string;
  ucum?: string | null;
  hoursAgo?: number;
  status?: string;
  comparator?: string;
  patientId?: string;
  id?: string;
}): Record<string, unknown> {
  const effective = new Date(CASES_NOW.getTime() - (options.hoursAgo ?? 2) * 3_600_000).toISOString();
  const quantity: Record<string, unknown> = {};
  if (options.value !== undefined) quantity.value = options.value;
  if (options.unit !== undefined) quantity.unit = options.unit;
  if (options.ucum !== null && (options.ucum ?? options.unit) !== undefined) {
    quantity.system = UCUM;
    quantity.code = options.ucum ?? options.unit;
  }
  if (options.comparator) quantity.comparator = options.comparator;
  return {
    resourceType: 'Observation',
    id: options.id ?? `obs-${options.code}-${options.hoursAgo ?? 2}`,
    status: options.status ?? 'final',
    code: { coding: [{ system: LOINC, code: options.code }] },
    subject: { reference: `Patient/${options.patientId ?? 'pat-1'}` },
    effectiveDateTime: effective,
    ...(Object.keys(quantity).length > 0 ? { valueQuantity: quantity } : {}),
  };
}

export function condition(options: { snomed?: string; icd10?: string; text?: string; status?: string; patientId?: string }): Record<string, unknown> {
  const coding = [
    ...(options.snomed ? [{ system: 'http://snomed.info/sct', code: options.snomed }] : []),
    ...(options.icd10 ? [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: options.icd10 }] : []),
  ];
  return {
    resourceType: 'Condition',
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: options.status ?? 'active' }] },
    code: { ...(coding.length > 0 ? { coding } : {}), ...(options.text ? { text: options.text } : {}) },
    subject: { reference: `Patient/${options.patientId ?? 'pat-1'}` },
  };
}

export function medicationRequest(options: { rxnorm?: string; text: string; status?: string; patientId?: string }): Record<string, unknown> {
  return {
    resourceType: 'MedicationRequest',
    status: options.status ?? 'active',
    intent: 'order',
    medicationCodeableConcept: {
      ...(options.rxnorm ? { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: options.rxnorm }] } : {}),
      text: options.text,
    },
    subject: { reference: `Patient/${options.patientId ?? 'pat-1'}` },
  };
}

/** Serves an app on a free loopback port; `close` drops open connections first. */
export async function listenOnLoopback(app: { listen(port: number, host: string): Server }): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as AddressInfo).port;
  const close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return { server, port, close };
}
