import { createHmac, createPublicKey, randomUUID } from 'node:crypto';
import request from 'supertest';
import { hookRequest, observation, readJson, ROOT } from '../helpers';
import {
  DISCOVERY_URL,
  EPIC_AUDIENCE,
  EPIC_ISS,
  FEEDBACK_URL,
  jwksServer,
  mint,
  newKeyPair,
  nowSeconds,
  PUBLIC_URL,
  registeredClients,
  SANDBOX_ISS,
  SANDBOX_JKU,
  SANDBOX_KID,
  sandboxPrivateKey,
  securedApp,
  SERVICE_URL,
  type KeyPair,
} from './tokens';
import type { KeyLike } from 'jose';
import { defaultJwksCacheOptions, JwksCache } from '../../src/security/jwks';

const LOW_MG = hookRequest({ observations: [observation({ code: '19123-9', value: 1.1, unit: 'mg/dL' })] });
const FEEDBACK = { feedback: [{ card: randomUUID(), outcome: 'accepted', acceptedSuggestions: [{ id: randomUUID() }], outcomeTimestamp: '2026-11-22T12:01:00Z' }] };

const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

let sandboxKey: KeyLike;
let epicKey: KeyPair;
let epicJwks: Awaited<ReturnType<typeof jwksServer>>;

beforeAll(async () => {
  sandboxKey = await sandboxPrivateKey();
  epicKey = await newKeyPair('RS384');
  epicJwks = await jwksServer([epicKey.publicJwk]);
});
afterAll(async () => {
  await epicJwks.close();
});

function appUnderTest() {
  return securedApp(registeredClients(epicJwks.url));
}

/** The one 401 body: no reason, whatever failed (CH-52). */
function expectBareUnauthorized(res: request.Response) {
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toBe('Bearer');
  expect(res.body).toEqual({
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'login', details: { coding: [{ system: 'urn:magnesium-cds:error', code: 'CDS_UNAUTHORIZED' }], text: 'Unauthorized' } }],
  });
}

describe('accepted client tokens', () => {
  it('accepts a sandbox-style ES384 token minted with the sandbox test key (aud string, listed jku, key configured locally)', async () => {
    const { app, logs } = appUnderTest();
    const token = await mint({ key: sandboxKey, jku: SANDBOX_JKU });
    const res = await request(app).post('/cds-services/hypomagnesemia').set('Authorization', `Bearer ${token}`).send(LOW_MG);
    expect(res.status).toBe(200);
    expect(res.body.cards.length).toBeGreaterThan(0);
    expect(res.body.cards[0].summary).toMatch(/hypomagnesemia/i);
    const line = JSON.parse(logs.lines.at(-1)!);
    expect(line.client).toBe(SANDBOX_ISS);
    expect(logs.text()).not.toContain(token);
  });

  it('accepts the sandbox token on discovery with aud = the discovery URL', async () => {
    const { app } = appUnderTest();
    const token = await mint({ key: sandboxKey, jku: SANDBOX_JKU, aud: DISCOVERY_URL });
    const res = await request(app).get('/cds-services').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body.services.map((s: { id: string }) => s.id)).toContain('hypomagnesemia');
  });

  it('accepts the sandbox token on feedback with aud = the feedback URL', async () => {
    const { app } = appUnderTest();
    const token = await mint({ key: sandboxKey, aud: FEEDBACK_URL });
    const res = await request(app).post('/cds-services/hypomagnesemia/feedback').set('Authorization', `Bearer ${token}`).send(FEEDBACK);
    expect(res.status).toBe(200);
  });

  it('accepts an Epic-style RS384 token: aud as an array with the configured audience, sub and nbf, key from the listed jku', async () => {
    const { app } = appUnderTest();
    const token = await mint({
      key: epicKey.privateKey,
      alg: 'RS384',
      kid: epicKey.kid,
      jku: epicJwks.url,
      iss: EPIC_ISS,
      aud: [EPIC_AUDIENCE],
      iat: nowSeconds(),
      nbf: nowSeconds() - 300,
      exp: nowSeconds() + 300,
      extra: { sub: 'cds-client-id-42' },
    });
    const res = await request(app).post('/cds-services/hypomagnesemia').set('Authorization', `Bearer ${token}`).send(LOW_MG);
    expect(res.status).toBe(200);
    expect(res.body.cards.length).toBeGreaterThan(0);
  });

  it('accepts ES256 and RS256 tokens from a client that uses them', async () => {
    for (const alg of ['ES256', 'RS256'] as const) {
      const pair = await newKeyPair(alg);
      const server = await jwksServer([pair.publicJwk]);
      try {
        const { app } = securedApp([{ iss: 'https://ehr.test', jwks: undefined, jwksUrl: server.url, jku: [], audiences: [], fhirServers: [] }]);
        const token = await mint({ key: pair.privateKey, alg, kid: pair.kid, iss: 'https://ehr.test' });
        const res = await request(app).post('/cds-services/hypomagnesemia').set('Authorization', `Bearer ${token}`).send(LOW_MG);
        expect(res.status).toBe(200);
      } finally {
        await server.close();
      }
    }
  });

  it('caches a fetched key set and refetches it once when a new kid appears (key rotation)', async () => {
    const first = await newKeyPair('RS384');
    const server = await jwksServer([first.publicJwk]);
    try {
      let clock = 0;
      const jwksCache = new JwksCache({ ...defaultJwksCacheOptions, now: () => clock });
      const { app } = securedApp([{ iss: 'https://rotating.test', jwks: undefined, jwksUrl: server.url, jku: [], audiences: [], fhirServers: [] }], {}, { jwksCache });
      const call = async (pair: KeyPair) =>
        request(app)
          .post('/cds-services/hypomagnesemia')
          .set('Authorization', `Bearer ${await mint({ key: pair.privateKey, alg: 'RS384', kid: pair.kid, iss: 'https://rotating.test' })}`)
          .send(LOW_MG);
      expect((await call(first)).status).toBe(200);
      expect((await call(first)).status).toBe(200);
      expect(server.hits()).toBe(1);

      // A new kid right after a download waits for the cooldown (30 s) before the set is fetched again.
      const rotated = await newKeyPair('RS384');
      server.setKeys([first.publicJwk, rotated.publicJwk]);
      expect((await call(rotated)).status).toBe(401);
      expect(server.hits()).toBe(1);
      clock += 31_000;
      expect((await call(rotated)).status).toBe(200);
      expect(server.hits()).toBe(2);

      // Made-up kids within the cooldown do not make the service download again.
      const stranger = await newKeyPair('RS384');
      expect((await call(stranger)).status).toBe(401);
      expect((await call(stranger)).status).toBe(401);
      expect(server.hits()).toBe(2);
      clock += 31_000;
      expect((await call(stranger)).status).toBe(401);
      expect(server.hits()).toBe(3);

      // After the cache age (10 min) the set is fetched again even for a known kid.
      clock += 11 * 60_000;
      expect((await call(first)).status).toBe(200);
      expect(server.hits()).toBe(4);
    } finally {
      await server.close();
    }
  });
});

describe('refused client tokens: 401 without detail', () => {
  const callService = async (authorization: string | undefined) => {
    const { app, logs } = appUnderTest();
    const req = request(app).post('/cds-services/hypomagnesemia');
    if (authorization !== undefined) req.set('Authorization', authorization);
    const res = await req.send(LOW_MG);
    return { res, logLine: JSON.parse(logs.lines.at(-1)!) as Record<string, unknown>, logs };
  };

  it('no Authorization header', async () => {
    const { res, logLine } = await callService(undefined);
    expectBareUnauthorized(res);
    expect(logLine.authFailure).toBe('no-token');
  });

  it('service ids cannot be probed without a token: known and unknown ids answer alike', async () => {
    const { app } = appUnderTest();
    for (const path of ['/cds-services/hypomagnesemia', '/cds-services/no-such-service', '/cds-services/no-such-service/feedback']) {
      expectBareUnauthorized(await request(app).post(path).send(LOW_MG));
      expectBareUnauthorized(await request(app).get(path.replace('/feedback', '')));
    }
  });

  it('a non-Bearer scheme', async () => {
    expectBareUnauthorized((await callService(`Basic ${b64url('user:pass')}`)).res);
  });

  it('alg: none', async () => {
    const token = `${b64url({ alg: 'none', typ: 'JWT', kid: SANDBOX_KID })}.${b64url({ iss: SANDBOX_ISS, aud: SERVICE_URL, iat: nowSeconds(), exp: nowSeconds() + 300, jti: randomUUID() })}.`;
    const { res, logLine } = await callService(`Bearer ${token}`);
    expectBareUnauthorized(res);
    expect(logLine.authFailure).toBe('alg');
  });

  it('HS256 signed with the public key bytes (algorithm confusion)', async () => {
    const jwk = readJson(ROOT, 'config', 'clients', 'sandbox-jwks.json').keys[0];
    const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const signingInput = `${b64url({ alg: 'HS256', typ: 'JWT', kid: SANDBOX_KID })}.${b64url({ iss: SANDBOX_ISS, aud: SERVICE_URL, iat: nowSeconds(), exp: nowSeconds() + 300, jti: randomUUID() })}`;
    const signature = createHmac('sha256', pem).update(signingInput).digest('base64url');
    const { res, logLine } = await callService(`Bearer ${signingInput}.${signature}`);
    expectBareUnauthorized(res);
    expect(logLine.authFailure).toBe('alg');
  });

  it('expired (exp more than the 60 s skew ago)', async () => {
    const token = await mint({ key: sandboxKey, iat: nowSeconds() - 600, exp: nowSeconds() - 120 });
    const { res, logLine } = await callService(`Bearer ${token}`);
    expectBareUnauthorized(res);
    expect(logLine.authFailure).toBe('exp');
  });

  it('within the skew an expired token still passes (exp 30 s ago)', async () => {
    const token = await mint({ key: sandboxKey, iat: nowSeconds() - 330, exp: nowSeconds() - 30 });
    expect((await callService(`Bearer ${token}`)).res.status).toBe(200);
  });

  it('nbf in the future', async () => {
    const token = await mint({ key: sandboxKey, nbf: nowSeconds() + 300 });
    const { res, logLine } = await callService(`Bearer ${token}`);
    expectBareUnauthorized(res);
    expect(logLine.authFailure).toBe('nbf');
  });

  it('iat in the future', async () => {
    const token = await mint({ key: sandboxKey, iat: nowSeconds() + 600, exp: nowSeconds() + 900 });
    const { res, logLine } = await callService(`Bearer ${token}`);
    expectBareUnauthorized(res);
    expect(logLine.authFailure).toBe('iat');
  });

  it('a lifetime longer than an hour', async () => {
    const token = await mint({ key: sandboxKey, exp: nowSeconds() + 2 * 3600 });
    expectBareUnauthorized((await callService(`Bearer ${token}`)).res);
  });

  it('wrong aud: another service of this host', async () => {
    const token = await mint({ key: sandboxKey, aud: `${PUBLIC_URL}/cds-services/other-service` });
    const { res, logLine } = await callService(`Bearer ${token}`);
    expectBareUnauthorized(res);
    expect(logLine.authFailure).toBe('aud');
  });

  it('wrong aud: the discovery URL presented to the service endpoint', async () => {
    const token = await mint({ key: sandboxKey, aud: DISCOVERY_URL });
    expectBareUnauthorized((await callService(`Bearer ${token}`)).res);
  });

  it("wrong aud: the Epic client's audience is not accepted from the sandbox", async () => {
    const token = await mint({ key: sandboxKey, aud: [EPIC_AUDIENCE] });
    expectBareUnauthorized((await callService(`Bearer ${token}`)).res);
  });

  it('unknown iss', async () => {
    const token = await mint({ key: sandboxKey, iss: 'https://someone-else.example' });
    const { res, logLine } = await callService(`Bearer ${token}`);
    expectBareUnauthorized(res);
    expect(logLine.authFailure).toBe('iss');
  });

  it('unknown kid', async () => {
    const token = await mint({ key: sandboxKey, kid: 'not-a-known-kid' });
    const { res, logLine } = await callService(`Bearer ${token}`);
    expectBareUnauthorized(res);
    expect(logLine.authFailure).toBe('unknown-kid');
  });

  it('jku not on the client list (never fetched)', async () => {
    const rogue = await jwksServer([]);
    try {
      const token = await mint({ key: sandboxKey, jku: rogue.url });
      const { res, logLine } = await callService(`Bearer ${token}`);
      expectBareUnauthorized(res);
      expect(logLine.authFailure).toBe('jku');
      expect(rogue.hits()).toBe(0);
    } finally {
      await rogue.close();
    }
  });

  it('a key of another client: the Epic kid named in a sandbox-issued token', async () => {
    const token = await mint({ key: epicKey.privateKey, alg: 'RS384', kid: epicKey.kid });
    expectBareUnauthorized((await callService(`Bearer ${token}`)).res);
  });

  it('a signature by the wrong key under the sandbox kid', async () => {
    const impostor = await newKeyPair('ES384', SANDBOX_KID);
    const token = await mint({ key: impostor.privateKey });
    const { res, logLine } = await callService(`Bearer ${token}`);
    expectBareUnauthorized(res);
    expect(logLine.authFailure).toBe('signature');
  });

  it('missing jti', async () => {
    const token = await mint({ key: sandboxKey, omit: ['jti'] });
    expectBareUnauthorized((await callService(`Bearer ${token}`)).res);
  });

  it('typ other than JWT', async () => {
    const token = await mint({ key: sandboxKey, typ: 'at+jwt' });
    expectBareUnauthorized((await callService(`Bearer ${token}`)).res);
  });

  it('garbage in the header', async () => {
    expectBareUnauthorized((await callService('Bearer not.a.jwt')).res);
    expectBareUnauthorized((await callService(`Bearer ${'x'.repeat(5000)}`)).res);
  });

  it('a replayed jti: the first use passes, the second is refused', async () => {
    const { app, logs } = appUnderTest();
    const token = await mint({ key: sandboxKey });
    const first = await request(app).post('/cds-services/hypomagnesemia').set('Authorization', `Bearer ${token}`).send(LOW_MG);
    expect(first.status).toBe(200);
    const second = await request(app).post('/cds-services/hypomagnesemia').set('Authorization', `Bearer ${token}`).send(LOW_MG);
    expectBareUnauthorized(second);
    expect(JSON.parse(logs.lines.at(-1)!).authFailure).toBe('replay');
  });

  it('discovery and feedback require a token too', async () => {
    const { app } = appUnderTest();
    expectBareUnauthorized(await request(app).get('/cds-services'));
    expectBareUnauthorized(await request(app).post('/cds-services/hypomagnesemia/feedback').send(FEEDBACK));
    const serviceToken = await mint({ key: sandboxKey });
    expectBareUnauthorized(await request(app).post('/cds-services/hypomagnesemia/feedback').set('Authorization', `Bearer ${serviceToken}`).send(FEEDBACK));
  });

  it('health and readiness stay open for the orchestrator', async () => {
    const { app } = appUnderTest();
    expect((await request(app).get('/healthz')).status).toBe(200);
    expect((await request(app).get('/readyz')).status).toBe(200);
  });

  it('CORS preflight is answered without a token (the browser sends none)', async () => {
    const { app } = appUnderTest();
    const res = await request(app)
      .options('/cds-services/hypomagnesemia')
      .set('Origin', 'https://sandbox.cds-hooks.org')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type');
    expect(res.status).toBeLessThan(300);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('the token is not logged when it is refused', async () => {
    const token = await mint({ key: sandboxKey, aud: DISCOVERY_URL });
    const { logs } = await callService(`Bearer ${token}`);
    expect(logs.text()).not.toContain(token);
  });
});
