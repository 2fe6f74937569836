import request from 'supertest';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logging';
import { createMetrics } from '../../src/observability/metrics';
import { createMetricsApp } from '../../src/observability/metrics-endpoint';
import { logSink, testApp } from '../helpers';

/** Issue 13 item 7: /metrics is not public in production; a token or a separate port exposes it. */

const TOKEN = 'metrics-token-0123456789';
const PRODUCTION = { NODE_ENV: 'production', CDS_AUTH: 'off' };

describe('/metrics exposure', () => {
  it('production without METRICS_PORT or METRICS_TOKEN: not on the public port', async () => {
    const { app } = testApp({ env: PRODUCTION });
    expect((await request(app).get('/metrics')).status).toBe(404);
    expect(loadConfig(PRODUCTION).metrics).toEqual({ port: undefined, token: undefined, onPublicPort: false });
  });

  it('METRICS_TOKEN: the public port serves metrics only with the bearer token', async () => {
    const { app } = testApp({ env: { ...PRODUCTION, METRICS_TOKEN: TOKEN } });
    const anonymous = await request(app).get('/metrics').set('Origin', 'https://sandbox.cds-hooks.org');
    expect(anonymous.status).toBe(401);
    expect(anonymous.text).not.toContain('cds_');
    expect(anonymous.headers['access-control-allow-origin']).toBeUndefined();
    expect((await request(app).get('/metrics').set('Authorization', 'Bearer wrong-token-0123456789')).status).toBe(401);
    const scraped = await request(app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`);
    expect(scraped.status).toBe(200);
    expect(scraped.text).toContain('cds_auth_failures_total');
  });

  it('METRICS_PORT: metrics leave the public port for their own listener (token optional there)', async () => {
    const env = { ...PRODUCTION, METRICS_PORT: '9464', METRICS_TOKEN: TOKEN };
    const { app } = testApp({ env });
    expect((await request(app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).status).toBe(404);
    const config = loadConfig(env);
    expect(config.metrics).toEqual({ port: 9464, token: TOKEN, onPublicPort: false });
    const metricsApp = createMetricsApp(config, createMetrics({ defaultMetrics: false }), createLogger('info', logSink().stream));
    expect((await request(metricsApp).get('/metrics')).status).toBe(401);
    const scraped = await request(metricsApp).get('/metrics').set('Authorization', `Bearer ${TOKEN}`);
    expect(scraped.status).toBe(200);
    expect(scraped.headers['access-control-allow-origin']).toBeUndefined();
    expect((await request(metricsApp).get('/cds-services')).status).toBe(404);
    const open = createMetricsApp(loadConfig({ ...PRODUCTION, METRICS_PORT: '9464' }), createMetrics({ defaultMetrics: false }), createLogger('info', logSink().stream));
    expect((await request(open).get('/metrics')).status).toBe(200);
  });

  it('refuses METRICS_PORT equal to PORT and a short METRICS_TOKEN', () => {
    expect(() => loadConfig({ PORT: '3000', METRICS_PORT: '3000' })).toThrow(/METRICS_PORT/);
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
  });
});
