import type { Request, RequestHandler } from 'express';
import type { AppConfig } from '../config';
import type { EndpointKind } from '../http/context';
import { CdsError } from '../cds/errors';
import type { Logger } from '../logging';
import { loadClients, normaliseBase, type RegisteredClient } from './clients';
import { AuthError, ClientTokenVerifier, type AuthFailure, type VerifierOptions } from './jwt';
import { MemoryReplayStore, ReplayStoreUnavailableError, type ReplayStore } from './replay';
import { PostgresReplayStore } from './replay-postgres';
import { recordAuthFailure, watchReplayStore } from '../observability/metrics';

/** The hooks createApp takes for client authentication and the fhirServer allowlist. */
export interface Security {
  authenticate?: (kind: EndpointKind) => RequestHandler;
  fhirServerPolicy?: (fhirServer: string, req: Request) => boolean;
  /** The jti store behind `authenticate`, for the process to close on shutdown. */
  replayStore?: ReplayStore;
}

export interface SecurityOptions extends VerifierOptions {
  /** Registered clients; read from `config.auth.clientsFile` when absent. */
  clients?: RegisteredClient[];
}

/**
 * The metric's reason label: a few coarse words, so the counter says what kind of failure
 * happened without telling which issuers or key ids exist. The log keeps the precise reason.
 */
const METRIC_REASON: Record<AuthFailure, string> = {
  'no-token': 'missing',
  malformed: 'malformed',
  typ: 'malformed',
  kid: 'malformed',
  claims: 'malformed',
  alg: 'algorithm',
  iss: 'issuer',
  jku: 'key',
  'unknown-kid': 'key',
  signature: 'signature',
  aud: 'audience',
  exp: 'expired',
  nbf: 'expired',
  iat: 'expired',
  lifetime: 'lifetime',
  replay: 'replay',
  'replay-full': 'replay-full',
};

/** Least time between two "replay set full" warnings for one issuer. */
const FULL_WARNING_INTERVAL_MS = 60_000;

/**
 * PostgreSQL when DATABASE_URL is set (the store every replica shares), else the in-process
 * cache (one replica). A full per-issuer set is logged, at most once a minute per issuer.
 */
function createReplayStore(config: AppConfig, logger: Logger, now: () => number): ReplayStore {
  if (config.feedback.databaseUrl) {
    return new PostgresReplayStore(config.feedback.databaseUrl, {
      now,
      onError: (error) => logger.warn({ err: { name: error.name, message: error.message } }, 'replay store error'),
    });
  }
  const warned = new Map<string, number>();
  return new MemoryReplayStore({
    maxPerIssuer: config.auth.replayMaxPerIssuer,
    now,
    onFull(issuer) {
      const last = warned.get(issuer);
      if (last !== undefined && now() - last < FULL_WARNING_INTERVAL_MS) return;
      warned.set(issuer, now());
      logger.warn(
        { issuer, replayMaxPerIssuer: config.auth.replayMaxPerIssuer },
        'replay cache full for one client: its new tokens are refused (401) until its remembered jtis expire; other clients are unaffected',
      );
    },
  });
}

/** The verified client of each authenticated request, for the fhirServer policy. */
const verifiedClients = new WeakMap<Request, RegisteredClient>();

/** This service's own base URL, from which every endpoint's expected `aud` is built. */
function publicBase(config: AppConfig, req: Request): string {
  if (config.publicUrl) return config.publicUrl;
  // Never from the Host header: a caller must not choose the audience it is checked against.
  const port = config.port === 0 ? req.socket.localPort : config.port;
  return `http://${config.host}:${port}`;
}

function endpointUrl(config: AppConfig, kind: EndpointKind, req: Request): string {
  const base = `${publicBase(config, req)}/cds-services`;
  if (kind === 'discovery') return base;
  const id = encodeURIComponent(String(req.params.id));
  return kind === 'service' ? `${base}/${id}` : `${base}/${id}/feedback`;
}

function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer[ ]+([A-Za-z0-9\-_.~+/]+=*)\s*$/i.exec(header) : null;
  return match?.[1];
}

const hasAccessToken = (body: unknown): boolean => {
  const auth = (body as { fhirAuthorization?: { access_token?: unknown } } | undefined)?.fhirAuthorization;
  return typeof auth?.access_token === 'string' && auth.access_token !== '';
};

/**
 * Builds client authentication from the configuration. With authentication off (the development
 * default) it says so loudly and returns no hooks: anyone may call, and any fhirServer that passes
 * the app's own https check may be called back.
 */
export function createSecurity(config: AppConfig, logger: Logger, options: SecurityOptions = {}): Security {
  if (!config.auth.required) {
    logger.warn(
      { auth: 'off', env: config.env },
      '*** CLIENT AUTHENTICATION IS OFF: any caller gets patient-derived advice and can make this service call any fhirServer. ' +
        'Development only; set CDS_AUTH=required and CDS_CLIENTS_FILE for any shared or production deployment. ***',
    );
    return {};
  }
  const clients = options.clients ?? loadClients(config.auth.clientsFile!, { production: config.env === 'production' });
  const now = options.now ?? Date.now;
  const replayStore = options.replayStore ?? createReplayStore(config, logger, now);
  watchReplayStore(replayStore);
  const verifier = new ClientTokenVerifier(clients, {
    maxTokenLifetimeSeconds: config.auth.maxTokenLifetimeSeconds,
    ...options,
    replayStore,
  });
  logger.info(
    { auth: 'required', clients: clients.map((c) => c.iss), replayStore: config.feedback.databaseUrl ? 'postgres' : 'memory' },
    'client authentication on',
  );

  const authenticate = (kind: EndpointKind): RequestHandler => async (req, res, next) => {
    const call = res.locals.call as Record<string, unknown> | undefined;
    try {
      const token = bearerToken(req);
      if (!token) throw new AuthError('no-token');
      const verified = await verifier.verify(token, endpointUrl(config, kind, req));
      verifiedClients.set(req, verified.client);
      // The issuer is not a secret; the token and its jti stay out of the log.
      if (call) call.client = verified.client.iss;
      next();
    } catch (error) {
      if (error instanceof ReplayStoreUnavailableError) {
        // Fail closed, and say so: the token may be good, but it cannot be checked for replay.
        if (call) call.authFailure = 'replay-store';
        recordAuthFailure('replay-store');
        logger.warn({ err: { message: error.message } }, 'client token not checked: replay store unavailable');
        res.set('Retry-After', '5');
        next(new CdsError('CDS_UNAVAILABLE', 'The token replay check is unavailable; retry later.'));
        return;
      }
      const reason = error instanceof AuthError ? error.reason : 'error';
      if (call) call.authFailure = reason;
      recordAuthFailure(error instanceof AuthError ? METRIC_REASON[reason as AuthFailure] : 'other');
      res.set('WWW-Authenticate', 'Bearer');
      next(new CdsError('CDS_UNAUTHORIZED', 'Unauthorized'));
    }
  };

  // CH-28: only the calling client's own FHIR servers; CH-27a: in production, only with a token.
  const fhirServerPolicy = (fhirServer: string, req: Request): boolean => {
    const client = verifiedClients.get(req);
    const base = normaliseBase(fhirServer);
    if (!client || !base || !client.fhirServers.includes(base)) return false;
    if (!base.startsWith('https://') && (config.env === 'production' || !config.fhir.allowHttp)) return false;
    return config.env !== 'production' || hasAccessToken(req.body);
  };

  return { authenticate, fhirServerPolicy, replayStore };
}
