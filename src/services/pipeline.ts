import type { z } from 'zod';
import type { Card, HookRequest } from '../cds/schemas';
import { gatherData, type GatheredData } from '../cds/prefetch';
import { extractFacts, type PatientFacts } from '../clinical/facts';
import { validationError } from './invoke';
import type { ServiceHandler } from './registry';
import type { ServiceDeps } from './types';

/**
 * The one request path every service shares: validate the hook context → gather prefetch (FHIR
 * fallback for absent keys) → facts → the service's rules → cards. A service only says which
 * context schema it reads, which prefetch keys it cannot do without, and what it evaluates.
 */

/** What a service's rules and cards produced for one request. */
export interface Evaluation {
  cards: Card[];
  ruleIds: string[];
  /** Short, PHI-free label of the outcome for the call log and the feedback store. */
  assessment: string;
  /** Rule IDs per card uuid, when cards of one response come from different rules. */
  ruleIdsByCard?: Record<string, string[]>;
}

export interface PipelineInput<C, P> {
  context: C;
  /** What `prepare` read from the context (undefined when the service has no `prepare`). */
  prepared: P;
  request: HookRequest;
  data: GatheredData;
  facts: PatientFacts;
  /** Prefetch keys whose data could not be obtained (the cards say what was not checked). */
  unavailable: string[];
  now: Date;
  deps: ServiceDeps;
}

export interface HookPipeline<C extends { patientId: string }, P = undefined> {
  /** Names the hook in error messages ("Invalid order-sign context"). */
  hook: string;
  contextSchema: z.ZodType<C>;
  /** True only for a context the schema accepts unchanged: the schema is then skipped (src/cds/hook-request.ts). */
  isWellFormedContext?(context: unknown): context is C;
  requiredPrefetch: readonly string[];
  /** Reads the context once (e.g. the draft orders) for `withoutData` and `evaluate`. */
  prepare?(context: C, deps: ServiceDeps): P;
  /** An answer that needs no patient data (e.g. nothing to check): no prefetch is read or fetched. */
  withoutData?(prepared: P): Evaluation | undefined;
  evaluate(input: PipelineInput<C, P>): Evaluation;
}

export function pipelineService<C extends { patientId: string }, P = undefined>(pipeline: HookPipeline<C, P>): ServiceHandler {
  return {
    requiredPrefetch: pipeline.requiredPrefetch,
    async evaluate(request, definition, deps) {
      const parsed = pipeline.isWellFormedContext?.(request.context)
        ? { success: true as const, data: request.context }
        : pipeline.contextSchema.safeParse(request.context);
      if (!parsed.success) {
        throw validationError(
          `Invalid ${pipeline.hook} context`,
          parsed.error.issues.map((i) => ({ path: ['context', ...i.path], message: i.message })),
        );
      }
      const context = parsed.data;
      const prepared = pipeline.prepare?.(context, deps) as P;
      const early = pipeline.withoutData?.(prepared);
      if (early) return { response: { cards: early.cards }, provenance: {}, ruleIds: early.ruleIds, assessment: early.assessment };
      const now = deps.now();
      const data = await gatherData(request, {
        templates: definition.prefetch ?? {},
        requiredKeys: pipeline.requiredPrefetch,
        limits: deps.fhirLimits,
        mayCallFhirServer: deps.mayCallFhirServer,
      });
      const facts = extractFacts(data.resources, context.patientId, deps.factIndex, now);
      const unavailable = Object.entries(data.provenance)
        .filter(([, p]) => p === 'failed')
        .map(([key]) => key);
      const result = pipeline.evaluate({ context, prepared, request, data, facts, unavailable, now, deps });
      return {
        response: { cards: result.cards },
        provenance: data.provenance,
        ruleIds: result.ruleIds,
        assessment: result.assessment,
        ...(result.ruleIdsByCard ? { ruleIdsByCard: result.ruleIdsByCard } : {}),
      };
    },
  };
}
