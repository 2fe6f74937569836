#!/usr/bin/env node
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs as parseNodeArgs } from 'node:util';
import type { MedicationRequest, ServiceRequest } from 'fhir/r4';
import type { CdsResponse } from './cds/schemas';
import { bodyNotJson, CdsError, toOperationOutcome } from './cds/errors';
import { buildFactIndex } from './clinical/facts';
import { parseFhirDateTime } from './clinical/time';
import { ConfigError, loadConfig, type AppConfig } from './config';
import { loadDemoPatient, loadDemoPatients, PROJECT_ROOT } from './demo/patients';
import { PlaceholderError, resolvePlaceholders } from './demo/time';
import { loadRuleConfig } from './rules/config';
import { invokeService } from './services/invoke';
import { loadRegistry, type RegisteredService } from './services/registry';

/**
 * Command line for integrators:
 * - `magnesium-cds evaluate request.json` prints the cards the service would answer to a hook
 *   request file, through the same invokeService as the HTTP route, with the same configuration
 *   (environment variables, RULES_FILE); the service is the one registered for the request's hook.
 * - `magnesium-cds sample severe` prints a demo patient's hook request with its times resolved
 *   against now, ready to POST or to pipe into `evaluate -`.
 * Exit codes: 0 answered; 2 invalid request or usage; 1 anything else (unreadable file, data
 * unobtainable, configuration).
 */

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  readFile: (path: string) => string;
}

const USAGE = `Usage: magnesium-cds evaluate <request.json | -> [--json] [--now <instant>] [--service <id>]
       magnesium-cds sample [<patient>] [--now <instant>]
       magnesium-cds --version | --help

evaluate   prints the CDS cards the service answers to a CDS Hooks request body (- reads stdin)
  --json           print the raw response body instead of the text rendering
  --now <instant>  evaluate as if now were this ISO 8601 instant with its zone (e.g. 2026-11-22T12:00:00Z)
  --service <id>   service id (default: the one service registered for the request's hook)
sample     prints a demo patient's hook request, its times relative to now (or --now);
           without <patient>, lists the demo patients
Exit codes: 0 answered, 2 invalid request or usage, 1 other failure.`;

class UsageError extends Error {}

type Options =
  | { command: 'evaluate'; file: string; json: boolean; now?: Date; serviceId?: string }
  | { command: 'sample'; patient?: string; now?: Date };

/** An ISO 8601 instant: full date, time and zone, a real calendar date (not whatever Date parses). */
function parseInstant(value: string): Date {
  const instant = value.includes('T') ? parseFhirDateTime(value) : undefined;
  if (!instant) throw new UsageError(`--now needs an ISO 8601 instant with its zone, e.g. 2026-11-22T12:00:00Z (got "${value}").`);
  return instant;
}

function parseArgs(argv: string[]): Options {
  let parsed;
  try {
    parsed = parseNodeArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { json: { type: 'boolean' }, now: { type: 'string' }, service: { type: 'string' } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, target, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}".`);
  const now = values.now === undefined ? undefined : parseInstant(values.now);
  if (command === 'evaluate') {
    if (target === undefined) throw new UsageError('No request file given.');
    return { command, file: target, json: values.json ?? false, now, serviceId: values.service };
  }
  if (command === 'sample') {
    if (values.json !== undefined || values.service !== undefined) throw new UsageError('sample takes only a patient and --now.');
    return { command, patient: target, now };
  }
  throw new UsageError(command ? `Unknown command "${command}".` : 'No command given.');
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The HTTP service's default fhirServer rule: https, or http when the profile allows it; no credentials in the URL. */
function fhirServerRule(config: AppConfig) {
  return (fhirServer: string): boolean => {
    try {
      const url = new URL(fhirServer);
      if (url.username || url.password) return false;
      return url.protocol === 'https:' || (url.protocol === 'http:' && config.fhir.allowHttp);
    } catch {
      return false;
    }
  };
}

function pickService(registry: Map<string, RegisteredService>, body: unknown, serviceId: string | undefined): RegisteredService {
  if (serviceId !== undefined) {
    const service = registry.get(serviceId);
    if (!service) throw new UsageError(`No service "${serviceId}"; known: ${[...registry.keys()].join(', ')}.`);
    return service;
  }
  const hook = (body as { hook?: unknown } | null)?.hook;
  const matching = [...registry.values()].filter((s) => s.definition.hook === hook);
  if (matching.length === 1) return matching[0]!;
  if (typeof hook !== 'string') throw new CdsError('CDS_INVALID_REQUEST', 'Invalid hook request: hook: must be a string', ['hook']);
  throw new UsageError(matching.length === 0 ? `No service for hook "${hook}".` : `Several services for hook "${hook}": choose one with --service.`);
}

// ------------------------------------------------------------------ text rendering

const plainMarkdown = (md: string) => md.replace(/\*\*(.+?)\*\*/g, '$1').replace(/<\/?(sub|sup)>/g, '');
const indent = (text: string, by: string) => text.split('\n').map((l) => (l ? by + l : l)).join('\n');

function resourceLine(resource: { resourceType: string } & Record<string, unknown>): string {
  if (resource.resourceType === 'MedicationRequest') {
    const r = resource as unknown as MedicationRequest;
    const what = r.medicationCodeableConcept?.text ?? r.medicationCodeableConcept?.coding?.[0]?.display;
    return [what, r.dosageInstruction?.[0]?.text].filter(Boolean).join(': ');
  }
  if (resource.resourceType === 'ServiceRequest') {
    const r = resource as unknown as ServiceRequest;
    return r.code?.text ?? r.code?.coding?.map((c) => c.display ?? c.code).join(', ') ?? '';
  }
  return '';
}

export function renderText(response: CdsResponse): string {
  const cards = response.cards;
  if (cards.length === 0) return 'No cards: the service has nothing to say for this request ({"cards": []}).\n';
  const out: string[] = [`${cards.length} card${cards.length === 1 ? '' : 's'}`];
  for (const card of cards) {
    const a = card.extension?.['org.magnesium-cds.assessment'] as { kind?: string; severity?: string; route?: string; ruleSet?: string; ruleIds?: string[] } | undefined;
    // The rule-set version travels in the extension (R-TXT-1); the text names it beside the source.
    out.push('', `[${card.indicator.toUpperCase()}] ${card.summary}`, `  Source: ${card.source.label}${a?.ruleSet ? ` · rule set ${a.ruleSet}` : ''}`);
    if (a) out.push(`  Assessment: ${[a.kind, a.severity, a.route, a.ruleIds?.join(' ')].filter(Boolean).join(' · ')}`);
    if (card.detail) out.push('', indent(plainMarkdown(card.detail), '  '));
    if (card.suggestions) {
      out.push('', `  Suggestions (${card.selectionBehavior === 'at-most-one' ? 'choose at most one' : 'choose any'}):`);
      for (const s of card.suggestions) {
        out.push(`  * ${s.isRecommended ? '[recommended] ' : ''}${s.label}`);
        for (const action of s.actions ?? []) {
          const detail = action.resource ? resourceLine(action.resource) : '';
          out.push(`      ${action.type} ${action.resource?.resourceType ?? action.resourceId ?? ''}${detail ? `: ${detail}` : ''}`);
        }
      }
    }
    for (const link of card.links ?? []) out.push(`  Link: ${link.label} <${link.url}>`);
    if (card.overrideReasons) out.push(`  Override reasons: ${card.overrideReasons.map((r) => r.display).join('; ')}`);
  }
  return `${out.join('\n')}\n`;
}

// ------------------------------------------------------------------ entry

const defaultIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  readFile: (path) => readFileSync(path === '-' ? 0 : path, 'utf8'),
};

/** The demo patient's hook request with its times resolved, or the list of demo patients. */
function sample(patient: string | undefined, now: Date): string {
  if (patient === undefined) {
    const rows = loadDemoPatients().map((p) => `  ${p.id.padEnd(14)} ${p.summary}`);
    return `Demo patients (magnesium-cds sample <patient>):\n${rows.join('\n')}\n`;
  }
  const file = loadDemoPatient(patient);
  if (!file) throw new UsageError(`No demo patient "${patient}"; known: ${loadDemoPatients().map((p) => p.id).join(', ')}.`);
  try {
    // Like the demo page: a fresh hookInstance per request, the `demo` member never sent.
    return `${JSON.stringify({ ...resolvePlaceholders(file.request, now), hookInstance: randomUUID() }, null, 2)}\n`;
  } catch (error) {
    if (error instanceof PlaceholderError) throw new Error(`fixtures/demo sample "${patient}": ${error.message}`);
    throw error;
  }
}

async function evaluate(options: Extract<Options, { command: 'evaluate' }>, io: CliIo): Promise<number> {
  let text: string;
  try {
    text = io.readFile(options.file);
  } catch (error) {
    io.stderr(`Cannot read ${options.file}: ${(error as Error).message}\n`);
    return 1;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw bodyNotJson();
  }
  const config = loadConfig(io.env);
  const rules = loadRuleConfig(config.rulesFile);
  const registry = loadRegistry();
  const service = pickService(registry, body, options.serviceId);
  const now = options.now;
  const result = await invokeService(service, body, {
    rules,
    factIndex: buildFactIndex(rules),
    fhirLimits: config.fhir,
    mayCallFhirServer: fhirServerRule(config),
    now: () => (now ? new Date(now.getTime()) : new Date()),
  });
  io.stdout(options.json ? `${JSON.stringify(result.response, null, 2)}\n` : renderText(result.response));
  return 0;
}

/** Runs the command line; resolves to the exit code. */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  if (argv.includes('--version') || argv.includes('-v')) {
    io.stdout(`magnesium-cds ${packageVersion()}\n`);
    return 0;
  }
  try {
    const options = parseArgs(argv);
    if (options.command === 'sample') {
      io.stdout(sample(options.patient, options.now ?? new Date()));
      return 0;
    }
    return await evaluate(options, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof CdsError) {
      const kind = error.status === 400 ? 'Invalid request' : 'Cannot evaluate the request';
      io.stderr(`${kind} (HTTP ${error.status} from the service): ${error.message}\n${JSON.stringify(toOperationOutcome(error), null, 2)}\n`);
      return error.status === 400 ? 2 : 1;
    }
    if (error instanceof ConfigError) {
      io.stderr(`${error.message}\n`);
      return 1;
    }
    io.stderr(`Failed: ${(error as Error)?.message ?? String(error)}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
