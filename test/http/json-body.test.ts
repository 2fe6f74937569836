import { request as httpRequest, type Server } from 'node:http';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import express, { type ErrorRequestHandler } from 'express';
import request from 'supertest';
import { CdsError } from '../../src/cds/errors';
import { jsonBody } from '../../src/http/json-body';
import { hookRequest, listenOnLoopback, observation, testApp } from '../helpers';

/**
 * The JSON body reader (src/http/json-body.ts): plain UTF-8 bodies are read from their raw
 * chunks and decoded once; compressed bodies and other charsets go to express.json(). Both paths
 * must give the same results, so these tests run through both.
 */

const LIMIT = 4096;
let server: Server;
let port = 0;
let close: () => Promise<void>;
/** The last error the echo app's error handler saw. */
let lastError: { code?: string } | undefined;

beforeAll(async () => {
  const app = express();
  app.post('/echo', jsonBody(LIMIT), (req, res) => {
    res.json({ parsed: req.body !== undefined, body: req.body ?? null });
  });
  const errors: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
    const e = error as { status?: number; code?: string; type?: string; fields?: string[] };
    lastError = { code: error instanceof CdsError ? e.code : e.type };
    res.status(e.status ?? 500).json({ code: error instanceof CdsError ? e.code : e.type, fields: e.fields ?? [] });
  };
  app.use(errors);
  ({ server, port, close } = await listenOnLoopback(app));
});
afterAll(() => close());

/** POSTs the parts as separate chunked writes, a pause between them; resolves with status and JSON. */
function postInParts(parts: Buffer[], headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ port, host: '127.0.0.1', path: '/echo', method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += String(c)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    const writeNext = (i: number) => {
      if (i === parts.length) return req.end();
      req.write(parts[i]);
      setTimeout(() => writeNext(i + 1), 15);
    };
    writeNext(0);
  });
}

// Which reader took a body shows in its 413: the service's own error (a CdsError) from this
// reader, body-parser's `entity.too.large` from express.json().
const overLimit = () => [Buffer.from(`{"pad":"${'z'.repeat(LIMIT)}"}`)];

describe('plain UTF-8 bodies', () => {
  test('a character split between two chunks is decoded whole', async () => {
    const bytes = Buffer.from(JSON.stringify({ text: 'Mg ≤ 1.2 mg/dL, hypomagnésémie' }));
    const cut = bytes.indexOf(Buffer.from('≤')) + 1; // inside the three bytes of "≤"
    const res = await postInParts([bytes.subarray(0, cut), bytes.subarray(cut)]);
    expect(res.status).toBe(200);
    expect(res.body.body).toEqual({ text: 'Mg ≤ 1.2 mg/dL, hypomagnésémie' });
  });

  test('a leading byte order mark is dropped, as express.json() does', async () => {
    const res = await postInParts([Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')])]);
    expect(res.status).toBe(200);
    expect(res.body.body).toEqual({ a: 1 });
  });

  test('malformed UTF-8 becomes U+FFFD rather than an error', async () => {
    const res = await postInParts([Buffer.from('{"a":"'), Buffer.from([0xff]), Buffer.from('"}')]);
    expect(res.status).toBe(200);
    expect(res.body.body).toEqual({ a: '\ufffd' });
  });

  test('an empty body is {}; no body at all leaves req.body unset', async () => {
    const empty = await request(server).post('/echo').set('content-type', 'application/json').set('content-length', '0');
    expect(empty.body).toEqual({ parsed: true, body: {} });
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (c) => (text += String(c)));
      socket.on('error', reject);
      socket.on('close', () => resolve(text));
      socket.write('POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    });
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({ parsed: false, body: null });
  });

  test('any JSON value is parsed (the route decides what it accepts), whatever the declared type', async () => {
    const res = await request(server).post('/echo').set('content-type', 'text/plain').send('[1,"two"]');
    expect(res.body.body).toEqual([1, 'two']);
  });

  test('text that is not JSON is the catalogue 400 naming the body', async () => {
    const res = await postInParts([Buffer.from('{"hook": "patient-view",')]);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ code: 'CDS_INVALID_REQUEST', fields: ['(body)'] });
  });

  test('a chunked body (no Content-Length) over the limit is read off and answered 413', async () => {
    const part = Buffer.from('x'.repeat(1500));
    const res = await postInParts([Buffer.from('{"pad":"'), part, part, part, Buffer.from('"}')]);
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('CDS_BODY_TOO_LARGE');
  });

  test('a client that leaves mid-body ends the read with the catalogue 400 (nobody reads it), and the next call is served', async () => {
    lastError = undefined;
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', reject);
      socket.write('POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"hook":', () => {
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 20);
      });
    });
    for (let i = 0; i < 50 && lastError === undefined; i++) await new Promise((r) => setTimeout(r, 10));
    expect(lastError).toEqual({ code: 'CDS_INVALID_REQUEST' });
    const next = await postInParts([Buffer.from('{"after":true}')]);
    expect(next.body.body).toEqual({ after: true });
  });

  test('a body exactly at the limit is parsed', async () => {
    const body = `{"pad":"${'y'.repeat(LIMIT - 10)}"}`;
    expect(Buffer.byteLength(body)).toBe(LIMIT);
    const res = await postInParts([Buffer.from(body)]);
    expect(res.status).toBe(200);
    expect(res.body.body.pad).toHaveLength(LIMIT - 10);
  });

  test('charset=utf-8 in any case and quoted is the plain path too', async () => {
    for (const type of ['application/json; charset=UTF-8', 'application/json;charset="utf-8"', 'text/plain']) {
      const res = await postInParts([Buffer.from('{"ok":true}')], { 'content-type': type });
      expect(res.body.body).toEqual({ ok: true });
      const big = await postInParts(overLimit(), { 'content-type': type });
      expect(big.body.code).toBe('CDS_BODY_TOO_LARGE');
    }
  });
});

describe('bodies express.json() reads', () => {
  test('a gzip-compressed body is inflated and parsed', async () => {
    const res = await postInParts([gzipSync(Buffer.from('{"zipped":"≈ 1 g"}'))], { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.body.body).toEqual({ zipped: '≈ 1 g' });
  });

  test('compressed bodies and other charsets are read by express.json(), with its limit', async () => {
    const zipped = await postInParts([gzipSync(overLimit()[0]!)], { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(zipped.status).toBe(413);
    expect(zipped.body.code).toBe('entity.too.large');
    const utf16 = await postInParts([Buffer.from(overLimit()[0]!.toString('utf8'), 'utf16le')], { 'content-type': 'application/json; charset=utf-16le' });
    expect(utf16.status).toBe(413);
    expect(utf16.body.code).toBe('entity.too.large');
  });

  test('a charset JSON cannot be in is refused with 415', async () => {
    const res = await postInParts([Buffer.from('{"a":1}')], { 'content-type': 'application/json; charset=iso-8859-1' });
    expect(res.status).toBe(415);
  });
});

describe('through the service', () => {
  const { app } = testApp({ env: { BODY_LIMIT_BYTES: String(64 * 1024) } });
  const low = () => Buffer.from(JSON.stringify(hookRequest({ observations: [observation({ code: '19123-9', value: 1.1, unit: 'mg/dL' })] })));
  // Bytes as they are (a JSON content type would make supertest serialise the Buffer); the
  // service parses every body as JSON whatever its declared type.
  const post = (bytes: Buffer, type: string, headers: Record<string, string> = {}) =>
    request(app).post('/cds-services/hypomagnesemia').set(headers).type(type).send(bytes);

  test('a hook request with a byte order mark is answered with cards', async () => {
    const res = await post(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), low()]), 'application/octet-stream');
    expect(res.status).toBe(200);
    expect(res.body.cards.length).toBeGreaterThan(0);
  });

  test('a gzip-compressed hook request is answered with the same cards', async () => {
    const plain = await post(low(), 'application/octet-stream');
    const zipped = await post(gzipSync(low()), 'application/octet-stream', { 'content-encoding': 'gzip' });
    expect(zipped.status).toBe(200);
    expect(zipped.body.cards.map((c: { summary: string }) => c.summary)).toEqual(plain.body.cards.map((c: { summary: string }) => c.summary));
    expect(zipped.body.cards.length).toBeGreaterThan(0);
  });

  test('a UTF-16 body declared as such is read as before (express.json() decodes it)', async () => {
    const res = await post(Buffer.from(low().toString('utf8'), 'utf16le'), 'text/plain; charset=utf-16le');
    expect(res.status).toBe(200);
    expect(res.body.cards.length).toBeGreaterThan(0);
  });

  test('a charset JSON cannot be in is an OperationOutcome 415', async () => {
    const res = await post(low(), 'text/plain; charset=iso-8859-1');
    expect(res.status).toBe(415);
    expect(res.body.issue[0].details.coding[0].code).toBe('CDS_UNSUPPORTED_MEDIA_TYPE');
  });

  test('a body that is not JSON is an OperationOutcome 400 naming the body', async () => {
    const res = await request(app).post('/cds-services/hypomagnesemia').set('content-type', 'application/json').send('{"hook":');
    expect(res.status).toBe(400);
    expect(res.body.issue[0].details.coding[0].code).toBe('CDS_INVALID_REQUEST');
    expect(res.body.issue[0].details.text).toBe('Request body is not valid JSON.');
    expect(res.body.issue[0].expression).toEqual(['(body)']);
  });
});
