import request from 'supertest';
import { MemoryFeedbackStore, type FeedbackOutcome } from '../../src/feedback/store';
import { testApp } from '../helpers';

/**
 * A 503 the service means to give (store down, a budget spent) is logged once, as a warning with
 * its code; only an unexpected error is an "unhandled error" with a stack.
 */
class DownStore extends MemoryFeedbackStore {
  override async recordFeedback(): Promise<FeedbackOutcome> {
    throw new Error('store down');
  }
}

const feedback = { feedback: [{ card: '3d4c6b1e-7f1a-4a0e-9a51-1c2b3d4e5f60', outcome: 'accepted', outcomeTimestamp: '2026-11-22T12:00:00Z', acceptedSuggestions: [{ id: '6f1d1c2e-1111-4a0e-9a51-1c2b3d4e5f61' }] }] };

test('an expected 503 is a warning with its code, not an unhandled error with a stack', async () => {
  const { app, logs } = testApp({ feedbackStore: new DownStore() });
  const res = await request(app).post('/cds-services/hypomagnesemia/feedback').send(feedback);
  expect(res.status).toBe(503);
  const lines = logs.lines.map((l) => JSON.parse(l) as { level: number; msg: string; code?: string });
  expect(lines.some((l) => l.msg === 'unhandled error')).toBe(false);
  // No stack frames anywhere in the log.
  expect(logs.text()).not.toMatch(/\\n\s+at /);
  const answered = lines.find((l) => l.msg === 'service unavailable');
  expect(answered).toMatchObject({ level: 40, code: 'CDS_UNAVAILABLE' });
});
