import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerSpec } from './child';
import { PATIENT_VIEW_PATH } from './generate-bodies';

/** The servers measured side by side. The service runs from the build, as in production. */
export type TargetId = 'bare' | 'express' | 'service' | 'service-info';

export interface Target {
  id: TargetId;
  label: string;
  /** True when the target runs the real rules (its answer must carry cards). */
  isService: boolean;
  spec: ServerSpec;
}

export const REPO_ROOT = join(__dirname, '..', '..');
export const SERVICE_SCRIPT = join(REPO_ROOT, 'dist', 'server.js');
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
    spec: { script: SERVICE_SCRIPT, env: serviceEnv('warn'), readyPath: '/healthz' },
  },
  {
    id: 'service-info',
    label: 'service (LOG_LEVEL=info)',
    isService: true,
    spec: { script: SERVICE_SCRIPT, env: serviceEnv('info'), readyPath: '/healthz' },
  },
];
