import express, { type Request, type RequestHandler } from 'express';
import type { AppConfig } from './config';
import { buildFactIndex } from './clinical/facts';
import type { FeedbackStore } from './feedback/store';
import { MemoryFeedbackStore } from './feedback/store';
import type { Logger } from './logging';
import type { RuleConfig } from './rules/config';
import { loadRegistry } from './services/registry';
import { demoRoutes } from './demo/routes';
import { createMetrics, type AppMetrics } from './observability/metrics';
import { adminRouter } from './admin/routes';
import type { AppContext, EndpointKind } from './http/context';
import { callLog } from './http/call-log';
import { declaredBodyLimit } from './http/body-limit';
import { jsonBody } from './http/json-body';
import { corsPolicy } from './http/cors';
import { hookRoutes } from './http/hooks';
import { feedbackRoutes } from './http/feedback';
import { discoveryRoutes } from './http/discovery';
import { healthRoutes } from './http/health';
import { errorHandler, notFound } from './http/errors';

export type { EndpointKind } from './http/context';

export interface AppDeps {
  config: AppConfig;
  rules: RuleConfig;
  logger: Logger;
  feedbackStore?: FeedbackStore;
  /** Client authentication middleware per endpoint kind; absent means no client auth. */
  authenticate?: (kind: EndpointKind) => RequestHandler;
  /** Extra per-request check on the fhirServer the service may call (e.g. a client allowlist). */
  fhirServerPolicy?: (fhirServer: string, req: Request) => boolean;
  now?: () => Date;
  uuid?: () => string;
  /** Prometheus metrics; absent means the app keeps its own (without process metrics). */
  metrics?: AppMetrics;
}

/** Builds the express app from small route modules (src/http/); no listen, so tests can drive it. */
export function createApp(deps: AppDeps) {
  const { config } = deps;
  const ctx: AppContext = {
    config,
    rules: deps.rules,
    logger: deps.logger,
    store: deps.feedbackStore ?? new MemoryFeedbackStore(),
    registry: loadRegistry(),
    factIndex: buildFactIndex(deps.rules),
    metrics: deps.metrics ?? createMetrics({ defaultMetrics: false }),
    auth: (kind) => deps.authenticate?.(kind) ?? ((_req, _res, next) => next()),
    now: deps.now ?? (() => new Date()),
    ...(deps.fhirServerPolicy ? { fhirServerPolicy: deps.fhirServerPolicy } : {}),
    ...(deps.uuid ? { uuid: deps.uuid } : {}),
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(corsPolicy(config));
  app.use(callLog(ctx));
  app.use(declaredBodyLimit(config.bodyLimitBytes));

  const json = jsonBody(config.bodyLimitBytes);

  // The hook and feedback routes come first: they carry nearly all traffic, and express tries
  // routes in the order they were added.
  app.use(hookRoutes(ctx, json));
  app.use(feedbackRoutes(ctx, json));
  app.use(healthRoutes(ctx));
  // Admin routes exist only when a token is configured.
  if (config.adminToken) app.use('/admin', adminRouter({ token: config.adminToken, store: ctx.store, now: ctx.now }));
  app.use(discoveryRoutes(ctx));
  // Demo page and sample patients (static files; discovery is unaffected). The page sends no
  // client JWT, so it is served only where client authentication is off.
  if (!config.auth.required) app.use(demoRoutes());
  app.use(notFound);
  app.use(errorHandler(ctx.logger));
  return app;
}
