import type { Request, RequestHandler } from 'express';
import type { AppConfig } from '../config';
import type { EndpointKind } from '../http/context';
import { CdsError } from '../cds/errors';
import type { Logger } from '../logging';
import { loadClients, normaliseBase, type RegisteredClient } from './clients';
import { AuthError, ClientTokenVerifier, type VerifierOptions } from './jwt';
import { recordAuthFailure } from '../observability/metrics';

/** The hooks createApp takes for client authentication and the fhirServer allowlist. */
export interface Security {
  authenticate?: (kind: EndpointKind) => RequestHandler;
  fhirServerPolicy?: (fhirServer: string, req: Request) => boolean;
}

export interface SecurityOptions extends VerifierOptions {
  /** Registered clients; read from `config.auth.clientsFile` when absent. */
  clients?: RegisteredClient[];
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
  const verifier = new ClientTokenVerifier(clients, options);
  logger.info({ auth: 'required', clients: clients.map((c) => c.iss) }, 'client authentication on');

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
      const reason = error instanceof AuthError ? error.reason : 'error';
      if (call) call.authFailure = reason;
      recordAuthFailure(reason);
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

  return { authenticate, fhirServerPolicy };
}
