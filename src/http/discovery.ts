import { Router } from 'express';
import { CdsError } from '../cds/errors';
import { findService, type AppContext } from './context';

/** Discovery: https://cds-hooks.hl7.org/2.0/#discovery — serialised once, from the registry. */
export function discoveryRoutes(ctx: AppContext): Router {
  const discoveryBody = JSON.stringify({ services: [...ctx.registry.values()].map((s) => s.definition) });
  const router = Router();
  router.get('/cds-services', ctx.auth('discovery'), (_req, res) => {
    res.type('application/json').send(discoveryBody);
  });
  // Any other method on a service path: 405 for a known service (after auth), 404 otherwise.
  router.all('/cds-services/:id', ctx.auth('service'), (req, _res, next) => {
    findService(ctx, req.params.id as string);
    next(new CdsError('CDS_METHOD_NOT_ALLOWED', `${req.method} is not supported here; call the service with POST.`));
  });
  return router;
}
