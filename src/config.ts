import { z } from 'zod';
import { FETCH_GUARD_DEFAULTS as FETCH, type FetchGuardSettings } from './fhir/guards';

/**
 * Process configuration, read once from the environment at start-up.
 * Every problem is reported at once so an operator fixes the deployment in one go.
 */
const intFromEnv = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

export const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: intFromEnv(3000, 0, 65535),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Public base URL of this service (scheme://host[:port][/path]); JWT audiences are built from it. */
  CDS_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Largest accepted request body in bytes (real prefetch bodies exceed express's 100 kB default). */
  BODY_LIMIT_BYTES: intFromEnv(5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
  /** Deadline for each call to the EHR's FHIR server. */
  FHIR_TIMEOUT_MS: intFromEnv(3000, 100, 60_000),
  /** Bundle pages followed per prefetch key (the first page counts). */
  FHIR_MAX_PAGES: intFromEnv(5, 1, 50),
  /** Largest FHIR response body read, in bytes. */
  FHIR_MAX_RESPONSE_BYTES: intFromEnv(10 * 1024 * 1024, 1024, 200 * 1024 * 1024),
  /** Most Bundle entries kept per prefetch key across pages. */
  FHIR_MAX_ENTRIES: intFromEnv(5000, 1, 100_000),
  /** Allow plain-http fhirServer URLs (development and the sandbox's local servers). */
  FHIR_ALLOW_HTTP: z.enum(['true', 'false']).optional(),
  /** Bytes and Bundle entries one hook call may read from the FHIR server, across all its fetches and pages. */
  FHIR_CALL_MAX_BYTES: intFromEnv(FETCH.callMaxBytes, 1024, 200 * 1024 * 1024),
  FHIR_CALL_MAX_ENTRIES: intFromEnv(FETCH.callMaxEntries, 1, 1_000_000),
  /** Bytes of FHIR responses all hook calls in flight may hold at once (beyond it: 503). */
  FHIR_INFLIGHT_MAX_BYTES: intFromEnv(FETCH.inflightMaxBytes, 1024, 2 * 1024 * 1024 * 1024),
  /** Circuit breaker per FHIR server: consecutive failures within the window open it for the cool-down. */
  FHIR_BREAKER_FAILURES: intFromEnv(FETCH.breakerFailures, 1, 1000),
  FHIR_BREAKER_WINDOW_MS: intFromEnv(FETCH.breakerWindowMs, 100, 3_600_000),
  FHIR_BREAKER_COOLDOWN_MS: intFromEnv(FETCH.breakerCooldownMs, 100, 3_600_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Optional JSON or YAML file overriding the clinical rule configuration. */
  RULES_FILE: z.string().min(1).optional(),
  /** Milliseconds to wait for in-flight requests on SIGTERM before exiting. */
  SHUTDOWN_GRACE_MS: intFromEnv(10_000, 0, 120_000),
  /** Slow clients: most time to receive a request's headers, and the whole request. */
  HEADERS_TIMEOUT_MS: intFromEnv(15_000, 500, 120_000),
  REQUEST_TIMEOUT_MS: intFromEnv(30_000, 1000, 300_000),
  /** Client JWT authentication: `required` by default in production, `off` otherwise. */
  CDS_AUTH: z.enum(['required', 'off']).optional(),
  /** JSON or YAML file registering the CDS clients (EHRs) allowed to call; see config/clients/. */
  CDS_CLIENTS_FILE: z.string().min(1).optional(),
  /** PostgreSQL connection URL for the feedback store (several replicas); absent means SQLite. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** SQLite file of the feedback store when DATABASE_URL is absent (directory created if missing). */
  FEEDBACK_DB_PATH: z.string().min(1).default('./data/feedback.sqlite'),
  /** Days issued-card and feedback records are kept; 0 keeps them forever. */
  FEEDBACK_RETENTION_DAYS: intFromEnv(365, 0, 36_500),
  /** Bearer token for /admin routes (at least 16 characters); absent turns the admin routes off. */
  ADMIN_TOKEN: z.string().min(16).optional(),
  /** Serve GET /metrics (Prometheus text format). */
  METRICS_ENABLED: z.enum(['true', 'false']).default('true'),
});

export type Environment = z.infer<typeof environmentSchema>;

export interface AppConfig {
  env: Environment['NODE_ENV'];
  port: number;
  host: string;
  publicUrl: string | undefined;
  bodyLimitBytes: number;
  fhir: {
    timeoutMs: number;
    maxPages: number;
    maxResponseBytes: number;
    maxEntries: number;
    allowHttp: boolean;
    guardSettings: FetchGuardSettings;
  };
  logLevel: Environment['LOG_LEVEL'];
  rulesFile: string | undefined;
  shutdownGraceMs: number;
  server: { headersTimeoutMs: number; requestTimeoutMs: number };
  auth: {
    required: boolean;
    clientsFile: string | undefined;
  };
  feedback: {
    databaseUrl: string | undefined;
    sqlitePath: string;
    retentionDays: number;
  };
  adminToken: string | undefined;
  metricsEnabled: boolean;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Turns zod issues into "WHERE: message" lines. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return `${where}: ${issue.message}`;
  });
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = environmentSchema.safeParse(defined);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error));
  const e = parsed.data;
  const authRequired = (e.CDS_AUTH ?? (e.NODE_ENV === 'production' ? 'required' : 'off')) === 'required';
  if (authRequired && !e.CDS_CLIENTS_FILE) {
    throw new ConfigError(['CDS_CLIENTS_FILE: required when client authentication is on (CDS_AUTH=required, the default in production)']);
  }
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.CDS_PUBLIC_URL?.replace(/\/+$/, ''),
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    fhir: {
      timeoutMs: e.FHIR_TIMEOUT_MS,
      maxPages: e.FHIR_MAX_PAGES,
      maxResponseBytes: e.FHIR_MAX_RESPONSE_BYTES,
      maxEntries: e.FHIR_MAX_ENTRIES,
      allowHttp: e.FHIR_ALLOW_HTTP ? e.FHIR_ALLOW_HTTP === 'true' : e.NODE_ENV !== 'production',
      guardSettings: {
        callMaxBytes: e.FHIR_CALL_MAX_BYTES,
        callMaxEntries: e.FHIR_CALL_MAX_ENTRIES,
        inflightMaxBytes: e.FHIR_INFLIGHT_MAX_BYTES,
        breakerFailures: e.FHIR_BREAKER_FAILURES,
        breakerWindowMs: e.FHIR_BREAKER_WINDOW_MS,
        breakerCooldownMs: e.FHIR_BREAKER_COOLDOWN_MS,
      },
    },
    logLevel: e.LOG_LEVEL,
    rulesFile: e.RULES_FILE,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    server: { headersTimeoutMs: e.HEADERS_TIMEOUT_MS, requestTimeoutMs: Math.max(e.REQUEST_TIMEOUT_MS, e.HEADERS_TIMEOUT_MS) },
    auth: { required: authRequired, clientsFile: e.CDS_CLIENTS_FILE },
    feedback: {
      databaseUrl: e.DATABASE_URL,
      sqlitePath: e.FEEDBACK_DB_PATH,
      retentionDays: e.FEEDBACK_RETENTION_DAYS,
    },
    adminToken: e.ADMIN_TOKEN,
    metricsEnabled: e.METRICS_ENABLED === 'true',
  };
}
