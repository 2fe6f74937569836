import { Router } from 'express';
import type { AppContext } from './context';

/** Liveness, readiness (the feedback store answers) and, when enabled, Prometheus metrics. */
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
  if (config.metricsEnabled) {
    router.get('/metrics', async (_req, res, next) => {
      try {
        res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
      } catch (error) {
        next(error);
      }
    });
  }
  return router;
}
