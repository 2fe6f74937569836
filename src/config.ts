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
  /** Serve /metrics on this separate port (bound to HOST) instead of the public port. */
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** Bearer token (16+ characters) that GET /metrics then requires. */
  METRICS_TOKEN: z.string().min(16).optional(),
  /** Browser origins allowed to call cross-origin: `*` or a comma-separated list of origins. */
  CORS_ORIGINS: z.string().optional(),
  /** Longest accepted client token lifetime (exp − iat) in seconds; 60 s clock skew is allowed on top. */
  CDS_MAX_TOKEN_LIFETIME_SECONDS: intFromEnv(300, 30, 3600),
  /** Most unexpired jtis remembered per registered client issuer (per process, without DATABASE_URL). */
  CDS_REPLAY_MAX_PER_ISSUER: intFromEnv(100_000, 100, 10_000_000),
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
    /** Longest accepted `exp − iat` in seconds (clock skew comes on top). */
    maxTokenLifetimeSeconds: number;
    /** Unexpired jtis remembered per issuer by the in-process replay cache. */
    replayMaxPerIssuer: number;
  };
  feedback: {
    databaseUrl: string | undefined;
    sqlitePath: string;
    retentionDays: number;
  };
  adminToken: string | undefined;
  metricsEnabled: boolean;
  metrics: {
    /** Separate listener for /metrics (then not served on the public port). */
    port: number | undefined;
    /** Bearer token /metrics requires wherever it is served. */
    token: string | undefined;
    /** Whether /metrics is served on the public port. */
    onPublicPort: boolean;
  };
  /** Allowed browser origins: `*`, a list, or none (no CORS headers at all). */
  corsOrigins: '*' | string[];
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
  const problems: string[] = [];
  const corsOrigins = parseCorsOrigins(e.CORS_ORIGINS ?? (e.NODE_ENV === 'production' ? '' : '*'), problems);
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT === e.PORT) problems.push('METRICS_PORT: must differ from PORT');
  if (problems.length > 0) throw new ConfigError(problems);
  const metricsEnabled = e.METRICS_ENABLED === 'true';
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
    auth: {
      required: authRequired,
      clientsFile: e.CDS_CLIENTS_FILE,
      maxTokenLifetimeSeconds: e.CDS_MAX_TOKEN_LIFETIME_SECONDS,
      replayMaxPerIssuer: e.CDS_REPLAY_MAX_PER_ISSUER,
    },
    feedback: {
      databaseUrl: e.DATABASE_URL,
      sqlitePath: e.FEEDBACK_DB_PATH,
      retentionDays: e.FEEDBACK_RETENTION_DAYS,
    },
    adminToken: e.ADMIN_TOKEN,
    metricsEnabled,
    metrics: {
      port: metricsEnabled ? e.METRICS_PORT : undefined,
      token: e.METRICS_TOKEN,
      // Production keeps metrics off the public port unless a token guards them.
      onPublicPort: metricsEnabled && e.METRICS_PORT === undefined && (e.METRICS_TOKEN !== undefined || e.NODE_ENV !== 'production'),
    },
    corsOrigins,
  };
}

/** `*`, or a comma-separated list of origins (scheme://host[:port], nothing more); empty means none. */
function parseCorsOrigins(value: string, problems: string[]): '*' | string[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 1 && items[0] === '*') return '*';
  const origins: string[] = [];
  for (const item of items) {
    let origin: string | undefined;
    try {
      const url = new URL(item);
      if ((url.protocol === 'https:' || url.protocol === 'http:') && url.origin === item.replace(/\/$/, '')) origin = url.origin;
    } catch {
      origin = undefined;
    }
    if (origin) origins.push(origin);
    else problems.push(`CORS_ORIGINS: "${item.slice(0, 100)}" is not an origin (scheme://host[:port]) or a lone "*"`);
  }
  return origins;
}
