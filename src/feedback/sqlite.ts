import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS_TABLE_SQL, pending, PROBE_WRITE_SQL } from './migrations';
import { feedbackFromRow, issuedFromRow } from './rows';
import type { FeedbackOutcome, FeedbackRecord, FeedbackStore, IssuedCard } from './store';
import { answeredRow, NO_RULE, type SummaryRange, type SummarySource } from './summary-rows';

/**
 * Feedback store in a SQLite file: the embedded default, nothing to start. WAL mode lets the
 * analytics read while the service writes; `synchronous = FULL` makes a committed write survive
 * a power cut, which is what acknowledging feedback promises. One process per file: several
 * replicas need PostgreSQL.
 */

interface IssuedRow {
  card_uuid: string;
  rule_ids: string;
  indicator: string;
  issued_at: string;
  suggestion_uuids: string;
  suggestion_tags: string | null;
  service_id: string;
  hook_instance: string;
  kind: string;
}

interface FeedbackRow {
  key: string;
  service_id: string;
  card_uuid: string;
  outcome: FeedbackRecord['outcome'];
  accepted_suggestions: string;
  override_system: string | null;
  override_code: string | null;
  outcome_timestamp: string;
  received_at: string;
}

const parse = <T>(text: string): T => JSON.parse(text) as T;

export class SqliteFeedbackStore implements FeedbackStore {
  private readonly db: Database.Database;
  private readonly insertCard: Database.Statement;
  private readonly insertFeedback: Database.Statement;
  private readonly cardIssued: Database.Statement;
  private closed = false;

  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    this.insertCard = this.db.prepare(`INSERT INTO issued_cards
      (card_uuid, service_id, hook_instance, kind, indicator, rule_ids, suggestion_uuids, suggestion_tags, issued_at)
      VALUES (@cardUuid, @serviceId, @hookInstance, @kind, @indicator, @ruleIds, @suggestionUuids, @suggestionTags, @issuedAt)
      ON CONFLICT (card_uuid) DO NOTHING`);
    this.cardIssued = this.db.prepare('SELECT 1 FROM issued_cards WHERE card_uuid = ?').pluck();
    this.insertFeedback = this.db.prepare(`INSERT INTO feedback
      (key, service_id, card_uuid, outcome, accepted_suggestions, override_system, override_code, outcome_timestamp, outcome_at, received_at)
      VALUES (@key, @serviceId, @cardUuid, @outcome, @acceptedSuggestions, @overrideSystem, @overrideCode, @outcomeTimestamp, @outcomeAt, @receivedAt)
      ON CONFLICT (key) DO NOTHING`);
  }

  /** Versions applied so far (for tests and operators). */
  appliedMigrations(): number[] {
    return (this.db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>).map((r) => r.version);
  }

  private migrate(): void {
    this.db.exec(MIGRATIONS_TABLE_SQL);
    const apply = this.db.transaction(() => {
      for (const migration of pending(this.appliedMigrations())) {
        this.db.exec(migration.sqlite);
        this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.name, new Date().toISOString());
      }
    });
    apply.immediate();
  }

  async recordIssuedCards(cards: IssuedCard[]): Promise<void> {
    this.db.transaction(() => {
      for (const card of cards) {
        this.insertCard.run({
          cardUuid: card.cardUuid,
          serviceId: card.serviceId,
          hookInstance: card.hookInstance,
          kind: card.kind,
          indicator: card.indicator,
          ruleIds: JSON.stringify(card.ruleIds),
          suggestionUuids: JSON.stringify(card.suggestionUuids),
          suggestionTags: card.suggestionTags ? JSON.stringify(card.suggestionTags) : null,
          issuedAt: new Date(card.issuedAt).toISOString(),
        });
      }
    })();
  }

  async recordFeedback(records: FeedbackRecord[]): Promise<FeedbackOutcome> {
    const unknownCards = new Set<string>();
    const stored = this.db.transaction(() => {
      let count = 0;
      for (const r of records) {
        count += this.insertFeedback.run({
          key: r.key,
          serviceId: r.serviceId,
          cardUuid: r.cardUuid,
          outcome: r.outcome,
          acceptedSuggestions: JSON.stringify(r.acceptedSuggestions),
          overrideSystem: r.overrideReason?.system ?? null,
          overrideCode: r.overrideReason?.code ?? null,
          outcomeTimestamp: r.outcomeTimestamp,
          outcomeAt: new Date(r.outcomeTimestamp).toISOString(),
          receivedAt: new Date(r.receivedAt).toISOString(),
        }).changes;
        if (!unknownCards.has(r.cardUuid) && this.cardIssued.get(r.cardUuid) === undefined) unknownCards.add(r.cardUuid);
      }
      return count;
    }).immediate();
    return { stored, duplicates: records.length - stored, unknownCards: [...unknownCards] };
  }

  async probeWrite(): Promise<void> {
    this.db.prepare(PROBE_WRITE_SQL).run();
  }

  async issuedCard(cardUuid: string): Promise<IssuedCard | undefined> {
    const row = this.db.prepare('SELECT * FROM issued_cards WHERE card_uuid = ?').get(cardUuid) as IssuedRow | undefined;
    if (!row) return undefined;
    return issuedFromRow({
      ...row,
      rule_ids: parse(row.rule_ids),
      suggestion_uuids: parse(row.suggestion_uuids),
      suggestion_tags: row.suggestion_tags ? parse(row.suggestion_tags) : null,
    });
  }

  async feedbackFor(cardUuid: string): Promise<FeedbackRecord[]> {
    const rows = this.db.prepare('SELECT * FROM feedback WHERE card_uuid = ? ORDER BY outcome_at, key').all(cardUuid) as FeedbackRow[];
    return rows.map((row) => feedbackFromRow({ ...row, accepted_suggestions: parse(row.accepted_suggestions) }));
  }

  async summarySource(range: SummaryRange): Promise<SummarySource> {
    const window = { from: range.from.toISOString(), to: range.to.toISOString(), none: NO_RULE };
    const issued = this.db
      .prepare(`SELECT COALESCE(r.value, @none) AS ruleId, c.indicator AS indicator, substr(c.issued_at, 1, 10) AS day, COUNT(DISTINCT c.card_uuid) AS issued
        FROM issued_cards c LEFT JOIN json_each(c.rule_ids) r
        WHERE c.issued_at >= @from AND c.issued_at < @to
        GROUP BY 1, 2, 3`)
      .all(window) as SummarySource['issued'];
    const issuedPerDay = this.db
      .prepare(`SELECT substr(issued_at, 1, 10) AS day, COUNT(*) AS issued FROM issued_cards
        WHERE issued_at >= @from AND issued_at < @to GROUP BY 1`)
      .all({ from: window.from, to: window.to }) as SummarySource['issuedPerDay'];
    const answered = this.db
      .prepare(`WITH latest AS (
          SELECT f.*, ROW_NUMBER() OVER (PARTITION BY f.card_uuid ORDER BY f.outcome_at DESC, f.key DESC) AS rn
          FROM feedback f JOIN issued_cards c ON c.card_uuid = f.card_uuid
          WHERE c.issued_at >= @from AND c.issued_at < @to)
        SELECT c.rule_ids, c.indicator, c.issued_at, c.suggestion_uuids, c.suggestion_tags,
               l.outcome, l.accepted_suggestions, l.override_system, l.override_code
        FROM latest l JOIN issued_cards c ON c.card_uuid = l.card_uuid
        WHERE l.rn = 1`)
      .all({ from: window.from, to: window.to }) as Array<
      Pick<IssuedRow, 'rule_ids' | 'indicator' | 'issued_at' | 'suggestion_uuids' | 'suggestion_tags'> &
        Pick<FeedbackRow, 'outcome' | 'accepted_suggestions' | 'override_system' | 'override_code'>
    >;
    return {
      issued,
      issuedPerDay,
      answered: answered.map((row) => {
        const card = {
          ruleIds: parse<string[]>(row.rule_ids),
          indicator: row.indicator,
          issuedAt: row.issued_at,
          suggestionUuids: parse<string[]>(row.suggestion_uuids),
          ...(row.suggestion_tags ? { suggestionTags: parse<Record<string, string>>(row.suggestion_tags) } : {}),
        };
        const answer = {
          outcome: row.outcome,
          acceptedSuggestions: parse<string[]>(row.accepted_suggestions),
          ...(row.override_code ? { overrideReason: row.override_system ? { system: row.override_system, code: row.override_code } : { code: row.override_code } } : {}),
        };
        return answeredRow(card, answer);
      }),
    };
  }

  async purgeBefore(cutoff: Date): Promise<number> {
    const limit = cutoff.toISOString();
    return this.db.transaction(() => {
      let removed = this.db.prepare('DELETE FROM feedback WHERE received_at < ?').run(limit).changes;
      removed += this.db.prepare('DELETE FROM issued_cards WHERE issued_at < ?').run(limit).changes;
      return removed;
    }).immediate();
  }

  async isReady(): Promise<boolean> {
    if (this.closed) return false;
    try {
      this.db.prepare('SELECT 1').get();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
