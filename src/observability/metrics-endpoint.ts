import express, { type RequestHandler } from 'express';
import { bearerGuard } from '../admin/routes';
import type { AppConfig } from '../config';
import { errorHandler, notFound } from '../http/errors';
import type { Logger } from '../logging';
import type { AppMetrics } from './metrics';

/**
 * GET /metrics, guarded by METRICS_TOKEN when one is set. Served on the public port (development,
 * or production with a token) or on its own listener (METRICS_PORT), never with CORS headers.
 */
export function metricsHandlers(config: AppConfig, metrics: AppMetrics): RequestHandler[] {
  const serve: RequestHandler = async (_req, res, next) => {
    try {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    } catch (error) {
      next(error);
    }
  };
  return config.metrics.token ? [bearerGuard(config.metrics.token), serve] : [serve];
}

/** The separate metrics listener's app: /metrics and nothing else. */
export function createMetricsApp(config: AppConfig, metrics: AppMetrics, logger: Logger) {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', ...metricsHandlers(config, metrics));
  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
