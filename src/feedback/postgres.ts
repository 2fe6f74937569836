import type { Pool, PoolClient } from 'pg';
import { createPgPool } from '../postgres-pool';
import { MIGRATIONS_TABLE_SQL, pending, PROBE_WRITE_SQL } from './migrations';
import { feedbackFromRow, issuedFromRow } from './rows';
import type { FeedbackOutcome, FeedbackRecord, FeedbackStore, IssuedCard } from './store';
import { answeredRow, NO_RULE, type SummaryRange, type SummarySource } from './summary-rows';

/**
 * Feedback store in PostgreSQL, shared by several replicas. Migrations run once per process
 * under an advisory lock (replicas starting together do not race) and are retried on the next
 * call when the database was unreachable, so the service starts and answers hooks without it.
 */

/** Any constant: the advisory lock that serialises migrations across replicas. */
const MIGRATION_LOCK = 746_201_377;

export interface PostgresStoreOptions {
  /** Largest number of pooled connections per replica. */
  maxConnections?: number;
  connectionTimeoutMs?: number;
  statementTimeoutMs?: number;
  /** Called when an idle pooled connection fails (the pool replaces it). */
  onPoolError?: (error: Error) => void;
}

const toIso = (value: Date | string): string => (value instanceof Date ? value.toISOString() : new Date(value).toISOString());

export class PostgresFeedbackStore implements FeedbackStore {
  private readonly pool: Pool;
  private migrated: Promise<void> | undefined;
  private closed = false;

  constructor(connectionString: string, options: PostgresStoreOptions = {}) {
    this.pool = createPgPool({
      connectionString,
      max: options.maxConnections ?? 5,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 2000,
      statement_timeout: options.statementTimeoutMs ?? 5000,
      idleTimeoutMillis: 30_000,
      application_name: 'magnesium-cds',
    });
    this.pool.on('error', (error) => options.onPoolError?.(error));
  }

  /** Runs pending migrations (once per process; retried after a failure). */
  open(): Promise<void> {
    this.migrated ??= this.migrate().catch((error: unknown) => {
      this.migrated = undefined;
      throw error;
    });
    return this.migrated;
  }

  async appliedMigrations(): Promise<number[]> {
    await this.open();
    const { rows } = await this.pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    return rows.map((r) => r.version);
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        await client.query(MIGRATIONS_TABLE_SQL);
        const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
        for (const migration of pending(rows.map((r) => r.version))) {
          await this.inTransaction(client, async () => {
            await client.query(migration.postgres);
            await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [migration.version, migration.name, new Date().toISOString()]);
          });
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      }
    } finally {
      client.release();
    }
  }

  private async inTransaction<T>(client: PoolClient, work: () => Promise<T>): Promise<T> {
    await client.query('BEGIN');
    try {
      const result = await work();
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  private async withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    await this.open();
    const client = await this.pool.connect();
    try {
      return await work(client);
    } finally {
      client.release();
    }
  }

  async recordIssuedCards(cards: IssuedCard[]): Promise<void> {
    if (cards.length === 0) return;
    await this.withClient((client) =>
      this.inTransaction(client, async () => {
        // One statement for the whole batch: unnest() of parallel arrays.
        await client.query(
          `INSERT INTO issued_cards (card_uuid, service_id, hook_instance, kind, indicator, rule_ids, suggestion_uuids, suggestion_tags, issued_at)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::jsonb[], $8::jsonb[], $9::timestamptz[])
           ON CONFLICT (card_uuid) DO NOTHING`,
          [
            cards.map((c) => c.cardUuid),
            cards.map((c) => c.serviceId),
            cards.map((c) => c.hookInstance),
            cards.map((c) => c.kind),
            cards.map((c) => c.indicator),
            cards.map((c) => JSON.stringify(c.ruleIds)),
            cards.map((c) => JSON.stringify(c.suggestionUuids)),
            cards.map((c) => (c.suggestionTags ? JSON.stringify(c.suggestionTags) : null)),
            cards.map((c) => toIso(c.issuedAt)),
          ],
        );
      }),
    );
  }

  async recordFeedback(records: FeedbackRecord[]): Promise<FeedbackOutcome> {
    if (records.length === 0) return { stored: 0, duplicates: 0, unknownCards: [] };
    // A single statement is atomic: the COMMIT that answers it has reached the WAL on disk.
    const [result, unknown] = await this.withClient(async (client) => [
      await client.query(
        `INSERT INTO feedback (key, service_id, card_uuid, outcome, accepted_suggestions, override_system, override_code, outcome_timestamp, outcome_at, received_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[])
         ON CONFLICT (key) DO NOTHING`,
        [
          records.map((r) => r.key),
          records.map((r) => r.serviceId),
          records.map((r) => r.cardUuid),
          records.map((r) => r.outcome),
          records.map((r) => JSON.stringify(r.acceptedSuggestions)),
          records.map((r) => r.overrideReason?.system ?? null),
          records.map((r) => r.overrideReason?.code ?? null),
          records.map((r) => r.outcomeTimestamp),
          records.map((r) => toIso(r.outcomeTimestamp)),
          records.map((r) => toIso(r.receivedAt)),
        ],
      ),
      await client.query<{ card: string }>(
        'SELECT u.card FROM unnest($1::text[]) AS u(card) WHERE NOT EXISTS (SELECT 1 FROM issued_cards c WHERE c.card_uuid = u.card)',
        [[...new Set(records.map((r) => r.cardUuid))]],
      ),
    ] as const);
    const stored = result.rowCount ?? 0;
    return { stored, duplicates: records.length - stored, unknownCards: unknown.rows.map((r) => r.card) };
  }

  async probeWrite(): Promise<void> {
    await this.withClient((client) => client.query(PROBE_WRITE_SQL));
  }

  async issuedCard(cardUuid: string): Promise<IssuedCard | undefined> {
    const row = await this.withClient(async (client) => (await client.query('SELECT * FROM issued_cards WHERE card_uuid = $1', [cardUuid])).rows[0]);
    if (!row) return undefined;
    return issuedFromRow({ ...row, issued_at: toIso(row.issued_at) });
  }

  async feedbackFor(cardUuid: string): Promise<FeedbackRecord[]> {
    const { rows } = await this.withClient((client) => client.query('SELECT * FROM feedback WHERE card_uuid = $1 ORDER BY outcome_at, key', [cardUuid]));
    return rows.map((row) => feedbackFromRow({ ...row, received_at: toIso(row.received_at) }));
  }

  async summarySource(range: SummaryRange): Promise<SummarySource> {
    const window = [range.from.toISOString(), range.to.toISOString()];
    const day = `to_char(c.issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;
    return this.withClient(async (client) => {
      const issued = await client.query(
        `SELECT COALESCE(r.rule_id, $3) AS "ruleId", c.indicator, ${day} AS day, COUNT(DISTINCT c.card_uuid)::int AS issued
         FROM issued_cards c LEFT JOIN LATERAL jsonb_array_elements_text(c.rule_ids) AS r(rule_id) ON true
         WHERE c.issued_at >= $1 AND c.issued_at < $2
         GROUP BY 1, 2, 3`,
        [...window, NO_RULE],
      );
      const perDay = await client.query(
        `SELECT ${day} AS day, COUNT(*)::int AS issued FROM issued_cards c WHERE c.issued_at >= $1 AND c.issued_at < $2 GROUP BY 1`,
        window,
      );
      const answered = await client.query(
        `WITH latest AS (
           SELECT f.*, ROW_NUMBER() OVER (PARTITION BY f.card_uuid ORDER BY f.outcome_at DESC, f.key DESC) AS rn
           FROM feedback f JOIN issued_cards c ON c.card_uuid = f.card_uuid
           WHERE c.issued_at >= $1 AND c.issued_at < $2)
         SELECT c.rule_ids, c.indicator, c.issued_at, c.suggestion_uuids, c.suggestion_tags,
                l.outcome, l.accepted_suggestions, l.override_system, l.override_code
         FROM latest l JOIN issued_cards c ON c.card_uuid = l.card_uuid
         WHERE l.rn = 1`,
        window,
      );
      return {
        issued: issued.rows,
        issuedPerDay: perDay.rows,
        answered: answered.rows.map((row) =>
          answeredRow(
            {
              ruleIds: row.rule_ids,
              indicator: row.indicator,
              issuedAt: toIso(row.issued_at),
              suggestionUuids: row.suggestion_uuids,
              ...(row.suggestion_tags ? { suggestionTags: row.suggestion_tags } : {}),
            },
            {
              outcome: row.outcome,
              acceptedSuggestions: row.accepted_suggestions,
              ...(row.override_code ? { overrideReason: row.override_system ? { system: row.override_system, code: row.override_code } : { code: row.override_code } } : {}),
            },
          ),
        ),
      };
    });
  }

  async purgeBefore(cutoff: Date): Promise<number> {
    const limit = cutoff.toISOString();
    return this.withClient((client) =>
      this.inTransaction(client, async () => {
        const feedback = await client.query('DELETE FROM feedback WHERE received_at < $1', [limit]);
        const cards = await client.query('DELETE FROM issued_cards WHERE issued_at < $1', [limit]);
        return (feedback.rowCount ?? 0) + (cards.rowCount ?? 0);
      }),
    );
  }

  async isReady(): Promise<boolean> {
    if (this.closed) return false;
    try {
      await this.open();
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
