import { Router, type Request, type RequestHandler } from 'express';
import type { AppConfig } from '../config';
import { PrefetchUnavailableError } from '../cds/prefetch';
import type { FeedbackStore, IssuedCard } from '../feedback/store';
import { suggestionTags } from '../feedback/tags';
import { fetchGuardsWithMetrics } from '../fhir/guards';
import type { Logger } from '../logging';
import { invokeService } from '../services/invoke';
import type { ServiceDeps, ServiceResult } from '../services/types';
import { serviceCall, type AppContext } from './context';
import { sendJsonAnswer } from './json-answer';

const INDICATOR_ORDER = ['info', 'warning', 'critical'];

/** Only http(s) servers, https unless plain http is allowed, and nothing a policy refuses. */
function fhirServerAllowed(config: AppConfig, policy: AppContext['fhirServerPolicy'], req: Request) {
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

/**
 * Calling a service: https://cds-hooks.hl7.org/2.0/#calling-a-cds-service
 * Every service shares this route; authentication comes first, so an unauthenticated caller
 * cannot probe which service ids exist.
 */
export function hookRoutes(ctx: AppContext, json: RequestHandler): Router {
  const { config, rules, factIndex, metrics, store, logger, now } = ctx;
  const fhirLimits = { ...config.fhir, observe: metrics.fhirCall, guards: fetchGuardsWithMetrics(config.fhir.guardSettings, metrics.registry) };
  const router = Router();
  router.post('/cds-services/:id', ctx.auth('service'), json, async (req, res, next) => {
    try {
      const { service, call, body } = serviceCall(ctx, req, res);
      if (typeof body.hookInstance === 'string') call.hookInstance = body.hookInstance.slice(0, 100);
      const serviceDeps: ServiceDeps = {
        rules,
        factIndex,
        fhirLimits,
        mayCallFhirServer: fhirServerAllowed(config, ctx.fhirServerPolicy, req),
        now,
        ...(ctx.uuid ? { uuid: ctx.uuid } : {}),
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
      sendJsonAnswer(res, result.response);
      metrics.prefetch(result.provenance);
      for (const card of cards) metrics.card(card.indicator, (card.uuid && result.ruleIdsByCard?.[card.uuid]) || result.ruleIds);
      recordIssued(store, logger, service.definition.id, String(body.hookInstance), result, now());
    } catch (error) {
      next(error);
    }
  });
  return router;
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
      ruleIds: result.ruleIdsByCard?.[c.uuid!] ?? result.ruleIds,
      issuedAt: issuedAt.toISOString(),
      ...(c.suggestions ? { suggestionTags: suggestionTags(c.suggestions) } : {}),
    }));
  if (cards.length === 0) return;
  store.recordIssuedCards(cards).catch((error: Error) => logger.warn({ err: { message: error.message } }, 'could not record issued cards'));
}
