import type { RequestHandler } from 'express';
import { callLineLogger } from '../logging';
import type { AppContext, CallLog } from './context';

const HOOK_ROUTE = '/cds-services/:id';

/** One structured line per call and the request metrics, written when the response finishes. */
export function callLog({ logger: appLogger, metrics }: AppContext): RequestHandler {
  const logger = callLineLogger(appLogger);
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.locals.call = {} as CallLog;
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      // Metrics label by route pattern only: raw paths would make unbounded label sets.
      const route = req.route ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      metrics.httpRequest(route, req.method, res.statusCode, durationMs / 1000);
      // Only calls that reached a known service: the label set is the registry's service ids.
      const serviceId = (res.locals.call as CallLog).serviceId;
      if (route === HOOK_ROUTE && req.method === 'POST' && serviceId) metrics.hookCall(serviceId, durationMs / 1000);
      const level = res.statusCode >= 500 ? 'error' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const entry = { method: req.method, route, status: res.statusCode, durationMs: Math.round(durationMs * 100) / 100, ...(res.locals.call as CallLog) };
      if (level === 'error') logger.error(entry, 'request failed');
      else logger.info(entry, 'request');
    });
    next();
  };
}
