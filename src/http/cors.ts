import type { RequestHandler } from 'express';
import type { AppConfig } from '../config';

/**
 * CH-53: browser clients (the CDS Hooks sandbox) call cross-origin with an Authorization header.
 * Which origins may do so is configuration (`CORS_ORIGINS`): `*` in development, none in
 * production (EHRs call server to server), or a list. Only the CDS endpoints take part; health,
 * metrics and admin never carry CORS headers. Preflights, answers and error answers all follow
 * the same policy, because the header is set before any route runs.
 */

const CDS_PATHS = /^\/cds-services(\/|$)/;
const PREFLIGHT_HEADERS = {
  'Access-Control-Allow-Methods': 'GET,POST,OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization,Content-Type,Accept',
  'Access-Control-Max-Age': '600',
};

export function corsPolicy({ corsOrigins }: Pick<AppConfig, 'corsOrigins'>): RequestHandler {
  const allowedOrigin = (origin: string | undefined): string | undefined => {
    if (corsOrigins === '*') return '*';
    return origin !== undefined && corsOrigins.includes(origin) ? origin : undefined;
  };
  return (req, res, next) => {
    if (!CDS_PATHS.test(req.path)) return next();
    const allowed = allowedOrigin(req.headers.origin);
    // A list answers differently per Origin: shared caches must keep the answers apart.
    if (Array.isArray(corsOrigins) && corsOrigins.length > 0) res.vary('Origin');
    if (allowed) res.set('Access-Control-Allow-Origin', allowed);
    if (req.method !== 'OPTIONS') return next();
    // A preflight from an origin not allowed gets no CORS headers: the browser stops there.
    if (allowed) res.set(PREFLIGHT_HEADERS);
    res.status(204).end();
  };
}
