import { FeedbackRefusedError, isDataRefusal, type FeedbackOutcome, type FeedbackRecord, type FeedbackStore, type IssuedCard } from './store';
import type { SummaryRange, SummarySource } from './summary-rows';

/**
 * Puts a durable store behind the hook path. Issued-card records are queued and written in
 * batches on a timer, so a hook response never waits for the database; if the database is
 * down the batch is retried a few times, then dropped and counted. Feedback is written straight
 * through: the feedback endpoint acknowledges only what is durably stored. Store failures are
 * reported to the observer (logs and metrics) and never thrown at the hook path.
 *
 * Issued-card records wait at most one flush interval (200 ms by default) in memory: a process
 * killed outright (SIGKILL, OOM) loses at most that window; feedback for such a card is still
 * stored, and counted as feedback for an unknown card.
 */

export type StoreOperation = 'recordIssuedCards' | 'recordFeedback' | 'read' | 'purge' | 'ready';

export interface StoreObserver {
  error(operation: StoreOperation, error: Error): void;
  /** Issued-card records given up on (queue full, or retries exhausted). */
  dropped(count: number): void;
}

export interface QueueOptions {
  /** Most records per insert. */
  maxBatch?: number;
  /** How long a record may wait before its batch is written. */
  flushIntervalMs?: number;
  /** Most records waiting; beyond that new records are dropped (the database is down). */
  maxPending?: number;
  /** Attempts per batch before it is dropped. */
  maxAttempts?: number;
}

interface Pending {
  card: IssuedCard;
  attempts: number;
}

export class QueuedFeedbackStore implements FeedbackStore {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The write in progress (writes run one after another). */
  private writing: Promise<void> = Promise.resolve();
  private closed = false;
  /** The last write failed for a reason other than its data (store full or down): not ready. */
  private writeFailing = false;
  private readonly maxBatch: number;
  private readonly flushIntervalMs: number;
  private readonly maxPending: number;
  private readonly maxAttempts: number;

  constructor(
    readonly inner: FeedbackStore,
    private readonly observer: StoreObserver,
    options: QueueOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.flushIntervalMs = options.flushIntervalMs ?? 200;
    this.maxPending = options.maxPending ?? 20_000;
    this.maxAttempts = options.maxAttempts ?? 3;
  }

  /** Records waiting to be written (exported as a gauge). */
  get pendingCount(): number {
    return this.pending.length;
  }

  async recordIssuedCards(cards: IssuedCard[]): Promise<void> {
    if (this.closed) {
      this.observer.dropped(cards.length);
      return;
    }
    const room = Math.max(0, this.maxPending - this.pending.length);
    if (room < cards.length) this.observer.dropped(cards.length - room);
    for (const card of cards.slice(0, room)) this.pending.push({ card, attempts: 0 });
    if (this.pending.length >= this.maxBatch) void this.writeQueued();
    else this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.pending.length === 0 || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.writeQueued();
    }, this.flushIntervalMs);
    this.timer.unref();
  }

  /**
   * Writes the records queued when the previous write finished, then returns; records arriving
   * meanwhile wait for the next interval. Under load this gives one batch per interval, not a
   * stream of one-record commits (each waiting for the disk). Resolves false when the store failed.
   */
  private writeQueued(): Promise<boolean> {
    const run = this.writing
      .then(() => this.drain(this.pending.length))
      .catch((error: unknown) => {
        // drain() reports store failures itself; anything else must not become an unhandled rejection.
        this.observer.error('recordIssuedCards', error instanceof Error ? error : new Error(String(error)));
        return false;
      });
    this.writing = run.then(() => this.schedule());
    return run;
  }

  /** Writes everything queued, also what arrives meanwhile; stops early when the store fails. */
  async flush(): Promise<void> {
    await this.writing;
    while (this.pending.length > 0) {
      if (!(await this.writeQueued())) return;
    }
  }

  private async drain(count: number): Promise<boolean> {
    let left = count;
    while (left > 0 && this.pending.length > 0) {
      const batch = this.pending.splice(0, Math.min(this.maxBatch, left));
      left -= batch.length;
      try {
        await this.inner.recordIssuedCards(batch.map((p) => p.card));
        this.writeFailing = false;
      } catch (error) {
        this.observer.error('recordIssuedCards', error as Error);
        if (!isDataRefusal(error)) this.writeFailing = true;
        // One bad record must not take its batch down: write the rows one by one, and keep
        // for a retry only those that still fail (the store may be down for all of them).
        const unwritten = batch.length > 1 ? await this.writeOneByOne(batch) : batch;
        if (unwritten.length === 0) continue;
        const retry = unwritten.filter((p) => (p.attempts += 1) < this.maxAttempts);
        if (unwritten.length > retry.length) this.observer.dropped(unwritten.length - retry.length);
        this.pending.unshift(...retry);
        return false;
      }
    }
    return true;
  }

  private async writeOneByOne(batch: Pending[]): Promise<Pending[]> {
    const unwritten: Pending[] = [];
    for (const item of batch) {
      try {
        await this.inner.recordIssuedCards([item.card]);
      } catch {
        unwritten.push(item);
      }
    }
    return unwritten;
  }

  /**
   * Writes feedback straight through. A batch the database refuses for its data is written again
   * record by record, so one bad record fails alone (FeedbackRefusedError names it) and the others
   * are stored. Cards still waiting in the queue count as known.
   */
  async recordFeedback(records: FeedbackRecord[]): Promise<FeedbackOutcome> {
    let outcome: FeedbackOutcome;
    try {
      outcome = await this.inner.recordFeedback(records);
    } catch (error) {
      this.observer.error('recordFeedback', error as Error);
      if (!isDataRefusal(error)) {
        this.writeFailing = true;
        throw error;
      }
      outcome = await this.recordEachAlone(records);
    }
    this.writeFailing = false;
    const queued = new Set(this.pending.map((p) => p.card.cardUuid));
    return { ...outcome, unknownCards: outcome.unknownCards.filter((uuid) => !queued.has(uuid)) };
  }

  private async recordEachAlone(records: FeedbackRecord[]): Promise<FeedbackOutcome> {
    const outcome: FeedbackOutcome = { stored: 0, duplicates: 0, unknownCards: [] };
    const refused: number[] = [];
    for (const [index, record] of records.entries()) {
      try {
        const one = await this.inner.recordFeedback([record]);
        outcome.stored += one.stored;
        outcome.duplicates += one.duplicates;
        outcome.unknownCards.push(...one.unknownCards.filter((uuid) => !outcome.unknownCards.includes(uuid)));
      } catch (error) {
        if (!isDataRefusal(error)) throw error;
        refused.push(index);
      }
    }
    if (refused.length > 0) throw new FeedbackRefusedError(refused, outcome);
    return outcome;
  }

  private async read<T>(work: () => Promise<T>): Promise<T> {
    // Read-your-writes: what the service issued before this call is visible to it.
    await this.flush();
    try {
      return await work();
    } catch (error) {
      this.observer.error('read', error as Error);
      throw error;
    }
  }

  issuedCard(cardUuid: string): Promise<IssuedCard | undefined> {
    return this.read(() => this.inner.issuedCard(cardUuid));
  }

  feedbackFor(cardUuid: string): Promise<FeedbackRecord[]> {
    return this.read(() => this.inner.feedbackFor(cardUuid));
  }

  summarySource(range: SummaryRange): Promise<SummarySource> {
    return this.read(() => this.inner.summarySource(range));
  }

  async purgeBefore(cutoff: Date): Promise<number> {
    try {
      return await this.inner.purgeBefore(cutoff);
    } catch (error) {
      this.observer.error('purge', error as Error);
      throw error;
    }
  }

  /** Ready when the store answers and, after a failed write, a probe write succeeds again (disk full is not ready). */
  async isReady(): Promise<boolean> {
    try {
      if (this.closed || !(await this.inner.isReady())) return false;
      if (this.writeFailing && this.inner.probeWrite) {
        await this.inner.probeWrite();
        this.writeFailing = false;
      }
      return true;
    } catch (error) {
      this.observer.error('ready', error as Error);
      return false;
    }
  }

  /** Writes what is queued (one more attempt), then closes the underlying store. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
    this.closed = true;
    if (this.pending.length > 0) {
      this.observer.dropped(this.pending.length);
      this.pending = [];
    }
    await this.inner.close();
  }
}
