import request from 'supertest';
import { ConfigError, loadConfig } from '../../src/config';
import { MemoryFeedbackStore } from '../../src/feedback/store';
import { feedbackSummarySchema } from '../../src/feedback/summary';
import { CASES_NOW, hookRequest, observation, testApp } from '../helpers';

const TOKEN = 'admin-token-0123456789abcdef';
const auth = { Authorization: `Bearer ${TOKEN}` };
const adminApp = () => testApp({ env: { ADMIN_TOKEN: TOKEN }, feedbackStore: new MemoryFeedbackStore() });

describe('admin routes', () => {
  test('are off without ADMIN_TOKEN', async () => {
    const { app } = testApp();
    expect((await request(app).get('/admin/feedback/summary').set(auth)).status).toBe(404);
    expect((await request(app).get('/admin/')).status).toBe(404);
  });

  test('ADMIN_TOKEN shorter than 16 characters is refused at start-up', () => {
    expect(() => loadConfig({ ADMIN_TOKEN: 'short' })).toThrow(ConfigError);
  });

  test.each([
    ['no header', {}],
    ['a wrong token', { Authorization: 'Bearer admin-token-0123456789abcdeX' }],
    ['a prefix of the token', { Authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
    ['another scheme', { Authorization: `Basic ${TOKEN}` }],
  ])('the summary with %s is 401 with a bare OperationOutcome', async (_name, headers) => {
    const { app } = adminApp();
    const res = await request(app).get('/admin/feedback/summary').set(headers as Record<string, string>);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.body.issue[0].details.text).toBe('Unauthorized');
  });

  test('the summary joins feedback to the issued card: rule, indicator, accepted suggestion, override reason', async () => {
    const { app } = adminApp();
    const hook = await request(app)
      .post('/cds-services/hypomagnesemia')
      .send(hookRequest({ observations: [observation({ code: '19123-9', value: 1.2, unit: 'mg/dL' })] }));
    const card = hook.body.cards[0];
    const recommended = card.suggestions.find((s: { isRecommended?: boolean }) => s.isRecommended);
    await request(app)
      .post('/cds-services/hypomagnesemia/feedback')
      .send({ feedback: [{ card: card.uuid, outcome: 'accepted', acceptedSuggestions: [{ id: recommended.uuid }], outcomeTimestamp: '2026-11-22T12:01:00Z' }] })
      .expect(200);
    const second = await request(app)
      .post('/cds-services/hypomagnesemia')
      .send(hookRequest({ observations: [observation({ code: '19123-9', value: 1.2, unit: 'mg/dL' })] }));
    await request(app)
      .post('/cds-services/hypomagnesemia/feedback')
      .send({ feedback: [{ card: second.body.cards[0].uuid, outcome: 'overridden', overrideReason: { reason: { code: 'patient-declined' } }, outcomeTimestamp: '2026-11-22T12:02:00Z' }] })
      .expect(200);

    const res = await request(app).get('/admin/feedback/summary?days=7').set(auth);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const summary = feedbackSummarySchema.parse(res.body);
    // Whole UTC days, today included.
    expect(summary.to).toBe('2026-11-23T00:00:00.000Z');
    expect(summary.from).toBe('2026-11-16T00:00:00.000Z');
    expect(CASES_NOW.toISOString().slice(0, 10)).toBe('2026-11-22');
    expect(summary.totals).toEqual({ issued: 2, accepted: 1, overridden: 1, ignored: 0 });
    const ruleIds: string[] = card.extension['org.magnesium-cds.assessment'].ruleIds;
    for (const ruleId of ruleIds) {
      const row = summary.rules.find((r) => r.ruleId === ruleId && r.indicator === card.indicator);
      expect(row).toMatchObject({ issued: 2, accepted: 1, overridden: 1, ignored: 0, overriddenByReason: { 'patient-declined': 1 } });
      expect(Object.keys(row?.acceptedBySuggestion ?? {})).toEqual([expect.stringMatching(/\(recommended\)$/)]);
    }
    expect(summary.series).toHaveLength(7);
    expect(summary.series.at(-1)).toEqual({ day: '2026-11-22', issued: 2, accepted: 1, overridden: 1, ignored: 0 });
  });

  test('from/to select a window of issue days; a plain "to" date includes that day', async () => {
    const { app } = adminApp();
    const res = await request(app).get('/admin/feedback/summary?from=2026-11-01&to=2026-11-03').set(auth);
    expect(res.status).toBe(200);
    expect(res.body.from).toBe('2026-11-01T00:00:00.000Z');
    expect(res.body.to).toBe('2026-11-04T00:00:00.000Z');
    expect(res.body.series.map((d: { day: string }) => d.day)).toEqual(['2026-11-01', '2026-11-02', '2026-11-03']);
  });

  test.each([
    ['from after to', 'from=2026-11-05&to=2026-11-01', 'from'],
    ['a window over 400 days', 'from=2020-01-01&to=2026-01-01', 'from'],
    ['days out of range', 'days=0', 'days'],
    ['an unknown parameter', 'bucket=hour', '(body)'],
    ['a malformed date', 'from=yesterday', 'from'],
    ['a "to" in year 0', 'to=0000-01-01&days=1', 'to'],
    ['a "to" past year 9998', 'to=9999-12-31&days=1', 'to'],
    ['a "from" in year 1999', 'from=1999-12-31&to=2000-01-10', 'from'],
  ])('%s is a 400 naming the parameter', async (_name, query, field) => {
    const { app } = adminApp();
    const res = await request(app).get(`/admin/feedback/summary?${query}`).set(auth);
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].expression).toEqual([field]);
  });

  test('a store that cannot be read gives 503, not a stack trace', async () => {
    const broken = Object.assign(new MemoryFeedbackStore(), { summarySource: async () => Promise.reject(new Error('connection refused')) });
    const { app } = testApp({ env: { ADMIN_TOKEN: TOKEN }, feedbackStore: broken });
    const res = await request(app).get('/admin/feedback/summary').set(auth);
    expect(res.status).toBe(503);
    expect(JSON.stringify(res.body)).not.toContain('connection refused');
  });

  test('the page and its assets are served with a strict CSP; /admin redirects to /admin/', async () => {
    const { app } = adminApp();
    const redirect = await request(app).get('/admin');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('/admin/');
    const page = await request(app).get('/admin/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.text).toContain('src="assets/admin.js"');
    expect(page.text).not.toMatch(/https?:\/\//);
    const js = await request(app).get('/admin/assets/admin.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.text).toContain('feedback/summary');
    expect((await request(app).get('/admin/assets/admin.css')).status).toBe(200);
  });
});
