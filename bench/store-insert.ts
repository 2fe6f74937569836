import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { v7 } from 'uuid';
import { REPO_ROOT } from './targets';

/**
 * What one issued-card insert costs the SQLite feedback store as the table grows, for card
 * uuids as the service makes them (v7, time-ordered) and for random (v4) ones:
 *   node dist/bench/store-insert.js [--rows 1000000] [--batch 400]
 * Batches are the size the write queue sends under load (a 200 ms interval at ~2,000 calls/s).
 * Prints process CPU and wall time per row for each tenth of the rows.
 */
const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, batch: { type: 'string', default: '400' } } });
const rows = Number(args.rows);
const batch = Number(args.batch);

/** The part of the built store this needs (the bench compiles apart from src/). */
interface IssuedCardStore {
  recordIssuedCards(cards: unknown[]): Promise<void>;
  close(): Promise<void>;
}
const { SqliteFeedbackStore } = require(join(REPO_ROOT, 'dist', 'feedback', 'sqlite.js')) as { SqliteFeedbackStore: new (path: string) => IssuedCardStore };

const card = (cardUuid: string) => ({
  cardUuid,
  suggestionUuids: [randomUUID(), randomUUID()],
  serviceId: 'hypomagnesemia',
  hookInstance: randomUUID(),
  kind: 'replacement:mild',
  indicator: 'info',
  ruleIds: ['R-CLS-2', 'R-MED-1', 'R-MON-2', 'R-IV-2', 'R-IV-3', 'R-ORAL-2'],
  issuedAt: new Date().toISOString(),
  suggestionTags: { a: 'by mouth order (recommended)', b: 'IV order' },
});

async function measure(label: string, uuid: () => string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'magnesium-store-bench-'));
  const store = new SqliteFeedbackStore(join(dir, 'feedback.sqlite'));
  const step = Math.max(batch, Math.floor(rows / 10 / batch) * batch);
  try {
    for (let done = 0; done < rows; ) {
      const cpu = process.cpuUsage();
      const started = process.hrtime.bigint();
      let inStep = 0;
      while (inStep < step && done < rows) {
        const cards = Array.from({ length: Math.min(batch, rows - done) }, () => card(uuid()));
        await store.recordIssuedCards(cards);
        inStep += cards.length;
        done += cards.length;
      }
      const used = process.cpuUsage(cpu);
      const wallUs = Number(process.hrtime.bigint() - started) / 1000;
      console.log(`${label}  ${String(done).padStart(9)} rows  CPU ${((used.user + used.system) / inStep).toFixed(1).padStart(5)} µs/row  wall ${(wallUs / inStep).toFixed(1).padStart(5)} µs/row`);
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void (async () => {
  await measure('v7 (service)', () => v7());
  await measure('v4 (random) ', randomUUID);
})();
