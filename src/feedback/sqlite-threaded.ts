import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FeedbackOutcome, FeedbackRecord, FeedbackStore, IssuedCard } from './store';
import type { SummaryRange, SummarySource } from './summary-rows';
import type { OpenReport, StoreCall, StoreMethod, StoreReply, ThreadData } from './thread-protocol';

/** The thread's entry sits next to this file (.js in the build, .ts when tests run the sources). */
const THREAD_ENTRY = join(__dirname, `sqlite-thread${extname(__filename)}`);

export interface ThreadedStoreOptions {
  /** Node options for the thread; by default the process's own (tests add a TypeScript hook). */
  execArgv?: string[];
  /** Told when the thread dies: every pending and later call fails, and readiness turns false. */
  onThreadError?: (error: Error) => void;
}

function storeError(error: { name: string; message: string; code?: string }): Error {
  const e = new Error(error.message) as Error & { code?: string };
  e.name = error.name;
  // The code says whether the database refused the data or failed (see isDataRefusal).
  if (error.code) e.code = error.code;
  return e;
}

/**
 * The SQLite feedback store, run in a worker thread. SQLite calls block their thread, and a
 * durable commit waits for the disk (milliseconds, more on a busy host): on the event loop that
 * answers hooks this showed up as latency spikes and lost throughput. Same behaviour as
 * SqliteFeedbackStore: a call resolves once the thread has committed it.
 */
export class ThreadedSqliteStore implements FeedbackStore {
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private failure: Error | undefined;
  private closing = false;
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    private readonly onThreadError: ((error: Error) => void) | undefined,
  ) {
    worker.on('message', (reply: StoreReply) => this.settle(reply));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      if (!this.closing) this.fail(new Error(`feedback store thread exited (code ${code})`));
    });
    worker.unref(); // referenced only while calls are pending (see call)
  }

  /** Starts the thread and resolves once the file is open and migrated; rejects with why not. */
  static open(path: string, options: ThreadedStoreOptions = {}): Promise<ThreadedSqliteStore> {
    const worker = new Worker(THREAD_ENTRY, {
      workerData: { path } satisfies ThreadData,
      ...(options.execArgv ? { execArgv: options.execArgv } : {}),
    });
    return new Promise((resolve, reject) => {
      const failed = (error: Error) => {
        void worker.terminate();
        reject(error);
      };
      // A thread that ends before reporting (it crashed while loading) must not leave start-up waiting.
      const exited = (code: number) => failed(new Error(`feedback store thread exited (code ${code}) before opening the file`));
      worker.once('error', failed);
      worker.once('exit', exited);
      worker.once('message', (report: OpenReport) => {
        worker.off('error', failed);
        worker.off('exit', exited);
        if (!report.opened) return failed(storeError(report.error));
        resolve(new ThreadedSqliteStore(worker, options.onThreadError));
      });
    });
  }

  private call<T>(method: StoreMethod, ...args: unknown[]): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('feedback store is closed'));
    const id = this.nextId++;
    if (this.pending.size === 0) this.worker.ref();
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ id, method, args } satisfies StoreCall);
    });
  }

  private settle(reply: StoreReply): void {
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(storeError(reply.error));
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
    this.onThreadError?.(error);
  }

  recordIssuedCards(cards: IssuedCard[]): Promise<void> {
    return this.call('recordIssuedCards', cards);
  }

  recordFeedback(records: FeedbackRecord[]): Promise<FeedbackOutcome> {
    return this.call('recordFeedback', records);
  }

  probeWrite(): Promise<void> {
    return this.call('probeWrite');
  }

  issuedCard(cardUuid: string): Promise<IssuedCard | undefined> {
    return this.call('issuedCard', cardUuid);
  }

  feedbackFor(cardUuid: string): Promise<FeedbackRecord[]> {
    return this.call('feedbackFor', cardUuid);
  }

  summarySource(range: SummaryRange): Promise<SummarySource> {
    return this.call('summarySource', range);
  }

  purgeBefore(cutoff: Date): Promise<number> {
    return this.call('purgeBefore', cutoff);
  }

  async isReady(): Promise<boolean> {
    if (this.failure || this.closed) return false;
    return this.call<boolean>('isReady');
  }

  /** Closes the file (after every call sent before) and ends the thread. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    try {
      if (!this.failure) await this.call('close');
    } finally {
      this.closed = true;
      for (const waiter of this.pending.values()) waiter.reject(new Error('feedback store is closed'));
      this.pending.clear();
      await this.worker.terminate();
    }
  }
}
