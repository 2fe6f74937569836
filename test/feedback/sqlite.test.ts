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

  test('a file written before migration 2 keeps its per-rule counts (read from issued_cards.rule_ids)', async () => {
    const path = tempFile();
    const first = new SqliteFeedbackStore(path);
    await first.close();
    // Back to the version-1 schema, with a card recorded the version-1 way.
    const db = new Database(path);
    db.exec(`DELETE FROM schema_migrations WHERE version > 1;
      CREATE TABLE issued_card_rules (card_uuid TEXT NOT NULL, rule_id TEXT NOT NULL, PRIMARY KEY (card_uuid, rule_id));`);
    db.prepare(`INSERT INTO issued_cards (card_uuid, service_id, hook_instance, kind, indicator, rule_ids, suggestion_uuids, suggestion_tags, issued_at)
      VALUES ('old-1', 'hypomagnesemia', 'h', 'replacement', 'warning', '["R-CLS-2","R-MOD-1"]', '[]', NULL, '2026-11-20T10:00:00.000Z')`).run();
    db.prepare(`INSERT INTO issued_card_rules VALUES ('old-1', 'R-CLS-2'), ('old-1', 'R-MOD-1')`).run();
    db.close();
    const store = new SqliteFeedbackStore(path);
    expect(store.appliedMigrations()).toEqual(migrations.map((m) => m.version));
    const source = await store.summarySource({ from: new Date('2026-11-19T00:00:00Z'), to: new Date('2026-11-22T00:00:00Z') });
    expect(source.issued.map((r) => r.ruleId).sort()).toEqual(['R-CLS-2', 'R-MOD-1']);
    await store.close();
    const after = new Database(path, { readonly: true });
    expect(after.prepare("SELECT name FROM sqlite_master WHERE name = 'issued_card_rules'").get()).toBeUndefined();
    after.close();
  });

  test('acknowledged feedback survives the process losing the store without a clean close', async () => {
    const path = tempFile();
    const first = new SqliteFeedbackStore(path);
    await first.recordIssuedCards([card({ cardUuid: 'k-1' })]);
    expect(await first.recordFeedback([accepted('k-1', ['s1'])])).toMatchObject({ stored: 1, duplicates: 0 });
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
