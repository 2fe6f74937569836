import type { CdsResponse } from '../src/cds/schemas';

/**
 * Reads a response the way the case files describe outcomes (fields of expected.json), from what a
 * clinician sees: card text, indicators and the draft orders. Shared by the case tests.
 */
export interface CaseOutcome {
  hypomagnesemia_card: boolean;
  severity: string;
  route: string;
  indicator: string;
  mentions_potassium: boolean;
  mentions_calcium: boolean;
  mentions_renal: boolean;
  mentions_pregnancy: boolean;
  mentions_medication_cause: boolean;
  mentions_stale: boolean;
  weight_based_dose: boolean;
  hypermagnesemia_card: boolean;
}

const ROUTE_BY_SNOMED: Record<string, string> = { '47625008': 'iv', '26643006': 'oral' };
const RANK = ['none', 'info', 'warning', 'critical'];

export function outcomeOf(response: CdsResponse): CaseOutcome {
  const cards = response.cards;
  const text = (c: (typeof cards)[number]) => `${c.summary}\n${c.detail ?? ''}`;
  const hypo = cards.filter((c) => /hypomagnesemia/i.test(c.summary) && !/hypermagnesemia/i.test(c.summary));
  const all = cards.map(text).join('\n');
  const recommended = hypo.flatMap((c) => c.suggestions ?? []).find((s) => s.isRecommended);
  const medication = recommended?.actions?.map((a) => a.resource as any).find((r) => r?.resourceType === 'MedicationRequest');
  const routeCode = medication?.dosageInstruction?.[0]?.route?.coding?.[0]?.code as string | undefined;
  const severity = hypo.map((c) => /\b(mild|moderate|severe)\b/i.exec(c.summary)?.[1]?.toLowerCase()).find(Boolean) ?? 'none';
  const dose = medication?.dosageInstruction?.[0];
  return {
    hypomagnesemia_card: hypo.length > 0,
    severity,
    route: routeCode ? (ROUTE_BY_SNOMED[routeCode] ?? 'unknown') : 'none',
    indicator: cards.map((c) => c.indicator as string).reduce((a, b) => (RANK.indexOf(b) > RANK.indexOf(a) ? b : a), 'none'),
    mentions_potassium: /potassium is low/i.test(all),
    mentions_calcium: /calcium is low/i.test(all),
    mentions_renal: /renal impairment/i.test(all),
    mentions_pregnancy: /\bpregnancy\b/i.test(all),
    mentions_medication_cause: /possible medication cause/i.test(all),
    mentions_stale: /too old to dose from/i.test(all),
    weight_based_dose: /mg\/kg/.test(dose?.text ?? '') || /mg\/kg ×/.test(all),
    hypermagnesemia_card: cards.some((c) => /hypermagnesemia/i.test(c.summary)),
  };
}
