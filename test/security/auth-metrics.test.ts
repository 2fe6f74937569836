import request from 'supertest';
import { loadClients } from '../../src/security/clients';
import { DEVELOPMENT_PROFILE, mint, sandboxPrivateKey, DISCOVERY_URL, securedApp } from './tokens';

/** Prometheus value of one labelled sample, or 0 when absent. */
function sample(text: string, name: string, reason: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`reason="${reason}"`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('client authentication failures are counted by reason (cds_auth_failures_total)', () => {
  const { app } = securedApp(loadClients(DEVELOPMENT_PROFILE, { production: false }));

  test('a call without a token and a token for another endpoint each count once', async () => {
    const metrics = async () => (await request(app).get('/metrics')).text;
    const before = await metrics();
    expect((await request(app).get('/cds-services')).status).toBe(401);
    const wrongAudience = await mint({ key: await sandboxPrivateKey(), aud: `${DISCOVERY_URL}/elsewhere` });
    expect((await request(app).get('/cds-services').set('Authorization', `Bearer ${wrongAudience}`)).status).toBe(401);
    const after = await metrics();
    expect(sample(after, 'cds_auth_failures_total', 'missing')).toBe(sample(before, 'cds_auth_failures_total', 'missing') + 1);
    expect(sample(after, 'cds_auth_failures_total', 'audience')).toBe(sample(before, 'cds_auth_failures_total', 'audience') + 1);
    const totalBefore = before.split('\n').filter((l) => l.startsWith('cds_auth_failures_total{')).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
    const totalAfter = after.split('\n').filter((l) => l.startsWith('cds_auth_failures_total{')).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
    expect(totalAfter).toBe(totalBefore + 2);
  });
});
