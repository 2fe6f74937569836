import type { FeedbackRecord, IssuedCard } from './store';

/**
 * What every feedback store returns for the override analytics (SummarySource), and the helpers
 * the stores build it with; summary.ts turns it into the report. Kept apart from the report's
 * zod schema because the SQLite store's thread loads this module: zod would add about 7 MB to
 * that thread's heap (docs/performance-notebook.md).
 */

export interface SummaryRange {
  /** Inclusive start of the issue time window. */
  from: Date;
  /** Exclusive end of the issue time window. */
  to: Date;
}

export interface IssuedCountRow {
  ruleId: string;
  indicator: string;
  /** UTC day the cards were issued (YYYY-MM-DD). */
  day: string;
  issued: number;
}

/** A card that received feedback, with its latest outcome. */
export interface AnsweredRow {
  /** The card's rule IDs (empty when it had none). */
  ruleIds: string[];
  indicator: string;
  /** UTC day the card was issued. */
  day: string;
  outcome: FeedbackRecord['outcome'];
  /** Tags of the accepted suggestions (empty when overridden). */
  accepted: string[];
  /** `system|code` or `code` of the override reason, when one was given. */
  overrideReason?: string;
}

export interface SummarySource {
  /** Cards issued per rule, indicator and day (a card with two rules is in two rows). */
  issued: IssuedCountRow[];
  /** Cards issued per day (each card once). */
  issuedPerDay: Array<{ day: string; issued: number }>;
  /** One row per card that received feedback. */
  answered: AnsweredRow[];
}

/** Tag of a suggestion for the report: its recorded tag, else its position on the card. */
export function suggestionTag(uuid: string, card: Pick<IssuedCard, 'suggestionUuids' | 'suggestionTags'>): string {
  const tag = card.suggestionTags?.[uuid];
  if (tag) return tag;
  const index = card.suggestionUuids.indexOf(uuid);
  return index >= 0 ? `suggestion ${index + 1}` : 'unknown suggestion';
}

export function answeredRow(
  card: Pick<IssuedCard, 'ruleIds' | 'indicator' | 'issuedAt' | 'suggestionUuids' | 'suggestionTags'>,
  answer: Pick<FeedbackRecord, 'outcome' | 'acceptedSuggestions' | 'overrideReason'>,
): AnsweredRow {
  const row: AnsweredRow = {
    ruleIds: card.ruleIds,
    indicator: card.indicator,
    day: card.issuedAt.slice(0, 10),
    outcome: answer.outcome,
    accepted: answer.outcome === 'accepted' ? answer.acceptedSuggestions.map((uuid) => suggestionTag(uuid, card)) : [],
  };
  if (answer.overrideReason) {
    row.overrideReason = answer.overrideReason.system ? `${answer.overrideReason.system}|${answer.overrideReason.code}` : answer.overrideReason.code;
  }
  return row;
}

/** Rule label for cards issued without rule IDs, so every card is counted somewhere. */
export const NO_RULE = '(none)';
