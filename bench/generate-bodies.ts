import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, BundleEntry, Condition, MedicationRequest, Observation, Patient, Resource } from 'fhir/r4';

/**
 * Deterministic patient-view request bodies for the benchmark, shaped like what an EHR sends:
 * Observations as an interface engine emits them (identifiers, category, local + LOINC codings,
 * performer, interpretation, reference range, specimen), a few problem-list Conditions and active
 * MedicationRequests. The same seed and `now` always give the same bytes; only the size varies.
 *
 * Beside that shape ("ehr"), two others the service did not grow up with:
 * - "lean": many small resources, as a FHIR server's search returns them: Observations with only
 *   code, subject, time and value spread over two years, plus tens of Conditions and
 *   MedicationRequests (active and on hold, as the prefetch queries ask), so the resource count, not the bytes, is large;
 * - "order-sign": the ehr prefetch plus `context.draftOrders` with a magnesium sulfate draft,
 *   POSTed to magnesium-order-sign.
 *
 * Run directly to write the bodies to bench/.cache/bodies/ for inspection:
 *   node dist/bench/generate-bodies.js [outDir]
 */

export const PATIENT_ID = 'bench-patient-0001';

export type BodyShape = 'ehr' | 'lean' | 'order-sign';

export interface BodySpec {
  /** Label in reports, e.g. "54 KB" or "54 KB lean". */
  label: string;
  /** Approximate size of the serialised request in bytes. */
  targetBytes: number;
  shape: BodyShape;
  /** Lean shape only: how many Conditions and how many MedicationRequests. */
  clinicalCount?: number;
}

export const PATIENT_VIEW_PATH = '/cds-services/hypomagnesemia';
export const ORDER_SIGN_PATH = '/cds-services/magnesium-order-sign';

export const BODY_SPECS: readonly BodySpec[] = [
  { label: '5 KB', targetBytes: 5 * 1024, shape: 'ehr' },
  { label: '54 KB', targetBytes: 54 * 1024, shape: 'ehr' },
  { label: '500 KB', targetBytes: 500 * 1024, shape: 'ehr' },
  { label: '54 KB lean', targetBytes: 54 * 1024, shape: 'lean', clinicalCount: 12 },
  { label: '250 KB lean', targetBytes: 250 * 1024, shape: 'lean', clinicalCount: 60 },
  { label: '54 KB order-sign', targetBytes: 54 * 1024, shape: 'order-sign' },
];

export interface GeneratedBody {
  label: string;
  shape: BodyShape;
  /** Service path the body is POSTed to. */
  hookPath: string;
  /** The hook request as sent (compact JSON). */
  json: string;
  bytes: number;
  counts: { observations: number; conditions: number; medicationRequests: number };
  /** The prefetch values, for the loopback FHIR server that answers the prefetch-missing path. */
  prefetch: Record<string, Resource>;
}

/** mulberry32: a small seeded PRNG, so bodies are identical across runs and machines. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface LabDefinition {
  loinc: string;
  display: string;
  localCode: string;
  unit: string;
  low?: number;
  high?: number;
  decimals: number;
  /** Value in the newest draw: low magnesium and potassium so the service issues its cards. */
  latest: number;
}

/** One basic metabolic draw: magnesium, potassium, calcium, creatinine and eGFR. */
const PANEL: readonly LabDefinition[] = [
  { loinc: '19123-9', display: 'Magnesium [Mass/volume] in Serum or Plasma', localCode: 'MG', unit: 'mg/dL', low: 1.7, high: 2.2, decimals: 1, latest: 1.4 },
  { loinc: '2823-3', display: 'Potassium [Moles/volume] in Serum or Plasma', localCode: 'K', unit: 'mmol/L', low: 3.5, high: 5.1, decimals: 1, latest: 3.3 },
  { loinc: '17861-6', display: 'Calcium [Mass/volume] in Serum or Plasma', localCode: 'CA', unit: 'mg/dL', low: 8.6, high: 10.3, decimals: 1, latest: 8.8 },
  { loinc: '2160-0', display: 'Creatinine [Mass/volume] in Serum or Plasma', localCode: 'CREAT', unit: 'mg/dL', low: 0.6, high: 1.2, decimals: 2, latest: 1.05 },
  { loinc: '98979-8', display: 'Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, Plasma or Blood by Creatinine-based formula (CKD-EPI 2021)', localCode: 'EGFR', unit: 'mL/min/{1.73_m2}', low: 60, decimals: 0, latest: 68 },
];

const EHR = 'https://ehr.example.org/fhir';
const LOCAL_LAB_SYSTEM = 'urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.7';
const ORDER_ID_SYSTEM = 'urn:oid:1.2.840.114350.1.13.0.1.7.2.798268';
const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

function interpretationOf(lab: LabDefinition, value: number): Observation['interpretation'] {
  const [code, display] = lab.low !== undefined && value < lab.low ? ['L', 'Low'] : lab.high !== undefined && value > lab.high ? ['H', 'High'] : ['N', 'Normal'];
  return [{ coding: [{ system: INTERPRETATION, code, display }], text: display }];
}

function observation(lab: LabDefinition, value: number, effective: Date, draw: number, random: () => number): Observation {
  const id = `obs-${lab.localCode.toLowerCase()}-${draw}`;
  const issued = new Date(effective.getTime() + (40 + Math.floor(random() * 50)) * 60_000);
  const ucum = { unit: lab.unit, system: 'http://unitsofmeasure.org', code: lab.unit };
  const range = lab.high !== undefined ? `${lab.low}-${lab.high} ${lab.unit}` : `>=${lab.low} ${lab.unit}`;
  const obs: Observation = {
    resourceType: 'Observation',
    id,
    meta: {
      versionId: '1',
      lastUpdated: issued.toISOString(),
      source: '#lab-interface-07',
      profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-observation-lab'],
    },
    identifier: [
      { use: 'official', system: ORDER_ID_SYSTEM, value: `LAB${String(draw * 7919 + lab.localCode.length).padStart(10, '0')}` },
    ],
    basedOn: [{ reference: `ServiceRequest/sr-bmp-${draw}`, display: 'Basic metabolic panel with magnesium' }],
    status: 'final',
    category: [
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory', display: 'Laboratory' }],
        text: 'Laboratory',
      },
    ],
    code: {
      coding: [
        { system: 'http://loinc.org', code: lab.loinc, display: lab.display },
        { system: LOCAL_LAB_SYSTEM, code: `LAB-${lab.localCode}`, display: `${lab.localCode}, SERUM` },
      ],
      text: lab.display,
    },
    subject: { reference: `Patient/${PATIENT_ID}`, display: 'Benchmark, Patricia' },
    encounter: { reference: `Encounter/enc-${Math.floor(draw / 6)}`, display: 'Inpatient admission' },
    effectiveDateTime: effective.toISOString(),
    issued: issued.toISOString(),
    performer: [
      { reference: 'Organization/org-central-lab', display: 'Central Laboratory' },
      { reference: `Practitioner/prac-lab-${draw % 5}`, display: 'Laboratory Director' },
    ],
    valueQuantity: { value, ...ucum },
    interpretation: interpretationOf(lab, value),
    specimen: { reference: `Specimen/spec-${draw}`, display: 'Blood, venous' },
    referenceRange: [
      {
        ...(lab.low !== undefined ? { low: { value: lab.low, ...ucum } } : {}),
        ...(lab.high !== undefined ? { high: { value: lab.high, ...ucum } } : {}),
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/referencerange-meaning', code: 'normal', display: 'Normal Range' }] },
        text: range,
      },
    ],
  };
  if (draw % 4 === 3) obs.note = [{ text: 'Specimen slightly hemolyzed; interpret potassium with caution.' }];
  return obs;
}

function condition(id: string, snomed: string, icd10: string, text: string, onset: string): Condition {
  return {
    resourceType: 'Condition',
    id,
    meta: { versionId: '3', lastUpdated: '2025-06-01T08:00:00Z' },
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active', display: 'Active' }] },
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed', display: 'Confirmed' }] },
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item', display: 'Problem List Item' }] }],
    code: {
      coding: [
        { system: 'http://snomed.info/sct', code: snomed, display: text },
        { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: icd10, display: text },
      ],
      text,
    },
    subject: { reference: `Patient/${PATIENT_ID}` },
    onsetDateTime: onset,
    recordedDate: onset,
  };
}

function medicationRequest(id: string, rxnorm: string, text: string, dose: string, authoredOn: string): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id,
    meta: { versionId: '2', lastUpdated: authoredOn },
    status: 'active',
    intent: 'order',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/medicationrequest-category', code: 'outpatient', display: 'Outpatient' }] }],
    medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: rxnorm, display: text }], text },
    subject: { reference: `Patient/${PATIENT_ID}` },
    authoredOn,
    requester: { reference: 'Practitioner/prac-attending-1', display: 'Attending Physician' },
    dosageInstruction: [
      {
        text: dose,
        timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } },
        route: { coding: [{ system: 'http://snomed.info/sct', code: '26643006', display: 'Oral route' }], text: 'oral' },
      },
    ],
  };
}

const CONDITIONS: readonly Condition[] = [
  condition('cond-htn', '38341003', 'I10', 'Essential hypertension', '2018-03-14'),
  condition('cond-t2dm', '44054006', 'E11.9', 'Type 2 diabetes mellitus', '2016-09-02'),
  condition('cond-gerd', '235595009', 'K21.9', 'Gastroesophageal reflux disease', '2020-01-20'),
  condition('cond-hf', '84114007', 'I50.9', 'Heart failure', '2022-11-05'),
];

const MEDICATIONS: readonly MedicationRequest[] = [
  medicationRequest('medrx-omeprazole', '7646', 'omeprazole 20 MG Delayed Release Oral Capsule', '20 mg by mouth once daily', '2024-02-01'),
  medicationRequest('medrx-furosemide', '4603', 'furosemide 40 MG Oral Tablet', '40 mg by mouth once daily', '2024-05-10'),
  medicationRequest('medrx-lisinopril', '29046', 'lisinopril 10 MG Oral Tablet', '10 mg by mouth once daily', '2023-08-22'),
  medicationRequest('medrx-metformin', '6809', 'metformin hydrochloride 500 MG Oral Tablet', '500 mg by mouth twice daily', '2021-04-17'),
];

const PATIENT: Patient = {
  resourceType: 'Patient',
  id: PATIENT_ID,
  meta: { versionId: '12', lastUpdated: '2025-10-01T09:30:00Z' },
  identifier: [{ use: 'usual', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] }, system: 'urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.0', value: 'E40001' }],
  active: true,
  name: [{ use: 'official', family: 'Benchmark', given: ['Patricia'] }],
  gender: 'female',
  birthDate: '1957-04-09',
};

function searchset(resources: Resource[]): Bundle {
  const entry: BundleEntry[] = resources.map((resource) => ({
    fullUrl: `${EHR}/${resource.resourceType}/${resource.id}`,
    resource,
    search: { mode: 'match' },
  }));
  return { resourceType: 'Bundle', type: 'searchset', total: entry.length, entry };
}

/** Observations, newest first: one panel per draw, draws 4–30 hours apart going back in time. */
function observationsFor(count: number, now: Date, random: () => number): Observation[] {
  const out: Observation[] = [];
  let effective = new Date(now.getTime() - 3 * 3_600_000);
  for (let draw = 0; out.length < count; draw += 1) {
    for (const lab of PANEL) {
      if (out.length >= count) break;
      const span = (lab.high ?? lab.low! * 1.6) - (lab.low ?? 0);
      const value = draw === 0 ? lab.latest : round((lab.low ?? 0) + span * (0.1 + random() * 0.9), lab.decimals);
      out.push(observation(lab, value, effective, draw, random));
    }
    effective = new Date(effective.getTime() - (4 + Math.floor(random() * 26)) * 3_600_000);
  }
  return out;
}

/** Lean Observations, newest first, evenly over two years: code, subject, time and value only. */
function leanObservationsFor(count: number, now: Date, random: () => number): Observation[] {
  const out: Observation[] = [];
  // The oldest draw lands two years back.
  const step = (730 * 24 * 3_600_000) / Math.max(1, Math.ceil(count / PANEL.length) - 1);
  for (let draw = 0; out.length < count; draw += 1) {
    const effective = new Date(now.getTime() - 3 * 3_600_000 - draw * step).toISOString();
    for (const lab of PANEL) {
      if (out.length >= count) break;
      const span = (lab.high ?? lab.low! * 1.6) - (lab.low ?? 0);
      const value = draw === 0 ? lab.latest : round((lab.low ?? 0) + span * (0.1 + random() * 0.9), lab.decimals);
      out.push({
        resourceType: 'Observation',
        id: `o${draw}-${lab.localCode.toLowerCase()}`,
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: lab.loinc }] },
        subject: { reference: `Patient/${PATIENT_ID}` },
        effectiveDateTime: effective,
        valueQuantity: { value, unit: lab.unit, system: 'http://unitsofmeasure.org', code: lab.unit },
      });
    }
  }
  return out;
}

/** Problem-list entries and medications the lean shape cycles through (none of them magnesium). */
const LEAN_PROBLEMS: ReadonlyArray<[string, string]> = [
  ['38341003', 'Essential hypertension'],
  ['44054006', 'Type 2 diabetes mellitus'],
  ['235595009', 'Gastroesophageal reflux disease'],
  ['84114007', 'Heart failure'],
  ['195967001', 'Asthma'],
  ['35489007', 'Depressive disorder'],
  ['396275006', 'Osteoarthritis'],
  ['13645005', 'Chronic obstructive lung disease'],
  ['49436004', 'Atrial fibrillation'],
  ['55822004', 'Hyperlipidemia'],
];
const LEAN_MEDICATIONS: ReadonlyArray<[string, string]> = [
  ['7646', 'omeprazole 20 MG Delayed Release Oral Capsule'],
  ['4603', 'furosemide 40 MG Oral Tablet'],
  ['29046', 'lisinopril 10 MG Oral Tablet'],
  ['6809', 'metformin hydrochloride 500 MG Oral Tablet'],
  ['83367', 'atorvastatin 20 MG Oral Tablet'],
  ['17767', 'amlodipine 5 MG Oral Tablet'],
  ['10582', 'levothyroxine sodium 0.05 MG Oral Tablet'],
  ['36567', 'simvastatin 40 MG Oral Tablet'],
];

function leanConditions(count: number): Condition[] {
  return Array.from({ length: count }, (_, i) => {
    const [code, text] = LEAN_PROBLEMS[i % LEAN_PROBLEMS.length]!;
    return {
      resourceType: 'Condition',
      id: `c${i}`,
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      code: { coding: [{ system: 'http://snomed.info/sct', code }], text },
      subject: { reference: `Patient/${PATIENT_ID}` },
      onsetDateTime: `${2015 + (i % 10)}-0${1 + (i % 9)}-1${i % 10}`,
    };
  });
}

function leanMedications(count: number): MedicationRequest[] {
  return Array.from({ length: count }, (_, i) => {
    const [code, text] = LEAN_MEDICATIONS[i % LEAN_MEDICATIONS.length]!;
    return {
      resourceType: 'MedicationRequest',
      id: `m${i}`,
      status: i % 4 === 3 ? 'on-hold' : 'active',
      intent: 'order',
      medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code }], text },
      subject: { reference: `Patient/${PATIENT_ID}` },
      authoredOn: `${2019 + (i % 6)}-0${1 + (i % 9)}-2${i % 8}`,
    };
  });
}

/** The draft the order-sign body signs: magnesium sulfate 4 g IV over 10 minutes (faster than 150 mg/min). */
const MAGNESIUM_DRAFT: MedicationRequest = {
  resourceType: 'MedicationRequest',
  id: 'draft-mg-iv-1',
  status: 'draft',
  intent: 'order',
  subject: { reference: `Patient/${PATIENT_ID}` },
  medicationCodeableConcept: {
    coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '1658264' }],
    text: 'magnesium sulfate 4 g in 100 mL water for injection',
  },
  dosageInstruction: [
    {
      route: { coding: [{ system: 'http://snomed.info/sct', code: '47625008' }], text: 'IV' },
      timing: { repeat: { count: 1, duration: 10, durationUnit: 'min' } },
      doseAndRate: [{ doseQuantity: { value: 4, unit: 'g', system: 'http://unitsofmeasure.org', code: 'g' } }],
    },
  ],
};

function hookRequest(spec: BodySpec, observationCount: number, now: Date): { body: Record<string, unknown>; prefetch: Record<string, Resource> } {
  const random = seededRandom(20261122);
  const lean = spec.shape === 'lean';
  const clinicalCount = lean ? (spec.clinicalCount ?? 20) : spec.targetBytes < 20 * 1024 ? 1 : 4;
  const prefetch: Record<string, Resource> = {
    patient: PATIENT,
    observations: searchset(lean ? leanObservationsFor(observationCount, now, random) : observationsFor(observationCount, now, random)),
    conditions: searchset(lean ? leanConditions(clinicalCount) : CONDITIONS.slice(0, clinicalCount)),
    medications: searchset(lean ? leanMedications(clinicalCount) : MEDICATIONS.slice(0, clinicalCount)),
  };
  // patient-view also asks for recent administrations; none were given, so the answer is empty.
  if (spec.shape !== 'order-sign') prefetch.administrations = searchset([]);
  const context: Record<string, unknown> = { userId: 'Practitioner/prac-attending-1', patientId: PATIENT_ID };
  if (spec.shape === 'order-sign') context.draftOrders = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: MAGNESIUM_DRAFT }] };
  const body = {
    hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea',
    fhirServer: EHR,
    hook: spec.shape === 'order-sign' ? 'order-sign' : 'patient-view',
    context,
    prefetch,
  };
  return { body, prefetch };
}

/**
 * The request whose compact JSON is closest to `targetBytes` without going over (at least one
 * Observation). Small ehr bodies carry one Condition and one MedicationRequest, the others four;
 * lean bodies carry `clinicalCount` of each.
 */
export function generateBody(spec: BodySpec, now: Date): GeneratedBody {
  const build = (n: number) => hookRequest(spec, n, now);
  const size = (n: number) => Buffer.byteLength(JSON.stringify(build(n).body));
  // Observations are about the same size, so estimate, then step to the exact count.
  const one = size(1);
  const perObservation = size(2) - one;
  let n = Math.max(1, 1 + Math.floor((spec.targetBytes - one) / perObservation));
  while (n > 1 && size(n) > spec.targetBytes) n -= 1;
  while (size(n + 1) <= spec.targetBytes) n += 1;
  const { body, prefetch } = build(n);
  const json = JSON.stringify(body);
  const count = (key: string) => (prefetch[key] as Bundle).entry?.length ?? 0;
  return {
    label: spec.label,
    shape: spec.shape,
    hookPath: spec.shape === 'order-sign' ? ORDER_SIGN_PATH : PATIENT_VIEW_PATH,
    json,
    bytes: Buffer.byteLength(json),
    counts: { observations: n, conditions: count('conditions'), medicationRequests: count('medications') },
    prefetch,
  };
}

/** The same request without prefetch: the service must read every key from `fhirServer`. */
export function withoutPrefetch(body: GeneratedBody, fhirServer: string): string {
  const request = JSON.parse(body.json) as Record<string, unknown>;
  delete request.prefetch;
  request.fhirServer = fhirServer;
  request.fhirAuthorization = { access_token: 'bench-access-token', token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'bench-client' };
  return JSON.stringify(request);
}

/** Midnight UTC today: results stay fresh relative to the service's clock, bytes stay stable within a day. */
export function benchNow(): Date {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

if (require.main === module) {
  const outDir = process.argv[2] ?? join(__dirname, '..', '..', 'bench', '.cache', 'bodies');
  mkdirSync(outDir, { recursive: true });
  for (const spec of BODY_SPECS) {
    const body = generateBody(spec, benchNow());
    const file = join(outDir, `${spec.label.replace(/\s+/g, '-').toLowerCase()}.json`);
    writeFileSync(file, body.json);
    process.stdout.write(`${file}: ${body.bytes} bytes, ${body.counts.observations} Observations\n`);
  }
}
