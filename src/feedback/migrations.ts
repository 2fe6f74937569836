/**
 * Schema migrations of the feedback store, in order. Each store applies the ones it has not
 * recorded in `schema_migrations` at start-up, inside a transaction. Never edit a released
 * migration: add the next one.
 *
 * What is stored: card and suggestion uuids, rule IDs, indicator, service id, hookInstance and
 * times; feedback outcomes with override reason codes. No patient identifiers, no values, no
 * free-text comments.
 */
export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'issued cards and feedback',
    sqlite: `
      CREATE TABLE issued_cards (
        card_uuid TEXT PRIMARY KEY,
        service_id TEXT NOT NULL,
        hook_instance TEXT NOT NULL,
        kind TEXT NOT NULL,
        indicator TEXT NOT NULL,
        rule_ids TEXT NOT NULL,
        suggestion_uuids TEXT NOT NULL,
        suggestion_tags TEXT,
        issued_at TEXT NOT NULL
      );
      CREATE INDEX issued_cards_issued_at ON issued_cards (issued_at);
      CREATE TABLE issued_card_rules (
        card_uuid TEXT NOT NULL,
        rule_id TEXT NOT NULL,
        PRIMARY KEY (card_uuid, rule_id)
      );
      CREATE TABLE feedback (
        key TEXT PRIMARY KEY,
        service_id TEXT NOT NULL,
        card_uuid TEXT NOT NULL,
        outcome TEXT NOT NULL,
        accepted_suggestions TEXT NOT NULL,
        override_system TEXT,
        override_code TEXT,
        outcome_timestamp TEXT NOT NULL,
        outcome_at TEXT NOT NULL,
        received_at TEXT NOT NULL
      );
      CREATE INDEX feedback_card_uuid ON feedback (card_uuid);
      CREATE INDEX feedback_received_at ON feedback (received_at);
    `,
    postgres: `
      CREATE TABLE issued_cards (
        card_uuid TEXT PRIMARY KEY,
        service_id TEXT NOT NULL,
        hook_instance TEXT NOT NULL,
        kind TEXT NOT NULL,
        indicator TEXT NOT NULL,
        rule_ids JSONB NOT NULL,
        suggestion_uuids JSONB NOT NULL,
        suggestion_tags JSONB,
        issued_at TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX issued_cards_issued_at ON issued_cards (issued_at);
      CREATE TABLE issued_card_rules (
        card_uuid TEXT NOT NULL,
        rule_id TEXT NOT NULL,
        PRIMARY KEY (card_uuid, rule_id)
      );
      CREATE TABLE feedback (
        key TEXT PRIMARY KEY,
        service_id TEXT NOT NULL,
        card_uuid TEXT NOT NULL,
        outcome TEXT NOT NULL,
        accepted_suggestions JSONB NOT NULL,
        override_system TEXT,
        override_code TEXT,
        outcome_timestamp TEXT NOT NULL,
        outcome_at TIMESTAMPTZ NOT NULL,
        received_at TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX feedback_card_uuid ON feedback (card_uuid);
      CREATE INDEX feedback_received_at ON feedback (received_at);
    `,
  },
  {
    // The rule IDs are already in issued_cards.rule_ids; the analytics read them from there.
    // One row per card instead of one per card and rule made recording a card about 2.5x cheaper.
    version: 2,
    name: 'rule ids read from issued_cards.rule_ids',
    sqlite: 'DROP TABLE IF EXISTS issued_card_rules;',
    postgres: 'DROP TABLE IF EXISTS issued_card_rules;',
  },
];

export const MIGRATIONS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

/** The migrations not yet applied, in order. */
export function pending(applied: Iterable<number>): Migration[] {
  const done = new Set(applied);
  return migrations.filter((m) => !done.has(m.version));
}

/**
 * The readiness write probe (both engines): rewrites the newest migration row unchanged. It is a
 * real write (journal or WAL), so a store that can read but not write (disk full) is not ready.
 */
export const PROBE_WRITE_SQL = 'UPDATE schema_migrations SET applied_at = applied_at WHERE version = (SELECT MAX(version) FROM schema_migrations)';
