import type { FeedbackItem } from '../cds/schemas';

/**
 * Feedback storage (CDS Hooks 2.0 §Feedback). The service records each card it issues (ids, rule
 * IDs and indicator only: no patient identifiers, no values) so feedback can be joined to rules.
 */

export interface IssuedCard {
  cardUuid: string;
  suggestionUuids: string[];
  serviceId: string;
  hookInstance: string;
  kind: string;
  indicator: string;
  ruleIds: string[];
  issuedAt: string;
}

export interface FeedbackRecord {
  /** Stable key: the same feedback sent twice has the same key (idempotency). */
  key: string;
  serviceId: string;
  cardUuid: string;
  outcome: 'accepted' | 'overridden';
  acceptedSuggestions: string[];
  overrideReason?: { system?: string; code: string };
  outcomeTimestamp: string;
  receivedAt: string;
}

export interface FeedbackStore {
  recordIssuedCards(cards: IssuedCard[]): Promise<void>;
  /** Stores what is new; returns how many were new and how many were already known. */
  recordFeedback(records: FeedbackRecord[]): Promise<{ stored: number; duplicates: number }>;
  issuedCard(cardUuid: string): Promise<IssuedCard | undefined>;
  feedbackFor(cardUuid: string): Promise<FeedbackRecord[]>;
  isReady(): Promise<boolean>;
  close(): Promise<void>;
}

export function toFeedbackRecord(serviceId: string, item: FeedbackItem, receivedAt: Date): FeedbackRecord {
  const accepted = (item.acceptedSuggestions ?? []).map((s) => s.id).sort();
  const reason = item.overrideReason?.reason;
  const record: FeedbackRecord = {
    key: [serviceId, item.card, item.outcome, item.outcomeTimestamp, accepted.join(','), reason ? `${reason.system ?? ''}|${reason.code}` : ''].join('\u001f'),
    serviceId,
    cardUuid: item.card,
    outcome: item.outcome,
    acceptedSuggestions: accepted,
    outcomeTimestamp: item.outcomeTimestamp,
    receivedAt: receivedAt.toISOString(),
  };
  if (reason) record.overrideReason = reason.system ? { system: reason.system, code: reason.code } : { code: reason.code };
  return record;
}

/** Bounded in-memory store: the default until a durable store is configured. */
export class MemoryFeedbackStore implements FeedbackStore {
  private readonly issued = new Map<string, IssuedCard>();
  private readonly feedback = new Map<string, FeedbackRecord>();

  constructor(private readonly maxEntries = 100_000) {}

  private static trim<K, V>(map: Map<K, V>, max: number): void {
    while (map.size > max) {
      const oldest = map.keys().next();
      if (oldest.done) break;
      map.delete(oldest.value);
    }
  }

  async recordIssuedCards(cards: IssuedCard[]): Promise<void> {
    for (const card of cards) this.issued.set(card.cardUuid, card);
    MemoryFeedbackStore.trim(this.issued, this.maxEntries);
  }

  async recordFeedback(records: FeedbackRecord[]): Promise<{ stored: number; duplicates: number }> {
    let stored = 0;
    for (const record of records) {
      if (this.feedback.has(record.key)) continue;
      this.feedback.set(record.key, record);
      stored += 1;
    }
    MemoryFeedbackStore.trim(this.feedback, this.maxEntries);
    return { stored, duplicates: records.length - stored };
  }

  async issuedCard(cardUuid: string): Promise<IssuedCard | undefined> {
    return this.issued.get(cardUuid);
  }

  async feedbackFor(cardUuid: string): Promise<FeedbackRecord[]> {
    return [...this.feedback.values()].filter((f) => f.cardUuid === cardUuid);
  }

  async isReady(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}
}
