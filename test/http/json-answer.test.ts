import request from 'supertest';
import { asciiJson } from '../../src/http/json-answer';
import { expectValidCdsResponse, hookRequest, observation, testApp } from '../helpers';

const ASCII_ONLY = /^[\x00-\x7f]*$/;

describe('asciiJson', () => {
  test.each([
    ['card text with ≈ and ≤', { detail: '≈ 19.8 mmol Mg/day; eGFR ≤ 30', n: 1.5 }],
    ['a character outside the BMP (a surrogate pair)', { label: 'magnesium 😀 tablet' }],
    ['a lone surrogate', { text: 'a\ud800b' }],
    ['escapes and quotes JSON already writes', { text: 'line\nnext "quoted" \\ tab\t' }],
    ['Latin-1 letters', { text: 'Œdème, naïve, µmol/L' }],
  ])('%s: ASCII text that parses back to the same value', (_label, value) => {
    const json = asciiJson(value);
    expect(json).toMatch(ASCII_ONLY);
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('hook answers on the wire', () => {
  const { app } = testApp();
  // Mild: the oral dose line carries "≈ 19.8 mmol Mg/day".
  const mild = () => hookRequest({ observations: [observation({ code: '19123-9', value: 1.5, unit: 'mg/dL' })] });

  test('are ASCII bytes with an exact Content-Length, and read back with their non-ASCII text', async () => {
    const res = await request(app)
      .post('/cds-services/hypomagnesemia')
      .send(mild())
      .buffer(true)
      .parse((response, done) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const bytes = res.body as Buffer;
    expect(Number(res.headers['content-length'])).toBe(bytes.length);
    expect(bytes.every((b) => b < 0x80)).toBe(true);
    const answer = expectValidCdsResponse(JSON.parse(bytes.toString('utf8')));
    expect(answer.cards[0]!.detail).toContain('≈');
  });
});
