import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerSpec } from './child';
import { PATIENT_VIEW_PATH } from './generate-bodies';

/** The servers measured side by side. The service runs from the build with `npm start`'s node flags, as in production. */
export type TargetId = 'bare' | 'express' | 'service' | 'service-info';

export interface Target {
  id: TargetId;
  label: string;
  /** True when the target runs the real rules (its answer must carry cards). */
  isService: boolean;
  spec: ServerSpec;
}

/** The repository root, from dist/bench/ (the built harness) or bench/ (its sources, under jest). */
export const REPO_ROOT = existsSync(join(__dirname, '..', 'package.json')) ? join(__dirname, '..') : join(__dirname, '..', '..');
export const SERVICE_SCRIPT = join(REPO_ROOT, 'dist', 'server.js');

/** The node flags `npm start` runs the service with (package.json is their one home; the Dockerfile repeats them). */
export function startFlags(startScript: string): string[] {
  const words = startScript.trim().split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== 'dist/server.js') throw new Error(`unexpected start script: ${startScript}`);
  return words.slice(1, -1);
}
export const SERVICE_NODE_FLAGS = startFlags((JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start);
/** The patient-view service; each generated body names the path it is POSTed to. */
export const HOOK_PATH = PATIENT_VIEW_PATH;

/**
 * NODE_ENV=development: production will switch on client authentication, which the bench does
 * not exercise yet. LOG_LEVEL=warn writes nothing per request; the info row shows what the one
 * log line per call costs as the service runs in production.
 */
export function serviceEnv(logLevel: 'warn' | 'info'): Record<string, string> {
  // The feedback store is the embedded SQLite default, in a throwaway file outside the repo.
  return { NODE_ENV: 'development', LOG_LEVEL: logLevel, FEEDBACK_DB_PATH: join(tmpdir(), `magnesium-cds-bench-${process.pid}-${logLevel}.sqlite`) };
}

/** The service as `npm start` runs it (the build, the start script's node flags), with the bench's environment and `env` on top. */
export function serviceSpec(logLevel: 'warn' | 'info', env: Record<string, string> = {}, extraNodeFlags: string[] = []): ServerSpec {
  return { script: SERVICE_SCRIPT, env: { ...serviceEnv(logLevel), ...env }, nodeFlags: [...SERVICE_NODE_FLAGS, ...extraNodeFlags], readyPath: '/healthz' };
}

export const TARGETS: readonly Target[] = [
  {
    id: 'bare',
    label: '(a) node:http + JSON.parse',
    isService: false,
    spec: { script: join(__dirname, 'servers', 'bare.js'), env: {}, readyPath: '/' },
  },
  {
    id: 'express',
    label: '(b) express 5 + express.json()',
    isService: false,
    spec: { script: join(__dirname, 'servers', 'express.js'), env: {}, readyPath: '/' },
  },
  {
    id: 'service',
    label: 'service (LOG_LEVEL=warn)',
    isService: true,
    spec: serviceSpec('warn'),
  },
  {
    id: 'service-info',
    label: 'service (LOG_LEVEL=info)',
    isService: true,
    spec: serviceSpec('info'),
  },
];
