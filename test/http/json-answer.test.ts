import request from 'supertest';
import { expectValidCdsResponse, hookRequest, observation, testApp } from '../helpers';

describe('hook answers on the wire', () => {
  const { app } = testApp();
  // Mild: the oral dose line carries "≈ 19.8 mmol Mg/day" (three bytes in UTF-8).
  const mild = () => hookRequest({ observations: [observation({ code: '19123-9', value: 1.5, unit: 'mg/dL' })] });
  const rawBody = (response: request.Response, done: (error: Error | null, body: Buffer) => void) => {
    const chunks: Buffer[] = [];
    const stream = response as unknown as NodeJS.ReadableStream;
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => done(null, Buffer.concat(chunks)));
  };

  test('are UTF-8 JSON whose Content-Length counts bytes, multi-byte card text included', async () => {
    const res = await request(app).post('/cds-services/hypomagnesemia').send(mild()).buffer(true).parse(rawBody);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const bytes = res.body as Buffer;
    expect(Number(res.headers['content-length'])).toBe(bytes.length);
    const text = bytes.toString('utf8');
    expect(bytes.length).toBeGreaterThan(text.length); // the answer does hold multi-byte characters
    const answer = expectValidCdsResponse(JSON.parse(text));
    expect(answer.cards[0]!.detail).toContain('≈');
  });

  test('an answer with no cards is exactly {"cards":[]}', async () => {
    const res = await request(app).post('/cds-services/hypomagnesemia').send(hookRequest({ observations: [observation({ code: '19123-9', value: 2.0, unit: 'mg/dL' })] }));
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('12');
    expect(res.text).toBe('{"cards":[]}');
  });
});
