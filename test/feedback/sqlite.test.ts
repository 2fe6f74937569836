import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrations } from '../../src/feedback/migrations';
import { SqliteFeedbackStore } from '../../src/feedback/sqlite';
import { accepted, card, describeStoreContract } from './store-contract';

const dirs: string[] = [];
const tempFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'cds-sqlite-'));
  dirs.push(dir);
  return join(dir, 'nested', 'feedback.sqlite');
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describeStoreContract('sqlite', async () => new SqliteFeedbackStore(tempFile()));

describe('sqlite file', () => {
  test('creates the directory, runs every migration once and uses WAL journaling', async () => {
    const path = tempFile();
    const store = new SqliteFeedbackStore(path);
    expect(store.appliedMigrations()).toEqual(migrations.map((m) => m.version));
    await store.close();
    const again = new SqliteFeedbackStore(path);
    expect(again.appliedMigrations()).toEqual(migrations.map((m) => m.version));
    await again.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect((db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number }).n).toBe(migrations.length);
    db.close();
  });

  test('acknowledged feedback survives the process losing the store without a clean close', async () => {
    const path = tempFile();
    const first = new SqliteFeedbackStore(path);
    await first.recordIssuedCards([card({ cardUuid: 'k-1' })]);
    expect(await first.recordFeedback([accepted('k-1', ['s1'])])).toEqual({ stored: 1, duplicates: 0 });
    // A second handle opened while the first was never closed sees every committed write.
    const second = new SqliteFeedbackStore(path);
    expect(await second.feedbackFor('k-1')).toEqual([accepted('k-1', ['s1'])]);
    expect(await second.issuedCard('k-1')).toEqual(card({ cardUuid: 'k-1' }));
    await second.close();
    await first.close();
  });

  test('stores no free-text override comment, only the reason code', async () => {
    const path = tempFile();
    const store = new SqliteFeedbackStore(path);
    await store.recordFeedback([
      { ...accepted('k-2', ['s1']), outcome: 'overridden', acceptedSuggestions: [], overrideReason: { code: 'other' } },
    ]);
    await store.close();
    const db = new Database(path, { readonly: true });
    const columns = (db.prepare('PRAGMA table_info(feedback)').all() as Array<{ name: string }>).map((c) => c.name);
    expect(columns).not.toContain('user_comment');
    expect(columns).toEqual(expect.arrayContaining(['override_code', 'override_system']));
    db.close();
  });
});
