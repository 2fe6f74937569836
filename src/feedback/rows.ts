import type { FeedbackRecord, IssuedCard } from './store';

/** Database rows (snake_case, JSON already decoded) → store records; shared by both SQL stores. */

export interface IssuedCardRow {
  card_uuid: string;
  service_id: string;
  hook_instance: string;
  kind: string;
  indicator: string;
  rule_ids: string[];
  suggestion_uuids: string[];
  suggestion_tags: Record<string, string> | null;
  issued_at: string;
}

export interface FeedbackRow {
  key: string;
  service_id: string;
  card_uuid: string;
  outcome: FeedbackRecord['outcome'];
  accepted_suggestions: string[];
  override_system: string | null;
  override_code: string | null;
  outcome_timestamp: string;
  received_at: string;
}

export function issuedFromRow(row: IssuedCardRow): IssuedCard {
  const card: IssuedCard = {
    cardUuid: row.card_uuid,
    suggestionUuids: row.suggestion_uuids,
    serviceId: row.service_id,
    hookInstance: row.hook_instance,
    kind: row.kind,
    indicator: row.indicator,
    ruleIds: row.rule_ids,
    issuedAt: row.issued_at,
  };
  if (row.suggestion_tags) card.suggestionTags = row.suggestion_tags;
  return card;
}

export function feedbackFromRow(row: FeedbackRow): FeedbackRecord {
  const record: FeedbackRecord = {
    key: row.key,
    serviceId: row.service_id,
    cardUuid: row.card_uuid,
    outcome: row.outcome,
    acceptedSuggestions: row.accepted_suggestions,
    outcomeTimestamp: row.outcome_timestamp,
    receivedAt: row.received_at,
  };
  if (row.override_code) record.overrideReason = row.override_system ? { system: row.override_system, code: row.override_code } : { code: row.override_code };
  return record;
}
