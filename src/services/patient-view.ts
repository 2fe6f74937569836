import { isWellFormedPatientViewContext } from '../cds/hook-request';
import { patientViewContextSchema } from '../cds/schemas';
import { assessHypomagnesemia } from '../rules/replacement';
import { buildCards } from '../cards/replacement';
import { pipelineService } from './pipeline';

/**
 * The patient-view service: data → facts → replacement rules → cards.
 * Patient and observations are required; conditions and medications refine the advice, and
 * when they cannot be read the card says what was not checked.
 */
export const patientViewService = pipelineService({
  hook: 'patient-view',
  contextSchema: patientViewContextSchema,
  isWellFormedContext: isWellFormedPatientViewContext,
  requiredPrefetch: ['patient', 'observations'],
  evaluate({ context, facts, unavailable, now, deps }) {
    const { patientId, encounterId } = context;
    const assessment = assessHypomagnesemia(facts, deps.rules, now);
    const cards = buildCards(assessment, {
      config: deps.rules,
      patientId,
      ...(encounterId ? { encounterId } : {}),
      now,
      unavailable,
      ...(deps.uuid ? { uuid: deps.uuid } : {}),
    });
    return {
      cards,
      ruleIds: assessment.ruleIds,
      assessment: assessment.kind === 'replacement' || assessment.kind === 'stale' ? `${assessment.kind}:${assessment.tier}` : assessment.kind,
    };
  },
});
