import type { z } from 'zod';
import { orderSelectContextSchema, orderSignContextSchema, type OrderSignContext } from '../cds/schemas';
import { readActiveMagnesiumOrders, readDraftOrders, type MagnesiumOrder } from '../clinical/draft-orders';
import type { RuleConfig } from '../rules/config';
import { assessOrders } from '../rules/order-check';
import { buildOrderCards } from '../cards/order-check';
import { pipelineService, type Evaluation } from './pipeline';

/**
 * The two order services (clinical-rules.md §9.2) on the shared request path: order-select checks
 * the drafts named in `selections`, order-sign every magnesium draft. No magnesium draft to check →
 * `{"cards": []}` without reading any patient data.
 */

const NOTHING: Evaluation = { cards: [], ruleIds: [], assessment: 'no-magnesium-order' };

type OrderContext = OrderSignContext & { selections?: string[] };

/** The magnesium drafts and which of them to check: the selections (`MedicationRequest/<id>`), or all. */
function draftsToCheck(context: OrderContext, rules: RuleConfig): { drafts: MagnesiumOrder[]; checked: Set<number> } {
  const drafts = readDraftOrders(context.draftOrders, rules);
  if (!context.selections) return { drafts, checked: new Set(drafts.map((d) => d.position)) };
  const wanted = new Set(context.selections.map((s) => s.replace(/^.*\bMedicationRequest\//, '')));
  return { drafts, checked: new Set(drafts.filter((d) => d.resource.id !== undefined && wanted.has(d.resource.id)).map((d) => d.position)) };
}

function orderCheckService<C extends OrderContext>(hook: string, contextSchema: z.ZodType<C>) {
  return pipelineService<C, ReturnType<typeof draftsToCheck>>({
    hook,
    contextSchema,
    requiredPrefetch: ['patient', 'observations'],
    prepare: (context, deps) => draftsToCheck(context, deps.rules),
    withoutData: ({ checked }) => (checked.size === 0 ? NOTHING : undefined),
    evaluate({ context, prepared: { drafts, checked }, data, facts, unavailable, now, deps }) {
      const references = new Set(drafts.map((d) => d.reference).filter((r): r is string => r !== undefined));
      const active = readActiveMagnesiumOrders(data.resources, context.patientId, references, deps.rules);
      const assessment = assessOrders({ facts, drafts, checked, active }, deps.rules, now);
      const { cards, ruleIdsByCard } = buildOrderCards(assessment, {
        config: deps.rules,
        patientId: context.patientId,
        ...(context.encounterId ? { encounterId: context.encounterId } : {}),
        now,
        unavailable,
        ...(deps.uuid ? { uuid: deps.uuid } : {}),
      });
      const kinds = [...new Set(assessment.findings.map((f) => f.kind))].sort();
      return { cards, ruleIds: assessment.ruleIds, assessment: kinds.length > 0 ? `order-check:${kinds.join(',')}` : 'order-check:none', ruleIdsByCard };
    },
  });
}

export const orderSelectService = orderCheckService('order-select', orderSelectContextSchema);
export const orderSignService = orderCheckService('order-sign', orderSignContextSchema);
