import { Registry } from 'prom-client';
import { DeferredCounter, MAX_PENDING_LABEL_SETS } from '../../src/observability/deferred-counter';

function counterIn(registry: Registry) {
  return new DeferredCounter({ name: 'test_things_total', help: 'things', labelNames: ['kind'] as const, registers: [registry] });
}

async function values(registry: Registry): Promise<Record<string, number>> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'test_things_total')!;
  return Object.fromEntries((metric.values as Array<{ labels: { kind: string }; value: number }>).map((v) => [v.labels.kind, v.value]));
}

describe('DeferredCounter', () => {
  test('counts reach the scrape once, and keep adding up across scrapes', async () => {
    const registry = new Registry();
    const things = counterIn(registry);
    things.inc('a', { kind: 'a' });
    things.inc('a', { kind: 'a' });
    things.inc('b', { kind: 'b' });
    expect(await values(registry)).toEqual({ a: 2, b: 1 });
    // A second scrape with nothing new reads the same totals (nothing is added twice).
    expect(await values(registry)).toEqual({ a: 2, b: 1 });
    things.inc('a', { kind: 'a' });
    expect(await values(registry)).toEqual({ a: 3, b: 1 });
    expect(await registry.metrics()).toContain('test_things_total{kind="a"} 3');
  });

  test('holds a bounded number of label sets between scrapes', async () => {
    const registry = new Registry();
    const things = counterIn(registry);
    const pending = () => (things as unknown as { pending: Map<string, unknown> }).pending.size;
    for (let i = 0; i <= MAX_PENDING_LABEL_SETS; i += 1) things.inc(`k${i}`, { kind: `k${i}` });
    // The set that did not fit flushed the others into the counter first.
    expect(pending()).toBe(1);
    const totals = await values(registry);
    expect(Object.keys(totals)).toHaveLength(MAX_PENDING_LABEL_SETS + 1);
    expect(Object.values(totals).every((v) => v === 1)).toBe(true);
  });
});
