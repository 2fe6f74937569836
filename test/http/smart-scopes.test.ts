import nock from 'nock';
import request from 'supertest';
import { expectValidCdsResponse, hookRequest, observation, testApp } from '../helpers';

/**
 * docs/integration.md tells EHR teams to grant SMART v1 (`patient/Observation.read`) or v2
 * (`patient/Observation.rs`) scopes: the service reads with whatever token it is given and never
 * refuses a request for the syntax of its `fhirAuthorization.scope`.
 */

const FHIR = 'https://ehr.example.org';
const TOKEN = 'scope-test-token-1';
const lowMg = observation({ code: '19123-9', value: 1.0, unit: 'mg/dL' });

const SCOPES = {
  'SMART v1': 'patient/Patient.read patient/Observation.read patient/Condition.read patient/MedicationRequest.read',
  'SMART v2': 'patient/Patient.r patient/Observation.rs patient/Condition.rs patient/MedicationRequest.rs',
};

describe('fhirAuthorization scopes in either SMART syntax', () => {
  const { app } = testApp();
  afterEach(() => nock.cleanAll());

  test.each(Object.entries(SCOPES))('%s: the missing observations are read with the token and the card comes', async (_name, scope) => {
    const body = hookRequest({ observations: [lowMg] });
    delete body.prefetch.observations;
    body.fhirServer = `${FHIR}/fhir`;
    body.fhirAuthorization = { access_token: TOKEN, token_type: 'Bearer', expires_in: 300, scope, subject: 'magnesium-cds' };
    const ehr = nock(FHIR, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .get('/fhir/Observation')
      .query(true)
      .reply(200, { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: lowMg }] });
    const res = await request(app).post('/cds-services/hypomagnesemia').send(body);
    expect(res.status).toBe(200);
    expect(ehr.isDone()).toBe(true);
    expect(expectValidCdsResponse(res.body).cards[0]?.summary).toMatch(/^Severe hypomagnesemia: Mg 1\.0 mg\/dL/);
  });
});
