import { Counter, type CounterConfiguration } from 'prom-client';

type Labels<L extends string> = Partial<Record<L, string>>;

/** Distinct label sets held between scrapes before they are added to the counter anyway. */
export const MAX_PENDING_LABEL_SETS = 1_000;

/**
 * A prom-client counter for the hook path: prom-client hashes the label set on every `inc`
 * (sorting and joining its keys), which several times per card was a measurable share of a
 * small call. Here an `inc` adds to a plain Map under a key the caller already has, and the sums
 * reach the counter when it is scraped (its `collect`), or when more than
 * MAX_PENDING_LABEL_SETS distinct label sets are waiting.
 */
export class DeferredCounter<L extends string> {
  private readonly counter: Counter<L>;
  private readonly pending = new Map<string, { labels: Labels<L>; count: number }>();

  constructor(configuration: Omit<CounterConfiguration<L>, 'collect'>) {
    const flush = () => this.flush();
    this.counter = new Counter<L>({
      ...configuration,
      collect() {
        flush();
      },
    });
  }

  /** Counts one under `key`, which must name exactly one label set (`labels`, read only the first time). */
  inc(key: string, labels: Labels<L>): void {
    const entry = this.pending.get(key);
    if (entry) {
      entry.count += 1;
      return;
    }
    if (this.pending.size >= MAX_PENDING_LABEL_SETS) this.flush();
    this.pending.set(key, { labels, count: 1 });
  }

  private flush(): void {
    for (const { labels, count } of this.pending.values()) this.counter.inc(labels, count);
    this.pending.clear();
  }
}
