import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { RULE_TITLES } from '../../src/admin/rule-titles';
import { overrideReasons } from '../../src/cards/replacement';
import { MemoryFeedbackStore } from '../../src/feedback/store';
import { ROOT, testApp } from '../helpers';

/** Every rule ID written anywhere in src/ (as a string literal), so a new rule cannot miss its title. */
function ruleIdsInSource(dir = join(ROOT, 'src')): Set<string> {
  const ids = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) for (const id of ruleIdsInSource(path)) ids.add(id);
    else if (entry.name.endsWith('.ts') && path !== join(ROOT, 'src', 'admin', 'rule-titles.ts')) {
      for (const m of readFileSync(path, 'utf8').matchAll(/['"`](R-[A-Z]+-\d+)['"`]/g)) ids.add(m[1]!);
    }
  }
  return ids;
}

describe('admin labels', () => {
  test('every rule ID the code can emit has a title', () => {
    const ids = [...ruleIdsInSource()];
    expect(ids).toContain('R-CLS-4');
    expect(ids.filter((id) => !RULE_TITLES[id])).toEqual([]);
  });

  test('GET /admin/assets/labels.json gives rule titles and the display of every override reason the cards offer, without the token', async () => {
    const { app } = testApp({ env: { ADMIN_TOKEN: 'admin-token-0123456789abcdef' }, feedbackStore: new MemoryFeedbackStore() });
    const res = await request(app).get('/admin/assets/labels.json');
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/json');
    expect(res.body.rules['R-HYPER-1']).toBe('Hypermagnesemia');
    for (const r of overrideReasons) expect(res.body.overrideReasons[`${r.system}|${r.code}`]).toBe(r.display);
  });

  test('the labels are not served while the admin routes are off', async () => {
    const { app } = testApp();
    expect((await request(app).get('/admin/assets/labels.json')).status).toBe(404);
  });
});
