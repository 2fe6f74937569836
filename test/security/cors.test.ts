import request from 'supertest';
import { ConfigError, loadConfig } from '../../src/config';
import { testApp } from '../helpers';

/** Issue 13 item 8: allowed origins are configuration, and every answer follows the same policy. */

const SANDBOX_ORIGIN = 'https://sandbox.cds-hooks.org';
const preflight = (app: Parameters<typeof request>[0], path: string, origin: string) =>
  request(app).options(path).set('Origin', origin).set('Access-Control-Request-Method', 'POST').set('Access-Control-Request-Headers', 'authorization,content-type');

describe('CORS_ORIGINS', () => {
  it('development (and test) default to any origin', async () => {
    expect(loadConfig({}).corsOrigins).toBe('*');
    const { app } = testApp();
    const res = await request(app).get('/cds-services').set('Origin', 'https://anywhere.example');
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('production defaults to none: no CORS header on answers, errors or preflights', async () => {
    const env = { NODE_ENV: 'production', CDS_AUTH: 'off' };
    expect(loadConfig(env).corsOrigins).toEqual([]);
    const { app } = testApp({ env });
    const answers = [
      await request(app).get('/cds-services').set('Origin', SANDBOX_ORIGIN),
      await request(app).post('/cds-services/no-such-service').set('Origin', SANDBOX_ORIGIN).send({}),
      await preflight(app, '/cds-services/hypomagnesemia', SANDBOX_ORIGIN),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 404, 204]);
    for (const res of answers) {
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-headers']).toBeUndefined();
    }
  });

  it('a list allows exactly its origins (reflected, Vary: Origin), on answers, errors and preflights', async () => {
    const { app } = testApp({ env: { NODE_ENV: 'production', CDS_AUTH: 'off', CORS_ORIGINS: `${SANDBOX_ORIGIN}, https://ehr.example.org:8443` } });
    const ok = await request(app).get('/cds-services').set('Origin', SANDBOX_ORIGIN);
    expect(ok.headers['access-control-allow-origin']).toBe(SANDBOX_ORIGIN);
    expect(ok.headers.vary).toMatch(/Origin/);
    const error = await request(app).post('/cds-services/hypomagnesemia').set('Origin', 'https://ehr.example.org:8443').send('not json');
    expect(error.status).toBe(400);
    expect(error.headers['access-control-allow-origin']).toBe('https://ehr.example.org:8443');
    const pre = await preflight(app, '/cds-services/hypomagnesemia', SANDBOX_ORIGIN);
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe(SANDBOX_ORIGIN);
    expect(pre.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect(pre.headers['access-control-allow-methods']).toMatch(/POST/);
    const stranger = await preflight(app, '/cds-services/hypomagnesemia', 'https://evil.example');
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
    expect(stranger.headers['access-control-allow-methods']).toBeUndefined();
    expect((await request(app).get('/cds-services').set('Origin', 'https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('health, readiness and metrics never carry CORS headers, even with "*"', async () => {
    const { app } = testApp({ env: { CORS_ORIGINS: '*' } });
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const res = await request(app).get(path).set('Origin', SANDBOX_ORIGIN);
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
    expect((await preflight(app, '/metrics', SANDBOX_ORIGIN)).headers['access-control-allow-origin']).toBeUndefined();
  });

  it.each(['https://sandbox.cds-hooks.org/path', 'sandbox.cds-hooks.org', '*, https://a.example', 'ftp://x.example'])('refuses %s at start-up', (value) => {
    expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(ConfigError);
  });
});
