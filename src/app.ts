import express, { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import cors from 'cors';
import type { AppConfig } from './config';
import { CdsError, toOperationOutcome } from './cds/errors';
import { PrefetchUnavailableError } from './cds/prefetch';
import { feedbackRequestSchema } from './cds/schemas';
import { buildFactIndex } from './clinical/facts';
import type { FeedbackStore, IssuedCard } from './feedback/store';
import { MemoryFeedbackStore, toFeedbackRecord } from './feedback/store';
import type { Logger } from './logging';
import type { RuleConfig } from './rules/config';
import { loadRegistry, type RegisteredService } from './services/registry';
import type { ServiceDeps, ServiceResult } from './services/types';
import { invokeService, validationError } from './services/invoke';
import { demoRoutes } from './demo/routes';
import { createMetrics, type AppMetrics } from './observability/metrics';
import { suggestionTags } from './feedback/tags';
import { adminRouter } from './admin/routes';

/** Which endpoint a client token is checked for (JWT `aud` differs per endpoint). */
export type EndpointKind = 'discovery' | 'service' | 'feedback';

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

/** Per-call facts for the one log line (never PHI). */
interface CallLog {
  serviceId?: string;
  hookInstance?: string;
  provenance?: Record<string, string>;
  ruleIds?: string[];
  cards?: number;
  indicator?: string;
  assessment?: string;
  feedbackItems?: number;
  /** Verified client issuer, or why its token was refused (never the token). */
  client?: string;
  authFailure?: string;
}

const INDICATOR_ORDER = ['info', 'warning', 'critical'];

function requireJsonObject(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new CdsError('CDS_INVALID_REQUEST', 'Request body must be a JSON object (Content-Type: application/json).', ['(body)']);
  }
  return body as Record<string, unknown>;
}

/** Only http(s) servers, https unless plain http is allowed, and nothing a policy refuses. */
function fhirServerAllowed(config: AppConfig, policy: AppDeps['fhirServerPolicy'], req: Request) {
  return (fhirServer: string): boolean => {
    let url: URL;
    try {
      url = new URL(fhirServer);
    } catch {
      return false;
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && config.fhir.allowHttp)) return false;
    if (url.username || url.password) return false;
    return policy ? policy(fhirServer, req) : true;
  };
}

export function createApp(deps: AppDeps) {
  const { config, rules, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const store = deps.feedbackStore ?? new MemoryFeedbackStore();
  const registry = loadRegistry();
  const factIndex = buildFactIndex(rules);
  const discoveryBody = JSON.stringify({ services: [...registry.values()].map((s) => s.definition) });
  const auth = (kind: EndpointKind): RequestHandler => deps.authenticate?.(kind) ?? ((_req, _res, next) => next());
  const metrics = deps.metrics ?? createMetrics({ defaultMetrics: false });
  const fhirLimits = { ...config.fhir, observe: metrics.fhirCall };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  // CH-53: browser clients (the CDS Hooks sandbox) call cross-origin with an Authorization header.
  app.use(
    cors({
      origin: '*',
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Accept'],
      maxAge: 600,
    }),
  );

  // One structured line per call, written when the response finishes.
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.locals.call = {} as CallLog;
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      // Metrics label by route pattern only: raw paths would make unbounded label sets.
      const route = req.route ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      metrics.httpRequest(route, req.method, res.statusCode, durationMs / 1000);
      const level = res.statusCode >= 500 ? 'error' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const entry = { method: req.method, route, status: res.statusCode, durationMs: Math.round(durationMs * 100) / 100, ...(res.locals.call as CallLog) };
      if (level === 'error') logger.error(entry, 'request failed');
      else logger.info(entry, 'request');
    });
    next();
  });

  // Every body is parsed as JSON whatever its declared type: a mislabelled body still gets a
  // precise 400 for what is wrong with it, not a silent empty object.
  const json = express.json({ limit: config.bodyLimitBytes, type: () => true, strict: false });

  // The hook and feedback routes come first: they carry nearly all traffic, and express tries
  // routes in the order they were added.
  const findService = (id: string): RegisteredService => {
    const service = registry.get(id);
    if (!service) throw new CdsError('CDS_UNKNOWN_SERVICE', `No CDS service "${id.slice(0, 80)}" here; see GET /cds-services.`);
    return service;
  };

  // Calling a service: https://cds-hooks.hl7.org/2.0/#calling-a-cds-service
  // Authentication comes first, so an unauthenticated caller cannot probe which service ids exist.
  app.post('/cds-services/:id', auth('service'), json, async (req, res, next) => {
    try {
      const service = findService(req.params.id as string);
      const call = res.locals.call as CallLog;
      call.serviceId = service.definition.id;
      const body = requireJsonObject(req);
      if (typeof body.hookInstance === 'string') call.hookInstance = body.hookInstance.slice(0, 100);
      const serviceDeps: ServiceDeps = {
        rules,
        factIndex,
        fhirLimits,
        mayCallFhirServer: fhirServerAllowed(config, deps.fhirServerPolicy, req),
        now,
        ...(deps.uuid ? { uuid: deps.uuid } : {}),
      };
      let result: ServiceResult;
      try {
        result = await invokeService(service, body, serviceDeps);
      } catch (error) {
        // A 412 still logs where each prefetch key's data came from.
        if (error instanceof PrefetchUnavailableError) call.provenance = error.provenance;
        throw error;
      }
      const cards = result.response.cards;
      Object.assign(call, {
        provenance: result.provenance,
        ruleIds: result.ruleIds,
        cards: cards.length,
        assessment: result.assessment,
        ...(cards.length > 0 ? { indicator: cards.map((c) => c.indicator).sort((a, b) => INDICATOR_ORDER.indexOf(b) - INDICATOR_ORDER.indexOf(a))[0] } : {}),
      });
      res.json(result.response);
      metrics.prefetch(result.provenance);
      for (const card of cards) metrics.card(card.indicator, result.ruleIds);
      recordIssued(store, logger, service.definition.id, String(body.hookInstance), result, now());
    } catch (error) {
      next(error);
    }
  });

  // Feedback: https://cds-hooks.hl7.org/2.0/#feedback
  app.post('/cds-services/:id/feedback', auth('feedback'), json, async (req, res, next) => {
    try {
      const service = findService(req.params.id as string);
      const call = res.locals.call as CallLog;
      call.serviceId = service.definition.id;
      const body = requireJsonObject(req);
      const parsed = feedbackRequestSchema.safeParse(body);
      if (!parsed.success) throw validationError('Invalid feedback', parsed.error.issues);
      const received = now();
      const records = parsed.data.feedback.map((item) => toFeedbackRecord(service.definition.id, item, received));
      call.feedbackItems = records.length;
      let outcome: { stored: number; duplicates: number };
      try {
        outcome = await store.recordFeedback(records);
      } catch (error) {
        logger.error({ err: { name: (error as Error)?.name, message: (error as Error)?.message } }, 'feedback not stored');
        throw new CdsError('CDS_UNAVAILABLE', 'Feedback could not be stored; retry later.');
      }
      for (const record of records) metrics.feedback(record.outcome);
      metrics.feedbackDuplicates(outcome.duplicates);
      res.json({});
    } catch (error) {
      next(error);
    }
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res, next) => {
    try {
      const ready = await store.isReady();
      res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready' });
    } catch (error) {
      next(error);
    }
  });

  if (config.metricsEnabled) {
    app.get('/metrics', async (_req, res, next) => {
      try {
        res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
      } catch (error) {
        next(error);
      }
    });
  }
  // Admin routes exist only when a token is configured.
  if (config.adminToken) app.use('/admin', adminRouter({ token: config.adminToken, store, now }));

  // Discovery: https://cds-hooks.hl7.org/2.0/#discovery
  app.get('/cds-services', auth('discovery'), (_req, res) => {
    res.type('application/json').send(discoveryBody);
  });

  app.all('/cds-services/:id', auth('service'), (req, _res, next) => {
    findService(req.params.id as string);
    next(new CdsError('CDS_METHOD_NOT_ALLOWED', `${req.method} is not supported here; call the service with POST.`));
  });

  // Demo page and sample patients (static files; discovery is unaffected). The page sends no
  // client JWT, so it is served only where client authentication is off.
  if (!config.auth.required) app.use(demoRoutes());

  app.use((req, _res, next) => {
    next(new CdsError('CDS_NOT_FOUND', `No route for ${req.method} ${req.path.slice(0, 100)}.`));
  });

  const errorHandler: ErrorRequestHandler = (error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const cdsError = toCdsError(error);
    if (cdsError.status >= 500) logger.error({ err: { name: (error as Error)?.name, message: (error as Error)?.message, stack: (error as Error)?.stack } }, 'unhandled error');
    if (cdsError.code === 'CDS_METHOD_NOT_ALLOWED') res.set('Allow', 'POST');
    // 401 carries no detail (CH-52).
    const outcome = cdsError.status === 401 ? toOperationOutcome(new CdsError('CDS_UNAUTHORIZED', 'Unauthorized')) : toOperationOutcome(cdsError);
    res.status(cdsError.status).type('application/fhir+json').send(JSON.stringify(outcome));
  };
  app.use(errorHandler);
  return app;
}

/** Maps body-parser and unknown errors to the catalogue; never exposes internals. */
function toCdsError(error: unknown): CdsError {
  if (error instanceof CdsError) return error;
  const e = error as { status?: number; statusCode?: number; type?: string };
  const status = e?.status ?? e?.statusCode;
  if (e?.type === 'entity.too.large' || status === 413) return new CdsError('CDS_BODY_TOO_LARGE', 'Request body is larger than this service accepts.');
  if (e?.type === 'entity.parse.failed') return new CdsError('CDS_INVALID_REQUEST', 'Request body is not valid JSON.', ['(body)']);
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported' || status === 415) {
    return new CdsError('CDS_UNSUPPORTED_MEDIA_TYPE', 'Unsupported request encoding or charset.');
  }
  if (typeof status === 'number' && status >= 400 && status < 500) return new CdsError('CDS_INVALID_REQUEST', 'Invalid request.');
  return new CdsError('CDS_INTERNAL', 'Internal error.');
}

/** Records issued cards for the feedback join; a store failure never affects the hook answer. */
function recordIssued(store: FeedbackStore, logger: Logger, serviceId: string, hookInstance: string, result: ServiceResult, issuedAt: Date): void {
  const cards: IssuedCard[] = result.response.cards
    .filter((c) => c.uuid)
    .map((c) => ({
      cardUuid: c.uuid!,
      suggestionUuids: (c.suggestions ?? []).map((s) => s.uuid).filter((u): u is string => typeof u === 'string'),
      serviceId,
      hookInstance: hookInstance.slice(0, 100),
      kind: result.assessment,
      indicator: c.indicator,
      ruleIds: result.ruleIds,
      issuedAt: issuedAt.toISOString(),
      ...(c.suggestions ? { suggestionTags: suggestionTags(c.suggestions) } : {}),
    }));
  if (cards.length === 0) return;
  store.recordIssuedCards(cards).catch((error: Error) => logger.warn({ err: { message: error.message } }, 'could not record issued cards'));
}
