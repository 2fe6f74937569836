import request from 'supertest';
import type { KeyLike } from 'jose';
import { loadClients } from '../../src/security/clients';
import { DEVELOPMENT_PROFILE, DISCOVERY_URL, inlineClient, mint, newKeyPair, nowSeconds, sandboxPrivateKey, securedApp, type KeyPair } from './tokens';

/**
 * Issue 13 item 1: one client filling the replay cache must not lock the others out; token
 * lifetimes are capped (5 min + skew by default); refusals are counted and visible.
 */

const OTHER_ISS = 'https://ehr-b.test/fhir';
const COARSE_REASONS = ['missing', 'malformed', 'algorithm', 'issuer', 'signature', 'key', 'audience', 'expired', 'lifetime', 'replay', 'replay-full', 'replay-store', 'other'];

let sandboxKey: KeyLike;
let otherKey: KeyPair;
beforeAll(async () => {
  sandboxKey = await sandboxPrivateKey();
  otherKey = await newKeyPair('ES256');
});

const clients = () => [...loadClients(DEVELOPMENT_PROFILE, { production: false }), inlineClient(OTHER_ISS, otherKey)];
const discovery = (app: Parameters<typeof request>[0], token: string) => request(app).get('/cds-services').set('Authorization', `Bearer ${token}`);
const sandboxToken = (claims: { iat?: number; exp?: number } = {}) => mint({ key: sandboxKey, aud: DISCOVERY_URL, ...claims });
const otherToken = () => mint({ key: otherKey.privateKey, alg: 'ES256', kid: otherKey.kid, iss: OTHER_ISS, aud: DISCOVERY_URL });

function metricValue(text: string, name: string, reason?: string): number {
  const line = text.split('\n').find((l) => (reason ? l.startsWith(`${name}{`) && l.includes(`reason="${reason}"`) : l.startsWith(`${name} `)));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('token lifetime cap', () => {
  it.each([
    ['one hour', 3600],
    ['six minutes and one second', 361],
  ])('refuses a token living %s (reason lifetime)', async (_name, lifetime) => {
    const { app, logs } = securedApp(clients());
    const res = await discovery(app, await sandboxToken({ exp: nowSeconds() + lifetime }));
    expect(res.status).toBe(401);
    expect(JSON.parse(logs.lines.at(-1)!).authFailure).toBe('lifetime');
  });

  it('accepts the sandbox lifetime (5 min) and 5 min + 60 s skew', async () => {
    const { app } = securedApp(clients());
    expect((await discovery(app, await sandboxToken({ exp: nowSeconds() + 300 }))).status).toBe(200);
    expect((await discovery(app, await sandboxToken({ exp: nowSeconds() + 360 }))).status).toBe(200);
  });

  it('CDS_MAX_TOKEN_LIFETIME_SECONDS raises the cap for an EHR that needs it', async () => {
    const { app } = securedApp(clients(), { CDS_MAX_TOKEN_LIFETIME_SECONDS: '3600' });
    expect((await discovery(app, await sandboxToken({ exp: nowSeconds() + 3600 }))).status).toBe(200);
  });
});

describe('replay cache bounded per issuer', () => {
  const CAP = 100;

  it('one client filling its set refuses only its own new tokens; another client is still accepted', async () => {
    const { app, logs, securityLog } = securedApp(clients(), { CDS_REPLAY_MAX_PER_ISSUER: String(CAP) });
    const before = (await request(app).get('/metrics')).text;
    for (let i = 0; i < CAP; i += 1) expect((await discovery(app, await sandboxToken())).status).toBe(200);

    const refused = await discovery(app, await sandboxToken());
    expect(refused.status).toBe(401);
    expect(refused.body.issue[0].details.text).toBe('Unauthorized');
    expect(JSON.parse(logs.lines.at(-1)!).authFailure).toBe('replay-full');
    expect((await discovery(app, await otherToken())).status).toBe(200);

    // Visible to the operator: a warning naming the client, a counter and a gauge; readiness stays green.
    const warning = securityLog.lines.map((l) => JSON.parse(l)).find((l) => /replay cache full/.test(l.msg));
    expect(warning).toMatchObject({ level: 40, issuer: 'https://sandbox.cds-hooks.org', replayMaxPerIssuer: CAP });
    const after = (await request(app).get('/metrics')).text;
    expect(metricValue(after, 'cds_auth_failures_total', 'replay-full')).toBe(metricValue(before, 'cds_auth_failures_total', 'replay-full') + 1);
    expect(metricValue(after, 'cds_replay_cache_full_issuers')).toBe(1);
    expect(metricValue(after, 'cds_replay_cache_entries')).toBe(CAP + 1);
    expect((await request(app).get('/readyz')).status).toBe(200);
  });
});

describe('auth failure reasons in the metrics are coarse', () => {
  it('no label value names an issuer or a key id, and every reason is one of a fixed few', async () => {
    const { app } = securedApp(clients());
    const unknownKid = await mint({ key: sandboxKey, aud: DISCOVERY_URL, kid: 'secret-kid-of-someone' });
    const unknownIss = await mint({ key: sandboxKey, aud: DISCOVERY_URL, iss: 'https://probe.example/issuer' });
    const replayed = await sandboxToken();
    await discovery(app, replayed);
    for (const token of [unknownKid, unknownIss, replayed, 'not.a.jwt']) expect((await discovery(app, token)).status).toBe(401);
    const text = (await request(app).get('/metrics')).text;
    const reasons = [...text.matchAll(/^cds_auth_failures_total\{reason="([^"]*)"\}/gm)].map((m) => m[1]);
    expect(reasons).toEqual(expect.arrayContaining(['key', 'issuer', 'replay', 'malformed']));
    for (const reason of reasons) expect(COARSE_REASONS).toContain(reason);
    expect(text).not.toContain('secret-kid-of-someone');
    expect(text).not.toContain('probe.example');
    expect(text).not.toContain('sandbox.cds-hooks.org');
  });
});
