import type { Request, RequestHandler, Response } from 'express';
import type { AppConfig } from '../config';
import { CdsError } from '../cds/errors';
import type { FactIndex } from '../clinical/facts';
import type { FeedbackStore } from '../feedback/store';
import type { Logger } from '../logging';
import type { AppMetrics } from '../observability/metrics';
import type { RuleConfig } from '../rules/config';
import type { RegisteredService } from '../services/registry';

/** Which endpoint a client token is checked for (JWT `aud` differs per endpoint). */
export type EndpointKind = 'discovery' | 'service' | 'feedback';

/** What every route module gets: built once per app by createApp. */
export interface AppContext {
  config: AppConfig;
  rules: RuleConfig;
  logger: Logger;
  store: FeedbackStore;
  registry: Map<string, RegisteredService>;
  factIndex: FactIndex;
  metrics: AppMetrics;
  /** Client authentication for an endpoint kind (a pass-through when client auth is off). */
  auth: (kind: EndpointKind) => RequestHandler;
  /** Extra per-request check on the fhirServer the service may call (e.g. a client allowlist). */
  fhirServerPolicy?: (fhirServer: string, req: Request) => boolean;
  now: () => Date;
  uuid?: () => string;
}

/** Per-call facts for the one log line (never PHI). */
export interface CallLog {
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

export function requireJsonObject(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new CdsError('CDS_INVALID_REQUEST', 'Request body must be a JSON object (Content-Type: application/json).', ['(body)']);
  }
  return body as Record<string, unknown>;
}

export function findService(ctx: AppContext, id: string): RegisteredService {
  const service = ctx.registry.get(id);
  if (!service) throw new CdsError('CDS_UNKNOWN_SERVICE', `No CDS service "${id.slice(0, 80)}" here; see GET /cds-services.`);
  return service;
}

/** The start every service route shares: the service named in the path, its log line, its JSON body. */
export function serviceCall(ctx: AppContext, req: Request, res: Response): { service: RegisteredService; call: CallLog; body: Record<string, unknown> } {
  const service = findService(ctx, req.params.id as string);
  const call = res.locals.call as CallLog;
  call.serviceId = service.definition.id;
  return { service, call, body: requireJsonObject(req) };
}
