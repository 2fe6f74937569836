import { z } from 'zod';
import { NO_RULE, type SummaryRange, type SummarySource } from './summary-rows';

/**
 * Override analytics: per rule and indicator, how many cards were issued, accepted (with which
 * suggestion), overridden (with which reason) or ignored (no feedback). A card's outcome is its
 * latest feedback; a card issued for several rules counts once under each rule, and once in the
 * totals and the series. Every store returns the same raw rows (SummarySource, in
 * summary-rows.ts) and this module turns them into the report.
 */

const countsSchema = z.object({
  issued: z.number().int().nonnegative(),
  accepted: z.number().int().nonnegative(),
  overridden: z.number().int().nonnegative(),
  ignored: z.number().int().nonnegative(),
});

export const feedbackSummarySchema = z.object({
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  totals: countsSchema,
  rules: z.array(
    countsSchema.extend({
      ruleId: z.string(),
      indicator: z.string(),
      /** Accepted cards per suggestion tag (a card accepting two suggestions counts under both). */
      acceptedBySuggestion: z.record(z.string(), z.number().int().nonnegative()),
      /** Overridden cards per reason; `(no reason)` when the client sent none. */
      overriddenByReason: z.record(z.string(), z.number().int().nonnegative()),
    }),
  ),
  /** Per UTC issue day: every day of the window, zeros included. */
  series: z.array(countsSchema.extend({ day: z.string() })),
});

export type FeedbackSummary = z.infer<typeof feedbackSummarySchema>;
type Counts = z.infer<typeof countsSchema>;

export const NO_REASON = '(no reason)';
const DAY_MS = 86_400_000;
/** The widest window a summary covers, so the series stays a reasonable size. */
export const MAX_SUMMARY_DAYS = 400;

const zero = (): Counts => ({ issued: 0, accepted: 0, overridden: 0, ignored: 0 });
// Counted in Maps: tags and reason codes come from clients, and a code such as `constructor` or
// `__proto__` must count like any other, not reach an object's prototype.
const bump = (counts: Map<string, number>, key: string) => {
  counts.set(key, (counts.get(key) ?? 0) + 1);
};
type RuleCounts = Counts & { ruleId: string; indicator: string; bySuggestion: Map<string, number>; byReason: Map<string, number> };

export function buildSummary(source: SummarySource, range: SummaryRange): FeedbackSummary {
  const rules = new Map<string, RuleCounts>();
  const rule = (ruleId: string, indicator: string) => {
    const id = `${ruleId}\u001f${indicator}`;
    let entry = rules.get(id);
    if (!entry) {
      entry = { ruleId, indicator, ...zero(), bySuggestion: new Map(), byReason: new Map() };
      rules.set(id, entry);
    }
    return entry;
  };
  const days = new Map<string, Counts>();
  for (let t = Date.parse(range.from.toISOString().slice(0, 10)); t < range.to.getTime(); t += DAY_MS) {
    days.set(new Date(t).toISOString().slice(0, 10), zero());
  }
  const day = (d: string) => {
    let entry = days.get(d);
    if (!entry) {
      entry = zero();
      days.set(d, entry);
    }
    return entry;
  };

  for (const row of source.issued) rule(row.ruleId, row.indicator).issued += row.issued;
  for (const row of source.issuedPerDay) day(row.day).issued += row.issued;
  const totals = zero();
  for (const row of source.answered) {
    const perDay = day(row.day);
    const entries = (row.ruleIds.length > 0 ? row.ruleIds : [NO_RULE]).map((id) => rule(id, row.indicator));
    if (row.outcome === 'accepted') {
      perDay.accepted += 1;
      totals.accepted += 1;
      for (const entry of entries) {
        entry.accepted += 1;
        for (const tag of new Set(row.accepted)) bump(entry.bySuggestion, tag);
      }
    } else {
      perDay.overridden += 1;
      totals.overridden += 1;
      for (const entry of entries) {
        entry.overridden += 1;
        bump(entry.byReason, row.overrideReason ?? NO_REASON);
      }
    }
  }
  const finish = (c: Counts) => {
    c.ignored = Math.max(0, c.issued - c.accepted - c.overridden);
  };
  const ruleList = [...rules.values()]
    .sort((a, b) => a.ruleId.localeCompare(b.ruleId) || a.indicator.localeCompare(b.indicator))
    .map(({ bySuggestion, byReason, ...counts }) => ({
      ...counts,
      // Object.fromEntries defines own properties, so `__proto__` stays a plain key.
      acceptedBySuggestion: Object.fromEntries(bySuggestion),
      overriddenByReason: Object.fromEntries(byReason),
    }));
  ruleList.forEach(finish);
  const series = [...days.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([d, c]) => ({ day: d, ...c }));
  series.forEach(finish);
  totals.issued = source.issuedPerDay.reduce((sum, row) => sum + row.issued, 0);
  finish(totals);
  return { from: range.from.toISOString(), to: range.to.toISOString(), totals, rules: ruleList, series };
}
