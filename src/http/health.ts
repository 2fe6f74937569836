import { Router } from 'express';
import { metricsHandlers } from '../observability/metrics-endpoint';
import type { AppContext } from './context';

/**
 * Liveness, readiness (the feedback store answers) and Prometheus metrics when they belong on
 * the public port (see config.metrics: a separate METRICS_PORT takes them off it).
 */
export function healthRoutes({ config, store, metrics }: AppContext): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res, next) => {
    try {
      const ready = await store.isReady();
      res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready' });
    } catch (error) {
      next(error);
    }
  });
  if (config.metrics.onPublicPort) router.get('/metrics', ...metricsHandlers(config, metrics));
  return router;
}
