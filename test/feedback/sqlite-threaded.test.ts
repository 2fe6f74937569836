import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { SqliteFeedbackStore } from '../../src/feedback/sqlite';
import { ThreadedSqliteStore } from '../../src/feedback/sqlite-threaded';
import { ROOT } from '../helpers';
import { accepted, card, describeStoreContract } from './store-contract';

// Each thread loads the TypeScript sources through the transpile hook: slow to start on a busy machine.
jest.setTimeout(60_000);

/** The thread runs the TypeScript sources through the same hook the process tests use. */
const execArgv = ['-r', join(ROOT, 'test', 'fixtures', 'ts-register.js')];

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'cds-sqlite-thread-'));
  dirs.push(dir);
  return dir;
};
const tempFile = () => join(tempDir(), 'feedback.sqlite');
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describeStoreContract('sqlite in a worker thread', () => ThreadedSqliteStore.open(tempFile(), { execArgv }));

describe('sqlite worker thread', () => {
  test('opening a file that cannot be created rejects with the reason', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'not-a-directory'), '');
    await expect(ThreadedSqliteStore.open(join(dir, 'not-a-directory', 'feedback.sqlite'), { execArgv })).rejects.toThrow(/EEXIST.*not-a-directory/);
  });

  test('a thread that ends before opening the file rejects the start-up instead of leaving it waiting', async () => {
    const dir = tempDir();
    const quits = join(dir, 'quits.js');
    writeFileSync(quits, 'process.exit(3);\n');
    await expect(ThreadedSqliteStore.open(join(dir, 'feedback.sqlite'), { execArgv: ['-r', quits] })).rejects.toThrow(/exited \(code 3\) before opening/);
  });

  test('the event loop keeps running while a large batch is committed', async () => {
    const store = await ThreadedSqliteStore.open(tempFile(), { execArgv });
    try {
      const cards = Array.from({ length: 5_000 }, (_, i) => card({ cardUuid: `bulk-${i}`, ruleIds: ['R-CLS-2', 'R-LYTE-1', 'R-MON-2'] }));
      let turns = 0;
      let done = false;
      const written = store.recordIssuedCards(cards).then(() => {
        done = true;
      });
      // An in-thread store would finish the whole write before the loop turns even once.
      const spin = (): void => {
        if (done) return;
        turns += 1;
        setImmediate(spin);
      };
      setImmediate(spin);
      await written;
      expect(turns).toBeGreaterThan(1);
      expect(await store.issuedCard('bulk-4999')).toEqual(card({ cardUuid: 'bulk-4999', ruleIds: ['R-CLS-2', 'R-LYTE-1', 'R-MON-2'] }));
    } finally {
      await store.close();
    }
  });

  test('acknowledged feedback is committed to the file: another handle reads it at once', async () => {
    const path = tempFile();
    const store = await ThreadedSqliteStore.open(path, { execArgv });
    await store.recordIssuedCards([card({ cardUuid: 't-1' })]);
    expect(await store.recordFeedback([accepted('t-1', ['s1'])])).toMatchObject({ stored: 1, duplicates: 0 });
    const other = new SqliteFeedbackStore(path);
    try {
      expect(await other.feedbackFor('t-1')).toEqual([accepted('t-1', ['s1'])]);
    } finally {
      await other.close();
      await store.close();
    }
  });

  test('a failing write rejects with the database error and the store keeps working', async () => {
    const store = await ThreadedSqliteStore.open(tempFile(), { execArgv });
    try {
      const broken = { ...card({ cardUuid: 'bad' }), kind: null } as unknown as ReturnType<typeof card>;
      await expect(store.recordIssuedCards([broken])).rejects.toThrow(/NOT NULL/);
      await store.recordIssuedCards([card({ cardUuid: 'good' })]);
      expect(await store.issuedCard('good')).toEqual(card({ cardUuid: 'good' }));
      expect(await store.issuedCard('bad')).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  test('when the thread dies, pending and later calls fail, readiness turns false and the failure is reported', async () => {
    const reported: Error[] = [];
    const store = await ThreadedSqliteStore.open(tempFile(), { execArgv, onThreadError: (error) => reported.push(error) });
    const pending = store.recordIssuedCards(Array.from({ length: 2_000 }, (_, i) => card({ cardUuid: `lost-${i}` })));
    // What a crash in the thread looks like from the service: the thread is gone.
    await (store as unknown as { worker: Worker }).worker.terminate();
    await expect(pending).rejects.toThrow(/thread exited/);
    await expect(store.issuedCard('lost-0')).rejects.toThrow(/thread exited/);
    expect(await store.isReady()).toBe(false);
    expect(reported.map((e) => e.message)).toEqual([expect.stringMatching(/thread exited/)]);
    await store.close();
  });

  test('close waits for every call sent before it', async () => {
    const path = tempFile();
    const store = await ThreadedSqliteStore.open(path, { execArgv });
    const writes = [store.recordIssuedCards([card({ cardUuid: 'w-1' })]), store.recordFeedback([accepted('w-1', ['s1'])])];
    await store.close();
    await Promise.all(writes);
    await expect(store.issuedCard('w-1')).rejects.toThrow(/closed/);
    const other = new SqliteFeedbackStore(path);
    expect(await other.issuedCard('w-1')).toEqual(card({ cardUuid: 'w-1' }));
    expect(await other.feedbackFor('w-1')).toHaveLength(1);
    await other.close();
  });
});
