import type { AppConfig } from '../config';
import { PostgresFeedbackStore } from './postgres';
import { QueuedFeedbackStore, type QueueOptions, type StoreObserver } from './queue';
import { SqliteFeedbackStore } from './sqlite';

export type StoreKind = 'sqlite' | 'postgres';

/**
 * The durable feedback store the configuration asks for, behind the write queue:
 * PostgreSQL when DATABASE_URL is set (several replicas), else a SQLite file.
 */
export function createFeedbackStore(
  config: AppConfig['feedback'],
  observer: StoreObserver,
  queue: QueueOptions = {},
): { store: QueuedFeedbackStore; kind: StoreKind } {
  if (config.databaseUrl) {
    const inner = new PostgresFeedbackStore(config.databaseUrl, { onPoolError: (error) => observer.error('ready', error) });
    // Migrations start now; a database that is down is retried on the next use.
    inner.open().catch((error: Error) => observer.error('ready', error));
    return { store: new QueuedFeedbackStore(inner, observer, queue), kind: 'postgres' };
  }
  return { store: new QueuedFeedbackStore(new SqliteFeedbackStore(config.sqlitePath), observer, queue), kind: 'sqlite' };
}
