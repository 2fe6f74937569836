import fc from 'fast-check';
import request from 'supertest';
import { expectValidCdsResponse, observation, testApp } from '../helpers';
import { ivDraft, orderRequest, sandboxDraft } from '../order-fixtures';

/**
 * Draft orders come from the EHR's order screen, not from us: whatever a member holds (wrong
 * types, nulls, odd units), the order services answer 200 with valid cards or 400, never 5xx.
 */

const { app } = testApp();
const mg = observation({ code: '19123-9', value: 1.1, unit: 'mg/dL' });
const junk = fc.oneof(fc.constant(null), fc.string({ maxLength: 8 }), fc.integer(), fc.double(), fc.boolean(), fc.constant([]), fc.constant({}), fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }));
const paths: string[][] = [
  ['id'],
  ['status'],
  ['subject'],
  ['subject', 'reference'],
  ['medicationCodeableConcept'],
  ['medicationCodeableConcept', 'text'],
  ['medicationCodeableConcept', 'coding'],
  ['dosageInstruction'],
  ['dosageInstruction', '0'],
  ['dosageInstruction', '0', 'route'],
  ['dosageInstruction', '0', 'timing'],
  ['dosageInstruction', '0', 'timing', 'repeat'],
  ['dosageInstruction', '0', 'timing', 'repeat', 'frequency'],
  ['dosageInstruction', '0', 'timing', 'repeat', 'period'],
  ['dosageInstruction', '0', 'timing', 'repeat', 'periodUnit'],
  ['dosageInstruction', '0', 'timing', 'repeat', 'duration'],
  ['dosageInstruction', '0', 'timing', 'repeat', 'timeOfDay'],
  ['dosageInstruction', '0', 'timing', 'repeat', 'boundsDuration'],
  ['dosageInstruction', '0', 'doseAndRate'],
  ['dosageInstruction', '0', 'doseAndRate', '0', 'doseQuantity'],
  ['dosageInstruction', '0', 'doseAndRate', '0', 'doseQuantity', 'value'],
  ['dosageInstruction', '0', 'doseAndRate', '0', 'doseQuantity', 'code'],
  ['dosageInstruction', '0', 'doseAndRate', '0', 'doseQuantity', 'system'],
  ['dosageInstruction', '0', 'doseAndRate', '0', 'rateQuantity'],
  ['dispenseRequest'],
  ['dispenseRequest', 'expectedSupplyDuration'],
];

function setPath(target: any, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key];
  }
  node[path[path.length - 1]!] = value;
}

test('malformed draft members never give a 5xx, and every 200 passes the response self-check', async () => {
  await fc.assert(
    fc.asyncProperty(fc.boolean(), fc.array(fc.tuple(fc.constantFrom(...paths), junk), { minLength: 1, maxLength: 4 }), async (oral, edits) => {
      const draft = structuredClone(oral ? sandboxDraft() : ivDraft({ grams: 4, hours: 0.25 })) as any;
      for (const [path, value] of edits) setPath(draft, path, value);
      const res = await request(app).post('/cds-services/magnesium-order-sign').send(orderRequest({ observations: [mg], drafts: [draft] }));
      expect([200, 400]).toContain(res.status);
      if (res.status === 200) expectValidCdsResponse(res.body);
    }),
    { numRuns: 150, seed: 20261122 },
  );
});
