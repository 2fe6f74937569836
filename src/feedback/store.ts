import type { FeedbackItem } from '../cds/schemas';
import { answeredRow, NO_RULE, type SummaryRange, type SummarySource } from './summary-rows';

export type { SummaryRange, SummarySource } from './summary-rows';

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
  /** Suggestion uuid → short non-identifying tag (route, recommended or not) for the analytics. */
  suggestionTags?: Record<string, string>;
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

/** What a feedback write did: new records, records already known, and cards never recorded as issued. */
export interface FeedbackOutcome {
  stored: number;
  duplicates: number;
  /** Distinct card uuids of the records that match no issued card (yet). */
  unknownCards: string[];
}

export interface FeedbackStore {
  recordIssuedCards(cards: IssuedCard[]): Promise<void>;
  /** Stores what is new; says how many were new, how many already known, and which cards are unknown. */
  recordFeedback(records: FeedbackRecord[]): Promise<FeedbackOutcome>;
  issuedCard(cardUuid: string): Promise<IssuedCard | undefined>;
  feedbackFor(cardUuid: string): Promise<FeedbackRecord[]>;
  /** Aggregates for the override analytics: cards issued in [from, to) and their latest feedback. */
  summarySource(range: SummaryRange): Promise<SummarySource>;
  /** Deletes issued cards and feedback older than `cutoff`; returns how many rows went. */
  purgeBefore(cutoff: Date): Promise<number>;
  isReady(): Promise<boolean>;
  /** A real (harmless) write, so readiness can tell a store that reads but cannot write (disk full). */
  probeWrite?(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Records refused for what they contain (not an outage): their positions in the batch, and what
 * happened to the others (stored or known). Retrying them cannot help.
 */
export class FeedbackRefusedError extends Error {
  constructor(
    readonly refused: number[],
    readonly outcome: FeedbackOutcome,
  ) {
    super(`store refused ${refused.length} feedback record(s)`);
    this.name = 'FeedbackRefusedError';
  }
}

/**
 * True when a database refused a write for its data (PostgreSQL SQLSTATE class 22 data exception,
 * 23 integrity violation, 54 limit exceeded; SQLite constraint, range or size errors), not because
 * it is unreachable or full.
 */
export function isDataRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string') return false;
  return /^(22|23|54)[0-9A-Z]{3}$/.test(code) || /^SQLITE_(CONSTRAINT|RANGE|TOOBIG|MISMATCH)/.test(code);
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

/** The feedback that decides a card's outcome: the latest by outcome time, ties broken by key. */
export function laterOutcome(a: FeedbackRecord, b: FeedbackRecord): boolean {
  const ta = Date.parse(a.outcomeTimestamp);
  const tb = Date.parse(b.outcomeTimestamp);
  return ta !== tb ? ta > tb : a.key > b.key;
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
    // First record wins, as in the SQL stores (a card uuid is issued once).
    for (const card of cards) if (!this.issued.has(card.cardUuid)) this.issued.set(card.cardUuid, card);
    MemoryFeedbackStore.trim(this.issued, this.maxEntries);
  }

  async recordFeedback(records: FeedbackRecord[]): Promise<FeedbackOutcome> {
    let stored = 0;
    for (const record of records) {
      if (this.feedback.has(record.key)) continue;
      this.feedback.set(record.key, record);
      stored += 1;
    }
    MemoryFeedbackStore.trim(this.feedback, this.maxEntries);
    const unknownCards = [...new Set(records.map((r) => r.cardUuid))].filter((uuid) => !this.issued.has(uuid));
    return { stored, duplicates: records.length - stored, unknownCards };
  }

  async issuedCard(cardUuid: string): Promise<IssuedCard | undefined> {
    return this.issued.get(cardUuid);
  }

  async feedbackFor(cardUuid: string): Promise<FeedbackRecord[]> {
    return [...this.feedback.values()].filter((f) => f.cardUuid === cardUuid);
  }

  async summarySource(range: SummaryRange): Promise<SummarySource> {
    const from = range.from.toISOString();
    const to = range.to.toISOString();
    const latest = new Map<string, FeedbackRecord>();
    for (const f of this.feedback.values()) {
      const known = latest.get(f.cardUuid);
      if (!known || laterOutcome(f, known)) latest.set(f.cardUuid, f);
    }
    const source: SummarySource = { issued: [], issuedPerDay: [], answered: [] };
    const perRule = new Map<string, { ruleId: string; indicator: string; day: string; issued: number }>();
    const perDay = new Map<string, number>();
    for (const card of this.issued.values()) {
      if (card.issuedAt < from || card.issuedAt >= to) continue;
      const day = card.issuedAt.slice(0, 10);
      perDay.set(day, (perDay.get(day) ?? 0) + 1);
      for (const ruleId of card.ruleIds.length > 0 ? new Set(card.ruleIds) : [NO_RULE]) {
        const id = `${ruleId}\u001f${card.indicator}\u001f${day}`;
        const row = perRule.get(id) ?? { ruleId, indicator: card.indicator, day, issued: 0 };
        row.issued += 1;
        perRule.set(id, row);
      }
      const answer = latest.get(card.cardUuid);
      if (answer) source.answered.push(answeredRow(card, answer));
    }
    source.issued = [...perRule.values()];
    source.issuedPerDay = [...perDay.entries()].map(([day, issued]) => ({ day, issued }));
    return source;
  }

  async purgeBefore(cutoff: Date): Promise<number> {
    const limit = cutoff.toISOString();
    let removed = 0;
    for (const [id, card] of this.issued) if (card.issuedAt < limit && this.issued.delete(id)) removed += 1;
    for (const [id, f] of this.feedback) if (f.receivedAt < limit && this.feedback.delete(id)) removed += 1;
    return removed;
  }

  private closed = false;

  async isReady(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
