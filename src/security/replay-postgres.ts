import type { Pool } from 'pg';
import { createPgPool } from '../postgres-pool';
import { jtiKey, ReplayStoreUnavailableError, type ClaimResult, type ReplayStore } from './replay';

/**
 * Replay protection shared by every replica: one row per (issuer, jti) in PostgreSQL, the same
 * database as the feedback store (DATABASE_URL). A token is accepted by whichever replica
 * inserts its row first; the others find the row and refuse it. The table belongs to this
 * module (created under an advisory lock, so replicas starting together do not race), expired
 * rows are deleted periodically, and any database failure is an error for the caller: the
 * service answers 503 rather than accept a token it could not check.
 */

/** Any constant other than the feedback store's: serialises this table's creation across replicas. */
const TABLE_LOCK = 746_201_378;

const CREATE_TABLE = `
  CREATE TABLE IF NOT EXISTS replay_jti (
    issuer TEXT NOT NULL,
    jti_hash TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, jti_hash)
  );
  CREATE INDEX IF NOT EXISTS replay_jti_expires_at ON replay_jti (expires_at);
`;

// A row left by an expired token does not block a new token that reuses its jti.
const CLAIM = `
  INSERT INTO replay_jti (issuer, jti_hash, expires_at) VALUES ($1, $2, $3)
  ON CONFLICT (issuer, jti_hash) DO UPDATE SET expires_at = EXCLUDED.expires_at
  WHERE replay_jti.expires_at <= $4
`;

export interface PostgresReplayOptions {
  now?: () => number;
  /** How often expired rows are deleted. */
  sweepIntervalMs?: number;
  /** Connection and statement deadlines: auth waits no longer than this for the store. */
  timeoutMs?: number;
  maxConnections?: number;
  /** A failed sweep or an idle connection that broke (the pool replaces it). */
  onError?: (error: Error) => void;
}

export class PostgresReplayStore implements ReplayStore {
  private readonly pool: Pool;
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;
  private created: Promise<void> | undefined;

  constructor(connectionString: string, private readonly options: PostgresReplayOptions = {}) {
    const timeoutMs = options.timeoutMs ?? 2_000;
    this.now = options.now ?? Date.now;
    this.pool = createPgPool({
      connectionString,
      max: options.maxConnections ?? 4,
      connectionTimeoutMillis: timeoutMs,
      statement_timeout: timeoutMs,
      query_timeout: timeoutMs + 500,
      idleTimeoutMillis: 30_000,
      application_name: 'magnesium-cds-replay',
    });
    this.pool.on('error', (error) => options.onError?.(error));
    this.sweeper = setInterval(() => void this.sweep(), options.sweepIntervalMs ?? 60_000);
    this.sweeper.unref();
  }

  /** Creates the table once per process; retried on the next call after a failure. */
  open(): Promise<void> {
    this.created ??= this.createTable().catch((error: unknown) => {
      this.created = undefined;
      throw error;
    });
    return this.created;
  }

  async claim(issuer: string, jti: string, expiresAtMs: number): Promise<ClaimResult> {
    try {
      await this.open();
      const { rowCount } = await this.pool.query(CLAIM, [issuer, jtiKey(jti), expiresAtMs, this.now()]);
      return rowCount === 1 ? 'claimed' : 'replay';
    } catch (error) {
      throw new ReplayStoreUnavailableError(error);
    }
  }

  /** Deletes expired rows; returns how many. */
  async sweep(): Promise<number> {
    try {
      await this.open();
      const { rowCount } = await this.pool.query('DELETE FROM replay_jti WHERE expires_at <= $1', [this.now()]);
      return rowCount ?? 0;
    } catch (error) {
      this.options.onError?.(error as Error);
      return 0;
    }
  }

  stats(): undefined {
    return undefined;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await this.pool.end();
  }

  private async createTable(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [TABLE_LOCK]);
      await client.query(CREATE_TABLE);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
