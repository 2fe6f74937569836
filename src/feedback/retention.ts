import type { FeedbackStore } from './store';

/**
 * Retention: issued-card and feedback records older than the configured number of days are
 * deleted shortly after start-up and then every few hours. Several replicas may purge at once;
 * the deletes are idempotent.
 */

export interface RetentionOptions {
  days: number;
  intervalMs?: number;
  now?: () => Date;
  onPurged?: (removed: number) => void;
  onError?: (error: Error) => void;
}

export const DAY_MS = 86_400_000;

export function retentionCutoff(now: Date, days: number): Date {
  return new Date(now.getTime() - days * DAY_MS);
}

/** Starts the purge schedule; returns a function that stops it. `days` 0 keeps everything. */
export function startRetention(store: Pick<FeedbackStore, 'purgeBefore'>, options: RetentionOptions): () => void {
  if (options.days <= 0) return () => undefined;
  const now = options.now ?? (() => new Date());
  const purge = () => {
    store.purgeBefore(retentionCutoff(now(), options.days)).then(
      (removed) => options.onPurged?.(removed),
      (error: Error) => options.onError?.(error),
    );
  };
  const first = setTimeout(purge, 5_000);
  const every = setInterval(purge, options.intervalMs ?? 6 * 3_600_000);
  first.unref();
  every.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
