import type { AppConfig } from '../config';
import { PostgresFeedbackStore } from './postgres';
import { QueuedFeedbackStore, type QueueOptions, type StoreObserver } from './queue';
import { ThreadedSqliteStore } from './sqlite-threaded';

export type StoreKind = 'sqlite' | 'postgres';

/**
 * The durable feedback store the configuration asks for, behind the write queue:
 * PostgreSQL when DATABASE_URL is set (several replicas), else a SQLite file served by its own
 * thread. Rejects when the SQLite file cannot be opened (a deployment error); a PostgreSQL
 * server that is down is retried on the next use.
 */
export async function createFeedbackStore(
  config: AppConfig['feedback'],
  observer: StoreObserver,
  queue: QueueOptions = {},
): Promise<{ store: QueuedFeedbackStore; kind: StoreKind }> {
  if (config.databaseUrl) {
    const inner = new PostgresFeedbackStore(config.databaseUrl, { onPoolError: (error) => observer.error('ready', error) });
    inner.open().catch((error: Error) => observer.error('ready', error));
    return { store: new QueuedFeedbackStore(inner, observer, queue), kind: 'postgres' };
  }
  const inner = await ThreadedSqliteStore.open(config.sqlitePath, { onThreadError: (error) => observer.error('ready', error) });
  return { store: new QueuedFeedbackStore(inner, observer, queue), kind: 'sqlite' };
}
