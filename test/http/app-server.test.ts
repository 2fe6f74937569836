import { IncomingMessage, ServerResponse, type Server } from 'node:http';
import type { Express } from 'express';
import request from 'supertest';
import { createAppServer } from '../../src/http/app-server';
import { expectValidCdsResponse, hookRequest, observation, testApp } from '../helpers';

/** What a request and its response were, as the server handed them over, before express saw them. */
function watchArrivals(server: Server) {
  const seen: Array<{ req: object | null; res: object | null }> = [];
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => seen.push({ req: Object.getPrototypeOf(req), res: Object.getPrototypeOf(res) }));
  return seen;
}

describe('the HTTP server the service runs on', () => {
  let app: Express;
  let server: Server;
  beforeEach(() => {
    app = testApp().app;
    server = createAppServer(app);
  });
  afterEach(() => new Promise<void>((done) => (server.listening ? server.close(() => done()) : done())));

  test("creates requests and responses with the app's prototypes, so express has no prototype to swap", async () => {
    const seen = watchArrivals(server);
    await request(server).get('/cds-services').expect(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.req).toBe(app.request);
    expect(seen[0]!.res).toBe(app.response);
  });

  test('requests and responses are still node:http ones carrying express methods and req.app', async () => {
    let checked: Record<string, boolean> = {};
    server.prependListener('request', (req: IncomingMessage & { get?: unknown; app?: unknown }, res: ServerResponse & { json?: unknown }) => {
      checked = { incoming: req instanceof IncomingMessage, response: res instanceof ServerResponse, get: typeof req.get === 'function', json: typeof res.json === 'function', app: req.app === app };
    });
    await request(server).get('/cds-services').expect(200);
    expect(checked).toEqual({ incoming: true, response: true, get: true, json: true, app: true });
  });

  test('serves hook calls, discovery, spec-shaped 400s and 404s as the app does', async () => {
    const mild = hookRequest({ observations: [observation({ code: '19123-9', value: 1.5, unit: 'mg/dL' })] });
    const hook = await request(server).post('/cds-services/hypomagnesemia').send(mild);
    expect(hook.status).toBe(200);
    expect(expectValidCdsResponse(hook.body).cards[0]!.summary).toMatch(/^Mild hypomagnesemia/);

    const discovery = await request(server).get('/cds-services');
    expect(discovery.body.services.map((s: { id: string }) => s.id)).toContain('hypomagnesemia');

    const bad = await request(server).post('/cds-services/hypomagnesemia').send({ ...mild, hook: 42 });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('hook');

    expect((await request(server).get('/no-such-path')).status).toBe(404);
  });

  test('each app keeps its own prototypes: two apps on two servers see their own req.app', async () => {
    const other = testApp().app;
    const otherServer = createAppServer(other);
    const apps: unknown[] = [];
    for (const s of [server, otherServer]) s.prependListener('request', (req: IncomingMessage & { app?: unknown }) => apps.push(req.app));
    try {
      await request(server).get('/cds-services').expect(200);
      await request(otherServer).get('/cds-services').expect(200);
    } finally {
      if (otherServer.listening) await new Promise((done) => otherServer.close(done));
    }
    expect(apps[0]).toBe(app);
    expect(apps[1]).toBe(other);
  });
});
