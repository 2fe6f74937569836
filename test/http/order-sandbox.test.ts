import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { SignJWT, type KeyLike } from 'jose';
import request from 'supertest';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logging';
import { createSecurity } from '../../src/security';
import { loadClients } from '../../src/security/clients';
import { expectValidCdsResponse, observation, testApp } from '../helpers';
import { sandboxDraft } from '../order-fixtures';
import { DEVELOPMENT_PROFILE, sandboxPrivateKey } from '../security/tokens';

/**
 * Replays the CDS Hooks sandbox's Rx View (order-select) and Rx Sign (order-sign) calls
 * (sandbox-client.md §5) with client authentication on (development profile, the sandbox's ES384
 * token with its published test key, aud = the URL called): the first Rx View call with a draft
 * that has no medication yet, then the call after picking "Magnesium Oxide 400 MG Oral Capsule",
 * 1, twice daily; Rx Sign sends the same body without `selections`.
 */

const ORIGIN = 'https://sandbox.cds-hooks.org';
const PATIENT_ID = 'mg-normal';
let privateKey: KeyLike;
let base = '';
let app: Express;
const service: Server = createServer((req, res) => app(req, res));

async function sandboxToken(aud: string): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES384', typ: 'JWT', kid: '44823f3d-0b01-4a6c-a80e-b9d3e8a7226f', jku: 'https://sandbox.cds-hooks.org/.well-known/jwks.json' })
    .setIssuer('https://sandbox.cds-hooks.org')
    .setAudience(aud)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 300)
    .setJti(randomUUID())
    .sign(privateKey);
}

beforeAll(async () => {
  privateKey = await sandboxPrivateKey();
  base = await new Promise<string>((resolve) => service.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(service.address() as AddressInfo).port}`)));
  const env = { NODE_ENV: 'development', CDS_AUTH: 'required', CDS_CLIENTS_FILE: DEVELOPMENT_PROFILE, CDS_PUBLIC_URL: base };
  const clients = loadClients(DEVELOPMENT_PROFILE, { production: false });
  ({ app } = testApp({ env, ...createSecurity(loadConfig(env), createLogger('silent'), { clients }) }));
});
afterAll(async () => {
  await new Promise((resolve) => service.close(resolve));
});

function prefetch(mgValue: number) {
  const observations = [observation({ code: '19123-9', value: mgValue, unit: 'mg/dL', hoursAgo: 3, patientId: PATIENT_ID, id: 'mg-1' })];
  return {
    patient: { resourceType: 'Patient', id: PATIENT_ID, gender: 'female', birthDate: '1961-04-02' },
    observations: { resourceType: 'Bundle', type: 'searchset', total: 1, entry: observations.map((resource) => ({ search: { mode: 'match' }, resource })) },
    conditions: { resourceType: 'Bundle', type: 'searchset', total: 0 },
    medications: { resourceType: 'Bundle', type: 'searchset', total: 0 },
  };
}

/** The body as the sandbox sends it: its member order, Bundle without `type`, no encounterId. */
function body(hook: 'order-select' | 'order-sign', draft: Record<string, unknown>, mgValue: number) {
  return {
    hookInstance: randomUUID(),
    hook,
    fhirServer: 'http://127.0.0.1:9/fhir',
    context: {
      patientId: PATIENT_ID,
      userId: 'Practitioner/COREPRACTITIONER1',
      ...(hook === 'order-select' ? { selections: ['MedicationRequest/request-123'] } : {}),
      draftOrders: { resourceType: 'Bundle', entry: [{ resource: draft }] },
    },
    prefetch: prefetch(mgValue),
  };
}

async function call(id: string, payload: unknown) {
  const url = `${base}/cds-services/${id}`;
  return request(base)
    .post(`/cds-services/${id}`)
    .set('Accept', 'application/json')
    .set('Content-Type', 'application/json')
    .set('Authorization', `Bearer ${await sandboxToken(url)}`)
    .set('Origin', ORIGIN)
    .send(JSON.stringify(payload));
}

describe('CDS Hooks sandbox Rx View and Rx Sign, replayed', () => {
  test('Rx View first call: a draft with no medication yet gets {"cards": []}', async () => {
    const empty = { resourceType: 'MedicationRequest', id: 'request-123', status: 'draft', subject: { reference: `Patient/${PATIENT_ID}` }, authoredOn: '2026-12-02' };
    const res = await call('magnesium-order-select', body('order-select', empty, 2.2));
    expect(res.status).toBe(200);
    expect(expectValidCdsResponse(res.body)).toEqual({ cards: [] });
  });

  test('Rx View after picking MgO 400 mg capsule, 1 twice daily, with a normal magnesium: confirm the indication', async () => {
    const res = await call('magnesium-order-select', body('order-select', sandboxDraft({ patientId: PATIENT_ID }), 2.2));
    expect(res.status).toBe(200);
    const cards = expectValidCdsResponse(res.body).cards;
    expect(cards).toHaveLength(1);
    expect(cards[0]).toMatchObject({ indicator: 'info' });
    expect(cards[0]!.summary).toMatch(/normal: confirm the indication/);
    expect(cards[0]!.detail).toContain('MedicationRequest/request-123');
    expect(cards[0]!.suggestions![0]!.actions).toEqual([{ type: 'delete', description: expect.any(String), resourceId: 'MedicationRequest/request-123' }]);
  });

  test('Rx View with 3 capsules three times daily (≈ 89 mmol/day) and mild hypomagnesemia: above the usual range, update to twice daily', async () => {
    const res = await call('magnesium-order-select', body('order-select', sandboxDraft({ patientId: PATIENT_ID, pills: 3, frequency: 3 }), 1.6));
    const cards = expectValidCdsResponse(res.body).cards;
    expect(cards.map((c) => c.summary)).toEqual([expect.stringMatching(/above the usual range/)]);
    const update = cards[0]!.suggestions![0]!.actions![0]! as any;
    expect(update.type).toBe('update');
    expect(update.resource.id).toBe('request-123');
    expect(update.resource.dosageInstruction[0].doseAndRate[0].doseQuantity).toEqual({ value: 1, system: 'http://unitsofmeasure.org', code: '{pill}' });
    expect(update.resource.dosageInstruction[0].timing.repeat).toMatchObject({ frequency: 2, period: 1, periodUnit: 'd' });
    // The sandbox's non-R4 members (category as an object) come back as sent.
    expect(update.resource.category).toEqual({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/medicationrequest-category', code: 'community' }] });
  });

  test('Rx Sign: the same body without selections, severe magnesium: critical, with an IV level dose to create', async () => {
    const res = await call('magnesium-order-sign', body('order-sign', sandboxDraft({ patientId: PATIENT_ID }), 1.0));
    expect(res.status).toBe(200);
    const cards = expectValidCdsResponse(res.body).cards;
    const severe = cards.find((c) => /IV replacement is recommended/.test(c.summary))!;
    expect(severe.indicator).toBe('critical');
    const creates = severe.suggestions![0]!.actions!;
    expect(creates.map((a) => [a.type, a.resource?.resourceType])).toEqual([
      ['create', 'MedicationRequest'],
      ['create', 'ServiceRequest'],
    ]);
    const iv = creates[0]!.resource as any;
    expect(iv.dosageInstruction[0].doseAndRate[0]).toEqual({
      doseQuantity: expect.objectContaining({ value: 4, code: 'g' }),
      rateQuantity: expect.objectContaining({ value: 1, code: 'g/h' }),
    });
  });

  test('without a token the order services refuse the call (401)', async () => {
    const res = await request(base).post('/cds-services/magnesium-order-sign').send(body('order-sign', sandboxDraft(), 1.0));
    expect(res.status).toBe(401);
  });
});
