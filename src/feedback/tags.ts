import type { Suggestion } from '../cds/schemas';

/**
 * A short tag naming what a suggestion orders, for "accepted which suggestion" in the analytics:
 * the route of its first medication order ("IV", "by mouth") or the resource types it creates,
 * and whether it was the recommended one. Route text and resource types come from the card
 * templates, never from the patient's data.
 */
export function suggestionTag(suggestion: Suggestion): string {
  // One pass over the actions (this runs for every card issued).
  const types: string[] = [];
  let medication: { dosageInstruction?: unknown } | undefined;
  for (const action of suggestion.actions ?? []) {
    const resource = action.resource as { resourceType?: unknown; dosageInstruction?: unknown } | undefined;
    const type = resource?.resourceType;
    if (typeof type !== 'string') continue;
    if (!types.includes(type)) types.push(type);
    if (type === 'MedicationRequest') medication ??= resource;
  }
  const dosage = Array.isArray(medication?.dosageInstruction) ? (medication.dosageInstruction[0] as { route?: { text?: unknown; coding?: Array<{ display?: unknown }> } } | undefined) : undefined;
  const route = dosage?.route?.text ?? dosage?.route?.coding?.[0]?.display;
  const what = typeof route === 'string' && route ? `${route.slice(0, 40)} order` : types.length > 0 ? types.join(' + ') : 'no action';
  return suggestion.isRecommended ? `${what} (recommended)` : what;
}

/** uuid → tag for every suggestion that has a uuid. */
export function suggestionTags(suggestions: readonly Suggestion[] | undefined): Record<string, string> | undefined {
  const tagged = (suggestions ?? []).filter((s) => typeof s.uuid === 'string');
  if (tagged.length === 0) return undefined;
  return Object.fromEntries(tagged.map((s) => [s.uuid as string, suggestionTag(s)]));
}
