import { CdsError } from '../cds/errors';
import { gatherData } from '../cds/prefetch';
import { patientViewContextSchema } from '../cds/schemas';
import { extractFacts } from '../clinical/facts';
import { assessHypomagnesemia } from '../rules/replacement';
import { buildCards } from '../cards/replacement';
import type { ServiceHandler } from './registry';

/**
 * The patient-view service: data → facts → rules → cards.
 * Patient and observations are required; conditions and medications refine the advice, and
 * when they cannot be read the card says what was not checked.
 */
export const patientViewService: ServiceHandler = {
  requiredPrefetch: ['patient', 'observations'],

  async evaluate(request, definition, deps) {
    const context = patientViewContextSchema.safeParse(request.context);
    if (!context.success) {
      const fields = context.error.issues.map((i) => ['context', ...i.path].join('.'));
      throw new CdsError('CDS_INVALID_REQUEST', `Invalid patient-view context: ${context.error.issues.map((i) => `${['context', ...i.path].join('.')} ${i.message}`).join('; ')}`, fields);
    }
    const { patientId, encounterId } = context.data;
    const now = deps.now();
    const data = await gatherData(request, {
      templates: definition.prefetch ?? {},
      requiredKeys: this.requiredPrefetch,
      limits: deps.fhirLimits,
      mayCallFhirServer: deps.mayCallFhirServer,
    });
    const facts = extractFacts(data.resources, patientId, deps.factIndex, now);
    const assessment = assessHypomagnesemia(facts, deps.rules, now);
    const unavailable = Object.entries(data.provenance)
      .filter(([, p]) => p === 'failed')
      .map(([key]) => key);
    const cards = buildCards(assessment, {
      config: deps.rules,
      patientId,
      ...(encounterId ? { encounterId } : {}),
      now,
      unavailable,
      ...(deps.uuid ? { uuid: deps.uuid } : {}),
    });
    return {
      response: { cards },
      provenance: data.provenance,
      ruleIds: assessment.ruleIds,
      assessment: assessment.kind === 'replacement' || assessment.kind === 'stale' ? `${assessment.kind}:${assessment.tier}` : assessment.kind,
    };
  },
};
