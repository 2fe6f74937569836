import nock from 'nock';
import request from 'supertest';
import type { Card } from '../../src/cds/schemas';
import { condition, expectValidCdsResponse, observation, testApp } from '../helpers';
import { orderRequest, RXNORM, sandboxDraft, UCUM_SYSTEM } from '../order-fixtures';

/**
 * Order cases as a pharmacist writes them from clinical-rules.md §9.2: EHR-style drafts (Epic /
 * Oracle shapes: RxNorm SCD names for premixed bags and vials, doses in g, mg, mL, mmol, `{pill}`,
 * `{tbl}`, `1`; rates in g/h, mg/min, mL/h of a stated concentration; durations, frequencies,
 * `timing.code`), sent over HTTP to both order services; each row states the cards §9.2 calls for
 * (kind and indicator, in the order the service sorts them) and, where it matters, the suggestion.
 */

const SELECT = '/cds-services/magnesium-order-select';
const SIGN = '/cds-services/magnesium-order-sign';
const { app } = testApp();

const ADULT = { resourceType: 'Patient', id: 'pat-1', gender: 'female', birthDate: '1958-03-14' };
const CHILD = { resourceType: 'Patient', id: 'pat-1', gender: 'male', birthDate: '2018-06-01' };
const NEONATE = { resourceType: 'Patient', id: 'pat-1', gender: 'female', birthDate: '2026-11-12' };
const mg = (value: number, hoursAgo = 3) => observation({ code: '19123-9', value, unit: 'mg/dL', hoursAgo });
const mgMmol = (value: number, hoursAgo = 3) => observation({ code: '2601-3', value, unit: 'mmol/L', hoursAgo });
const egfr = (value: number) => observation({ code: '98979-8', value, unit: 'mL/min/{1.73_m2}' });
const creatinine = (value: number) => observation({ code: '2160-0', value, unit: 'mg/dL' });
const weight = (kg: number) => observation({ code: '29463-7', value: kg, unit: 'kg', hoursAgo: 24 });
const PREGNANT = condition({ snomed: '77386006' });
const PRE_ECLAMPSIA = condition({ snomed: '398254007', text: 'Severe pre-eclampsia' });
const TORSADES = condition({ snomed: '31722008' });
const HAEMODIALYSIS = condition({ text: 'Dependence on hemodialysis', icd10: 'Z99.2' });

const IV_ROUTE = { coding: [{ system: 'http://snomed.info/sct', code: '47625008', display: 'Intravenous route' }], text: 'Intravenous' };
const ORAL_ROUTE = { coding: [{ system: 'http://snomed.info/sct', code: '26643006', display: 'Oral route' }], text: 'Oral' };

interface DraftOptions {
  id: string;
  text: string;
  rxnorm?: string;
  route?: 'iv' | 'oral' | Record<string, unknown>;
  dose?: { value: number; code?: string; unit?: string; system?: string };
  rate?: { value: number; code: string };
  /** Infusion duration (timing.repeat.duration). */
  over?: { value: number; unit: 'min' | 'h' };
  repeat?: Record<string, unknown>;
  timingCode?: { code?: string; text?: string };
  status?: string;
}

/** An Epic/Oracle-style MedicationRequest draft. */
function draft(o: DraftOptions): Record<string, unknown> {
  const repeat: Record<string, unknown> = { ...(o.repeat ?? {}) };
  if (o.over) Object.assign(repeat, { duration: o.over.value, durationUnit: o.over.unit });
  const doseAndRate: Record<string, unknown> = {};
  if (o.dose) doseAndRate.doseQuantity = { value: o.dose.value, unit: o.dose.unit ?? o.dose.code, system: o.dose.system ?? UCUM_SYSTEM, ...(o.dose.code ? { code: o.dose.code } : {}) };
  if (o.rate) doseAndRate.rateQuantity = { value: o.rate.value, unit: o.rate.code, system: UCUM_SYSTEM, code: o.rate.code };
  const timing: Record<string, unknown> = {};
  if (Object.keys(repeat).length > 0) timing.repeat = repeat;
  if (o.timingCode) timing.code = { ...(o.timingCode.code ? { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation', code: o.timingCode.code }] } : {}), ...(o.timingCode.text ? { text: o.timingCode.text } : {}) };
  return {
    resourceType: 'MedicationRequest',
    id: o.id,
    status: o.status ?? 'draft',
    intent: 'order',
    subject: { reference: 'Patient/pat-1' },
    authoredOn: '2026-11-22T11:50:00Z',
    medicationCodeableConcept: { coding: [{ system: RXNORM, code: o.rxnorm ?? '0', display: o.text }], text: o.text },
    dosageInstruction: [
      {
        ...(o.route ? { route: o.route === 'iv' ? IV_ROUTE : o.route === 'oral' ? ORAL_ROUTE : o.route } : {}),
        ...(Object.keys(timing).length > 0 ? { timing } : {}),
        ...(Object.keys(doseAndRate).length > 0 ? { doseAndRate: [doseAndRate] } : {}),
      },
    ],
  };
}

// Products as EHRs name them (RxNorm SCD strings and common local variants).
const BAG_2G = 'magnesium sulfate 2 GM in water 50 ML Injection';
const BAG_4G = 'magnesium sulfate 4 GM/100 ML in Water for Injection IVPB';
const BAG_1G_D5W = 'Magnesium Sulfate 10 MG/ML / Glucose 50 MG/ML Injectable Solution';
const BAG_20G = 'magnesium sulfate 20 GM/500 ML in water infusion';
const VIAL_50 = 'magnesium sulfate 500 MG/ML Injectable Solution';
const MGO_TAB = 'magnesium oxide 400 MG Oral Tablet';

const oralMgO = (id: string, tablets: number, perDay: number, unit = '{tbl}') =>
  draft({ id, text: MGO_TAB, rxnorm: '198741', route: 'oral', dose: { value: tablets, code: unit }, repeat: { frequency: perDay, period: 1, periodUnit: 'd' } });
const ivGrams = (id: string, grams: number, over: DraftOptions['over'], text = BAG_4G, extra: Partial<DraftOptions> = {}) =>
  draft({ id, text, route: 'iv', dose: { value: grams, code: 'g' }, over, repeat: { count: 1 }, ...extra });

type Expected = Array<[string, 'info' | 'warning' | 'critical']>;
interface Case {
  name: string;
  patient?: Record<string, unknown>;
  observations?: unknown[];
  conditions?: unknown[];
  medications?: unknown[];
  drafts: unknown[];
  selections?: string[];
  expected: Expected;
  check?: (cards: Card[]) => void;
}

const kindOf = (c: Card) => (c.extension as Record<string, { kind: string }>)['org.magnesium-cds.assessment']!.kind;
const actionsOf = (c: Card) => (c.suggestions ?? []).flatMap((s) => s.actions ?? []);
const updated = (c: Card) => actionsOf(c).find((a) => a.type === 'update')!.resource as any;

const cases: Case[] = [
  // ---- IV rate (R-OS-1, R-OS-2)
  { name: '2 g premixed bag over 2 h (1 g/h), Mg 1.5: nothing to say', observations: [mg(1.5)], drafts: [ivGrams('iv-1', 2, { value: 2, unit: 'h' }, BAG_2G)], expected: [] },
  {
    name: '4 g/100 mL bag at 100 mL/h (4 g/h): faster than needed, update to 1 g/h',
    observations: [mg(1.4)],
    drafts: [draft({ id: 'iv-2', text: BAG_4G, route: 'iv', dose: { value: 100, code: 'mL' }, rate: { value: 100, code: 'mL/h' }, repeat: { count: 1 } })],
    expected: [['rate-above-hourly', 'info']],
    check: (cards) => {
      const r = updated(cards[0]!);
      expect(r.id).toBe('iv-2');
      expect(r.dosageInstruction[0].doseAndRate[0].rateQuantity).toMatchObject({ value: 1, code: 'g/h' });
      expect(r.dosageInstruction[0].doseAndRate[0].doseQuantity).toMatchObject({ value: 4, code: 'g' });
    },
  },
  { name: '"magnesium sulfate 50 % injection", 2 mL (1 g) over 5 min: 200 mg/min, critical', observations: [mg(1.5)], drafts: [draft({ id: 'iv-2b', text: 'magnesium sulfate 50 % injection', route: 'iv', dose: { value: 2, code: 'mL' }, over: { value: 5, unit: 'min' }, repeat: { count: 1 } })], expected: [['rate-above-ceiling', 'critical']] },
  { name: 'local name "Magnesium Sulfate, 50 % Injection", 4 mL (2 g) over 5 min: critical', observations: [mg(1.5)], drafts: [draft({ id: 'iv-2d', text: 'Magnesium Sulfate, 50 % Injection', route: 'iv', dose: { value: 4, code: 'mL' }, over: { value: 5, unit: 'min' }, repeat: { count: 1 } })], expected: [['rate-above-ceiling', 'critical']] },
  { name: 'local name "2 gram/50 mL", 50 mL over 30 min (4 g/h): above 1 g/h', observations: [mg(1.5)], drafts: [draft({ id: 'iv-2c', text: 'magnesium sulfate in water 2 gram/50 mL IV piggyback', route: 'iv', dose: { value: 50, code: 'mL' }, over: { value: 30, unit: 'min' }, repeat: { count: 1 } })], expected: [['rate-above-hourly', 'info']] },
  { name: '1 g in D5W (RxNorm "10 MG/ML / Glucose 50 MG/ML") over 5 min: 200 mg/min, critical', observations: [mg(1.6)], drafts: [ivGrams('iv-3', 1, { value: 5, unit: 'min' }, BAG_1G_D5W)], expected: [['rate-above-ceiling', 'critical']] },
  { name: '1 g in D5W as 100 mL at 300 mL/h: 3 g/h, above 1 g/h', observations: [mg(1.6)], drafts: [draft({ id: 'iv-3c', text: BAG_1G_D5W, route: 'iv', dose: { value: 100, code: 'mL' }, rate: { value: 300, code: 'mL/h' }, repeat: { count: 1 } })], expected: [['rate-above-hourly', 'info']] },
  { name: '1 g in D5W over 1 h: nothing', observations: [mg(1.6)], drafts: [ivGrams('iv-3b', 1, { value: 1, unit: 'h' }, BAG_1G_D5W)], expected: [] },
  { name: '50 % vial, 4 mL (2 g) over 15 min: 133 mg/min, above 1 g/h only', observations: [mg(1.3)], drafts: [draft({ id: 'iv-4', text: VIAL_50, route: 'iv', dose: { value: 4, code: 'mL' }, over: { value: 15, unit: 'min' }, repeat: { count: 1 } })], expected: [['rate-above-hourly', 'info']] },
  { name: 'rate in mg/min: 2 g at 200 mg/min, critical, update keeps 2 g at 1 g/h over 2 h', observations: [mg(1.5)], drafts: [draft({ id: 'iv-5', text: BAG_2G, route: 'iv', dose: { value: 2, code: 'g' }, rate: { value: 200, code: 'mg/min' }, repeat: { count: 1 } })], expected: [['rate-above-ceiling', 'critical']], check: (cards) => {
    const r = updated(cards[0]!);
    expect(r.dosageInstruction[0].doseAndRate[0]).toMatchObject({ doseQuantity: { value: 2, code: 'g' }, rateQuantity: { value: 1, code: 'g/h' } });
    expect(r.dosageInstruction[0].timing.repeat).toMatchObject({ duration: 2, durationUnit: 'h' });
  } },
  { name: 'torsades recorded: 2 g over 5 min is the emergency exception', observations: [mg(1.5)], conditions: [TORSADES], drafts: [ivGrams('iv-6', 2, { value: 5, unit: 'min' }, BAG_2G)], expected: [] },
  { name: 'pre-eclampsia: 4 g loading over 15 min is not flagged, nor the normal level', observations: [mg(1.9)], conditions: [PREGNANT, PRE_ECLAMPSIA], drafts: [ivGrams('iv-7', 4, { value: 15, unit: 'min' })], expected: [] },
  { name: 'IM magnesium sulfate 5 g (50 % vial) with pre-eclampsia: no IV rate card, no conversion to an infusion', observations: [mg(1.7)], conditions: [PREGNANT, PRE_ECLAMPSIA], drafts: [draft({ id: 'im-1', text: VIAL_50, route: { coding: [{ system: 'http://snomed.info/sct', code: '78421000' }], text: 'Intramuscular' }, dose: { value: 5, code: 'g' }, repeat: { count: 1 } })], expected: [] },
  { name: 'IM magnesium sulfate 2 g by route text "IM", Mg 1.5, no emergency: no rate card', observations: [mg(1.5)], drafts: [draft({ id: 'im-2', text: VIAL_50, route: { text: 'IM' }, dose: { value: 2, code: 'g' }, repeat: { count: 1 } })], expected: [] },
  { name: 'eclampsia recorded alone (SNOMED 15938005, no pregnancy code): 4 g over 15 min is the emergency exception', observations: [mg(1.9)], conditions: [condition({ snomed: '15938005', text: 'Eclampsia' })], drafts: [ivGrams('iv-7b', 4, { value: 15, unit: 'min' })], expected: [] },
  { name: 'IV dose with no rate and no duration: rate named as unreadable, not guessed', observations: [mg(1.5)], drafts: [draft({ id: 'iv-8', text: BAG_2G, route: 'iv', dose: { value: 2, code: 'g' } })], expected: [['rate-unreadable', 'info']] },

  // ---- level (R-OS-3, R-OS-4)
  {
    name: 'Mg 2.1 normal, IV 2 g: confirm the indication; delete by resourceId string',
    observations: [mg(2.1)],
    drafts: [ivGrams('iv-9', 2, { value: 2, unit: 'h' }, BAG_2G)],
    expected: [['magnesium-normal', 'info']],
    check: (cards) => expect(actionsOf(cards[0]!)).toEqual([{ type: 'delete', description: expect.any(String), resourceId: 'MedicationRequest/iv-9' }]),
  },
  { name: 'Mg 0.95 mmol/L (2.31 mg/dL) normal in SI units, oral: info', observations: [mgMmol(0.95)], drafts: [oralMgO('po-1', 1, 2)], expected: [['magnesium-normal', 'info']] },
  { name: 'Mg 3.1 high, oral MgO: do not give (warning)', observations: [mg(3.1)], drafts: [oralMgO('po-2', 1, 2)], expected: [['magnesium-high', 'warning']] },
  { name: 'Mg 4.6 high, IV: do not give (critical)', observations: [mg(4.6)], drafts: [ivGrams('iv-10', 2, { value: 2, unit: 'h' })], expected: [['magnesium-high', 'critical']] },
  {
    name: 'Mg 1.5 drawn 4 days ago: no recent level, serum Mg offered',
    observations: [mg(1.5, 96)],
    drafts: [oralMgO('po-3', 1, 2)],
    expected: [['no-recent-level', 'info']],
    check: (cards) => expect(actionsOf(cards[0]!)).toEqual([expect.objectContaining({ type: 'create', resource: expect.objectContaining({ resourceType: 'ServiceRequest' }) })]),
  },
  { name: 'no magnesium result at all, IV 2 g over 2 h: no recent level', drafts: [ivGrams('iv-11', 2, { value: 2, unit: 'h' })], expected: [['no-recent-level', 'info']] },

  // ---- renal (R-OS-5)
  {
    name: 'eGFR 24, Mg 1.4, IV 4 g over 4 h: above 50 % of the level dose, update to 2 g',
    observations: [mg(1.4), egfr(24)],
    drafts: [ivGrams('iv-12', 4, { value: 4, unit: 'h' })],
    expected: [['renal-dose', 'warning']],
    check: (cards) => {
      const r = updated(cards[0]!);
      expect(r.id).toBe('iv-12');
      expect(r.dosageInstruction[0].doseAndRate[0].doseQuantity).toMatchObject({ value: 2, code: 'g' });
    },
  },
  { name: 'creatinine 2.6 mg/dL (no eGFR), Mg 1.4, IV 2 g over 2 h: within the renal dose', observations: [mg(1.4), creatinine(2.6)], drafts: [ivGrams('iv-13', 2, { value: 2, unit: 'h' }, BAG_2G)], expected: [] },
  { name: 'haemodialysis (ICD-10 Z99.2 and text), oral MgO: no oral magnesium', observations: [mg(1.5)], conditions: [HAEMODIALYSIS], drafts: [oralMgO('po-4', 1, 2)], expected: [['renal-dose', 'warning']] },

  // ---- duplicates (R-OS-6)
  {
    name: 'active oral MgO order on the chart, new oral draft: duplicate, delete the new draft',
    observations: [mg(1.5)],
    medications: [{ ...oralMgO('active-po', 1, 2), status: 'active' }],
    drafts: [oralMgO('po-5', 1, 2)],
    expected: [['duplicate', 'warning']],
    check: (cards) => expect(actionsOf(cards[0]!)).toEqual([{ type: 'delete', description: expect.any(String), resourceId: 'MedicationRequest/po-5' }]),
  },
  { name: 'completed oral order on the chart is not a duplicate', observations: [mg(1.5)], medications: [{ ...oralMgO('old-po', 1, 2), status: 'completed' }], drafts: [oralMgO('po-6', 1, 2)], expected: [] },
  { name: 'order-sign: two IV drafts in one Bundle, the later is the duplicate', observations: [mg(1.5)], drafts: [ivGrams('iv-14', 2, { value: 2, unit: 'h' }), ivGrams('iv-15', 2, { value: 2, unit: 'h' })], expected: [['duplicate', 'warning']], check: (cards) => expect(cards[0]!.detail).toContain('MedicationRequest/iv-15') },
  { name: 'order-select: the unselected oral draft counts as an existing order', observations: [mg(1.5)], drafts: [oralMgO('po-7', 1, 2), oralMgO('po-8', 1, 2)], selections: ['MedicationRequest/po-7'], expected: [['duplicate', 'warning']] },
  { name: 'order-select: selection is a lisinopril draft, the unselected fast IV is not checked', observations: [mg(1.5)], drafts: [{ ...oralMgO('acei', 1, 1), medicationCodeableConcept: { text: 'lisinopril 10 MG Oral Tablet', coding: [{ system: RXNORM, code: '314076' }] } }, ivGrams('iv-16', 4, { value: 10, unit: 'min' })], selections: ['MedicationRequest/acei'], expected: [] },

  // ---- children (R-OS-7)
  {
    name: 'child 8 y, 20 kg, IV 2 g: above 50 mg/kg (max 1000 mg), update to the per-kg dose',
    patient: CHILD,
    observations: [mg(1.4), weight(20)],
    drafts: [ivGrams('iv-17', 2, { value: 4, unit: 'h' }, BAG_2G)],
    expected: [['child-dose-above-max', 'critical']],
    check: (cards) => {
      const q = updated(cards[0]!).dosageInstruction[0].doseAndRate[0].doseQuantity;
      expect(q.code === 'mg' ? q.value : q.value * 1000).toBeLessThanOrEqual(1000);
    },
  },
  { name: 'child 8 y with no weight: warning', patient: CHILD, observations: [mg(1.4)], drafts: [ivGrams('iv-18', 0.5, { value: 2, unit: 'h' }, BAG_2G)], expected: [['child-no-weight', 'warning']] },
  {
    name: 'child 8 y, 25 kg, MgO 400 mg 5 tablets four times daily (≈ 198 mmol/day): above the adult maximum, warning',
    patient: CHILD,
    observations: [mg(1.5), weight(25)],
    drafts: [oralMgO('po-20', 5, 4)],
    expected: [['child-oral-above-adult-max', 'warning']],
    check: (cards) => expect(cards[0]!.summary).toMatch(/198\.\d mmol\/day .*adult maximum \(24 mmol\/day\)/),
  },
  {
    name: 'child 8 y, 25 kg, MgO 400 mg 1 tablet twice daily: dose not checked, named with the weight',
    patient: CHILD,
    observations: [mg(1.5), weight(25)],
    drafts: [oralMgO('po-21', 1, 2)],
    expected: [['child-oral-unchecked', 'info']],
    check: (cards) => expect(cards[0]!.summary).toBe('Oral magnesium for a child: dose not checked — dose by paediatric formulary (weight 25 kg)'),
  },
  { name: 'neonate (10 days): specialist review', patient: NEONATE, observations: [mg(1.4), weight(3.2)], drafts: [draft({ id: 'iv-19', text: VIAL_50, route: 'iv', dose: { value: 100, code: 'mg' }, over: { value: 2, unit: 'h' }, repeat: { count: 1 } })], expected: [['neonate', 'warning']] },

  // ---- 24 h total (R-OS-8) and pregnancy (R-OS-9)
  { name: '4 g over 4 h every 4 h (24 g/24 h): under the cap', observations: [mg(1.0)], drafts: [ivGrams('iv-20', 4, { value: 4, unit: 'h' }, BAG_4G, { repeat: { frequency: 1, period: 4, periodUnit: 'h' } })], expected: [] },
  { name: '8 g over 8 h every 4 h (48 g/24 h): above the 40 g cap', observations: [mg(1.0)], drafts: [ivGrams('iv-21', 8, { value: 8, unit: 'h' }, BAG_20G, { repeat: { frequency: 1, period: 4, periodUnit: 'h' } })], expected: [['above-24h-max', 'critical']] },
  {
    name: 'pre-eclampsia: 20 g/500 mL bag as a continuous infusion at 50 mL/h (2 g/h) for 6 days: 48 g/24 h, pregnancy caveat',
    observations: [mg(1.7)],
    conditions: [PREGNANT, PRE_ECLAMPSIA],
    drafts: [draft({ id: 'iv-24', text: BAG_20G, route: 'iv', rate: { value: 50, code: 'mL/h' }, repeat: { boundsDuration: { value: 6, unit: 'd', system: UCUM_SYSTEM, code: 'd' } } })],
    expected: [['above-24h-max', 'critical'], ['pregnancy-infusion', 'warning']],
  },
  { name: 'continuous infusion at 25 mL/h of 20 g/500 mL (1 g/h) for 12 h: nothing', observations: [mg(1.4)], drafts: [draft({ id: 'iv-25', text: BAG_20G, route: 'iv', rate: { value: 25, code: 'mL/h' }, repeat: { boundsDuration: { value: 12, unit: 'h', system: UCUM_SYSTEM, code: 'h' } } })], expected: [] },
  {
    name: 'continuous infusion at 100 mL/h of 20 g/500 mL (4 g/h): above 1 g/h and 96 g/24 h; update runs it at 1 g/h',
    observations: [mg(1.4)],
    drafts: [draft({ id: 'iv-26', text: BAG_20G, route: 'iv', rate: { value: 100, code: 'mL/h' } })],
    expected: [['above-24h-max', 'critical'], ['rate-above-hourly', 'info']],
    check: (cards) => {
      const r = updated(cards[1]!);
      expect(r.id).toBe('iv-26');
      expect(r.dosageInstruction[0].doseAndRate).toEqual([{ rateQuantity: expect.objectContaining({ value: 1, code: 'g/h' }) }]);
    },
  },
  {
    name: 'pre-eclampsia maintenance 1 g/h for 7 days: pregnancy caveat',
    observations: [mg(1.7)],
    conditions: [PREGNANT, PRE_ECLAMPSIA],
    drafts: [draft({ id: 'iv-22', text: BAG_20G, route: 'iv', dose: { value: 1, code: 'g' }, rate: { value: 1, code: 'g/h' }, repeat: { frequency: 1, period: 1, periodUnit: 'h', boundsDuration: { value: 7, unit: 'd', system: UCUM_SYSTEM, code: 'd' } } })],
    expected: [['pregnancy-infusion', 'warning']],
  },

  // ---- severe and oral (R-OS-10, R-OS-11)
  {
    name: 'Mg 1.0 severe, oral MgO only: IV recommended, create the IV level dose as a premixed bag',
    observations: [mg(1.0)],
    drafts: [oralMgO('po-9', 1, 2)],
    expected: [['oral-in-severe', 'critical']],
    check: (cards) => {
      const creates = actionsOf(cards[0]!).filter((a) => a.type === 'create');
      const iv = creates.find((a) => (a.resource as any).resourceType === 'MedicationRequest')!.resource as any;
      expect(iv.dosageInstruction[0].doseAndRate[0].doseQuantity).toMatchObject({ value: 4, code: 'g' });
      // The sandbox takes a created medication only with text and coding[0].code.
      expect(iv.medicationCodeableConcept.text).toEqual(expect.any(String));
      expect(iv.medicationCodeableConcept.coding[0].code).toEqual(expect.any(String));
      // The sandbox copies the text into its draft: the unverified-code caveat belongs in the card, not the order.
      expect(iv.medicationCodeableConcept.text).toBe('magnesium sulfate 4 g in 100 mL water for injection (premixed bag)');
      expect(JSON.stringify(iv)).not.toMatch(/unverified/i);
      expect(cards[0]!.detail).toMatch(/RxNorm code 1658259 .*unverified/);
    },
  },
  { name: 'Mg 1.5 with torsades, oral only: symptomatic, IV recommended', observations: [mg(1.5)], conditions: [TORSADES], drafts: [oralMgO('po-10', 1, 2)], expected: [['oral-in-severe', 'critical']] },
  {
    name: 'MgO 400 mg 1 tablet TID by timing.code: ≈ 29.8 mmol/day, above range; update to twice daily',
    observations: [mg(1.5)],
    drafts: [draft({ id: 'po-11', text: MGO_TAB, rxnorm: '198741', route: 'oral', dose: { value: 1, code: '{tbl}' }, timingCode: { code: 'TID' } })],
    expected: [['oral-above-range', 'warning']],
    check: (cards) => expect(updated(cards[0]!).dosageInstruction[0].timing.repeat).toMatchObject({ frequency: 2, period: 1, periodUnit: 'd' }),
  },
  { name: 'MgO 400 mg, dose unit "1", once daily (QD): below range, info', observations: [mg(1.5)], drafts: [draft({ id: 'po-12', text: MGO_TAB, rxnorm: '198741', route: 'oral', dose: { value: 1, code: '1' }, timingCode: { code: 'QD' } })], expected: [['oral-below-range', 'info']] },
  { name: 'MgO 400 mg BID as a local timing code with text "BID" only: in range, nothing', observations: [mg(1.5)], drafts: [draft({ id: 'po-13', text: MGO_TAB, rxnorm: '198741', route: 'oral', dose: { value: 1, code: '{tbl}' }, timingCode: { text: 'BID' } })], expected: [] },
  { name: 'MgO 400 mg "t.i.d." as text only: above range', observations: [mg(1.5)], drafts: [draft({ id: 'po-13b', text: MGO_TAB, rxnorm: '198741', route: 'oral', dose: { value: 1, code: '{tbl}' }, timingCode: { text: 't.i.d.' } })], expected: [['oral-above-range', 'warning']] },
  { name: 'Epic-style "magnesium oxide 400 mg" with no route and no form word, 1 three times daily: oral, above range', observations: [mg(1.5)], drafts: [draft({ id: 'po-16', text: 'magnesium oxide (MAG-OX) 400 mg', dose: { value: 400, code: 'mg' }, repeat: { frequency: 3, period: 1, periodUnit: 'd' } })], expected: [['oral-above-range', 'warning']] },
  { name: 'supplement labelled by elemental content, "Magnesium 120 MG (as magnesium glycinate) Oral Capsule", 2 twice daily: ≈ 19.7 mmol/day, in range', observations: [mg(1.5)], drafts: [draft({ id: 'po-17', text: 'Magnesium 120 MG (as magnesium glycinate) Oral Capsule', route: 'oral', dose: { value: 2, code: '{pill}' }, repeat: { frequency: 2, period: 1, periodUnit: 'd' } })], expected: [] },
  { name: 'magnesium glycinate salt mass "Magnesium Glycinate 500 MG Oral Tablet", 1 twice daily: ≈ 5.8 mmol/day, below range', observations: [mg(1.5)], drafts: [draft({ id: 'po-18', text: 'Magnesium Glycinate 500 MG Oral Tablet', route: 'oral', dose: { value: 1, code: '{tbl}' }, repeat: { frequency: 2, period: 1, periodUnit: 'd' } })], expected: [['oral-below-range', 'info']] },
  { name: 'MgO 400 mg with frequency sent as the string "3": the frequency is named as unreadable, not taken as once daily', observations: [mg(1.5)], drafts: [draft({ id: 'po-19', text: MGO_TAB, rxnorm: '198741', route: 'oral', dose: { value: 1, code: '{tbl}' }, repeat: { frequency: '3', period: 1, periodUnit: 'd' } })], expected: [['dose-unreadable', 'info']], check: (cards) => expect(cards[0]!.detail).toContain('frequency could not be read') },
  { name: 'MgO 800 mg as mass (mg) twice daily: ≈ 39.7 mmol/day, above range', observations: [mg(1.5)], drafts: [draft({ id: 'po-14', text: MGO_TAB, rxnorm: '198741', route: 'oral', dose: { value: 800, code: 'mg' }, repeat: { frequency: 2, period: 1, periodUnit: 'd' } })], expected: [['oral-above-range', 'warning']] },
  {
    name: 'magnesium chloride SR 64 mg, 2 tablets twice daily: below range, and no correction beyond 2 tablets 4 times daily is offered',
    observations: [mg(1.5)],
    drafts: [draft({ id: 'po-15', text: 'magnesium chloride 64 MG Delayed Release Oral Tablet', route: 'oral', dose: { value: 2, code: '{tbl}' }, repeat: { frequency: 2, period: 1, periodUnit: 'd' } })],
    expected: [['oral-below-range', 'info']],
    check: (cards) => {
      for (const a of actionsOf(cards[0]!).filter((x) => x.type === 'update')) {
        const dosage = (a.resource as any).dosageInstruction[0];
        expect(dosage.doseAndRate[0].doseQuantity.value).toBeLessThanOrEqual(2);
        expect(dosage.timing.repeat.frequency).toBeLessThanOrEqual(4);
      }
    },
  },
  {
    name: 'sandbox: the oral draft with its medication replaced by the premixed bag ({pill} 2, 3 a day): dose unreadable, not 2 × 4 g',
    observations: [mg(1.0)],
    drafts: [sandboxDraft({ pills: 2, frequency: 3, text: 'magnesium sulfate 4 g in 100 mL water for injection (premixed bag)', code: '1658264' })],
    selections: ['MedicationRequest/request-123'],
    expected: [['dose-unreadable', 'info']],
    check: (cards) => expect(actionsOf(cards[0]!).filter((a) => a.type === 'update')).toEqual([]),
  },
  { name: 'a capsule count of a mg/mL product with no route word ("magnesium sulfate 500 MG/ML", 2 {pill}): dose unreadable', observations: [mg(1.5)], drafts: [draft({ id: 'iv-27', text: 'magnesium sulfate 500 MG/ML', dose: { value: 2, code: '{pill}' }, repeat: { count: 1 } })], expected: [['dose-unreadable', 'info']] },
  { name: 'IV dose in "vial": dose could not be read, info', observations: [mg(1.5)], drafts: [draft({ id: 'iv-23', text: VIAL_50, route: 'iv', dose: { value: 1, unit: 'vial', system: 'urn:oid:1.2.840.114350.1.13.0.1.7.4.698288.310' }, over: { value: 1, unit: 'h' }, repeat: { count: 1 } })], expected: [['dose-unreadable', 'info']] },

  // ---- what is not a replacement order
  { name: 'antacid (Al/Mg hydroxide/simethicone) with normal Mg: no card', observations: [mg(2.0)], drafts: [draft({ id: 'ant-1', text: 'Aluminum Hydroxide 40 MG/ML / Magnesium Hydroxide 40 MG/ML / Simethicone 4 MG/ML Oral Suspension', route: 'oral', dose: { value: 30, code: 'mL' } })], expected: [] },
  { name: 'milk of magnesia with Mg 3.0: do not give', observations: [mg(3.0)], drafts: [draft({ id: 'ant-2', text: 'magnesium hydroxide 400 MG per 5 ML Oral Suspension (Milk of Magnesia)', route: 'oral', dose: { value: 30, code: 'mL' } })], expected: [['magnesium-high', 'warning']] },
  { name: 'milk of magnesia on haemodialysis: do not give', observations: [mg(2.2)], conditions: [HAEMODIALYSIS], drafts: [draft({ id: 'ant-3', text: 'Milk of Magnesia 400 mg/5 mL suspension', route: 'oral', dose: { value: 30, code: 'mL' } })], expected: [['magnesium-high', 'warning']] },
  { name: 'magnesium citrate oral solution 300 mL (bowel preparation laxative), Mg 2.0: no card', observations: [mg(2.0)], drafts: [draft({ id: 'lax-1', text: 'magnesium citrate 1.745 GM per 30 ML Oral Solution', route: 'oral', dose: { value: 300, code: 'mL' }, repeat: { count: 1 } })], expected: [] },
  { name: 'magnesium citrate oral solution with Mg 3.2: do not give', observations: [mg(3.2)], drafts: [draft({ id: 'lax-2', text: 'magnesium citrate 1.745 GM per 30 ML Oral Solution', route: 'oral', dose: { value: 300, code: 'mL' }, repeat: { count: 1 } })], expected: [['magnesium-high', 'warning']] },
  { name: 'multivitamin with minerals (contains magnesium), Mg 1.0: no card', observations: [mg(1.0)], drafts: [draft({ id: 'mv-1', text: 'Multivitamin with Minerals (calcium, magnesium, zinc) Oral Tablet', route: 'oral', dose: { value: 1, code: '{tbl}' }, repeat: { frequency: 1, period: 1, periodUnit: 'd' } })], expected: [] },
  { name: 'magnesium salicylate analgesic: no card', observations: [mg(1.0)], drafts: [draft({ id: 'sal-1', text: 'Magnesium Salicylate 580 MG Oral Tablet', route: 'oral', dose: { value: 2, code: '{tbl}' }, repeat: { frequency: 3, period: 1, periodUnit: 'd' } })], expected: [] },
  { name: 'the sandbox draft with no medication yet: {"cards": []}', observations: [mg(1.0)], drafts: [{ resourceType: 'MedicationRequest', id: 'request-123', status: 'draft', subject: { reference: 'Patient/pat-1' }, authoredOn: '2026-11-22' }], selections: ['MedicationRequest/request-123'], expected: [] },
  {
    name: 'sandbox Rx View: MgO capsule {pill} once daily at Mg 1.5, update keeps the sandbox draft (id, text, code)',
    observations: [mg(1.5)],
    drafts: [sandboxDraft({ pills: 1, frequency: 1 })],
    selections: ['MedicationRequest/request-123'],
    expected: [['oral-below-range', 'info']],
    check: (cards) => {
      const r = updated(cards[0]!);
      expect(r.id).toBe('request-123');
      expect(r.medicationCodeableConcept).toMatchObject({ text: 'Magnesium Oxide 400 MG Oral Capsule', coding: [{ code: '252430' }] });
      expect(r.dosageInstruction[0].timing.repeat).toMatchObject({ frequency: 2, period: 1, periodUnit: 'd' });
      expect(r.dosageInstruction[0].doseAndRate[0].doseQuantity).toEqual({ value: 1, system: UCUM_SYSTEM, code: '{pill}' });
    },
  },
];

describe('held-out style order cases (§9.2)', () => {
  test.each(cases)('$name', async (c) => {
    const body = orderRequest({
      ...(c.patient ? { patient: c.patient } : {}),
      observations: c.observations ?? [],
      conditions: c.conditions ?? [],
      medications: c.medications ?? [],
      drafts: c.drafts,
      ...(c.selections ? { selections: c.selections } : {}),
    });
    const res = await request(app).post(c.selections ? SELECT : SIGN).send(body);
    expect(res.status).toBe(200);
    const { cards } = expectValidCdsResponse(res.body);
    expect(cards.map((card) => [kindOf(card), card.indicator])).toEqual(c.expected);
    for (const card of cards) expect(card.detail).toMatch(/MedicationRequest\/[A-Za-z0-9\-.]+/);
    c.check?.(cards);
  });
});

describe('the response self-check knows the 2.0 Action shape', () => {
  const card = (action: Record<string, unknown>) => ({
    cards: [{ summary: 's', indicator: 'info', source: { label: 'l' }, selectionBehavior: 'at-most-one', suggestions: [{ label: 'x', actions: [action] }] }],
  });
  test('delete takes one relative reference as a string', () => {
    expect(() => expectValidCdsResponse(card({ type: 'delete', description: 'd', resourceId: 'MedicationRequest/request-123' }))).not.toThrow();
    expect(() => expectValidCdsResponse(card({ type: 'delete', description: 'd', resourceId: ['MedicationRequest/request-123'] }))).toThrow(/resourceId/);
    expect(() => expectValidCdsResponse(card({ type: 'delete', description: 'd', resourceId: 'request-123' }))).toThrow(/resourceId/);
    expect(() => expectValidCdsResponse(card({ type: 'delete', description: 'd' }))).toThrow(/resourceId/);
  });
});

describe('the sandbox as it runs against an open FHIR server', () => {
  afterEach(() => nock.cleanAll());

  test('Rx Sign with the observations key dropped (search failed) and fhirServer without fhirAuthorization: read from the server, no token sent', async () => {
    const fhir = nock('http://127.0.0.1:8090', { badheaders: ['authorization'] })
      .get('/fhir/Observation')
      .query(true)
      .reply(200, { resourceType: 'Bundle', type: 'searchset', total: 1, entry: [{ search: { mode: 'match' }, resource: mg(2.2) }] });
    const body = orderRequest({ drafts: [sandboxDraft()], omit: ['observations'] });
    body.fhirServer = 'http://127.0.0.1:8090/fhir';
    const res = await request(app).post(SIGN).send(body);
    expect(res.status).toBe(200);
    expect(fhir.isDone()).toBe(true);
    const { cards } = expectValidCdsResponse(res.body);
    expect(cards.map((c) => [kindOf(c), c.indicator])).toEqual([['magnesium-normal', 'info']]);
    expect(actionsOf(cards[0]!)).toEqual([{ type: 'delete', description: expect.any(String), resourceId: 'MedicationRequest/request-123' }]);
  });
});

describe('every corrected or created order passes the checks itself (§9.2)', () => {
  /** Cards that ask for a (further) change of dose, rate or schedule. */
  const DOSE_KINDS = new Set(['rate-above-ceiling', 'rate-above-hourly', 'rate-unreadable', 'renal-dose', 'renal-48h', 'child-dose-above-max', 'above-24h-max', 'oral-above-range', 'oral-below-range', 'dose-unreadable']);
  const send = async (c: Pick<Case, 'patient' | 'observations' | 'conditions'>, drafts: unknown[]) => {
    const res = await request(app)
      .post(SIGN)
      .send(orderRequest({ ...(c.patient ? { patient: c.patient } : {}), observations: c.observations ?? [], conditions: c.conditions ?? [], drafts }));
    expect(res.status).toBe(200);
    return expectValidCdsResponse(res.body).cards;
  };
  const proposed = (cards: Card[]) =>
    cards.flatMap(actionsOf).filter((a) => (a.type === 'update' || a.type === 'create') && (a.resource as any)?.resourceType === 'MedicationRequest').map((a) => ({ id: 'proposed-1', ...(a.resource as any) }));

  const rows: Array<{ name: string; patient?: Record<string, unknown>; observations: unknown[]; conditions?: unknown[]; draft: unknown }> = [
    { name: 'IV bag (no route) 4 g with an oral-style 3-a-day schedule, no rate', observations: [mg(1.4)], draft: draft({ id: 'iv-30', text: BAG_4G, dose: { value: 4, code: 'g' }, repeat: { frequency: 3, period: 1, periodUnit: 'd' } }) },
    { name: '2 g at 200 mg/min', observations: [mg(1.5)], draft: draft({ id: 'iv-31', text: BAG_2G, route: 'iv', dose: { value: 2, code: 'g' }, rate: { value: 200, code: 'mg/min' }, repeat: { count: 1 } }) },
    { name: '4 g over 1 h every 6 h (IV schedule kept)', observations: [mg(1.3)], draft: ivGrams('iv-32', 4, { value: 1, unit: 'h' }, BAG_4G, { repeat: { frequency: 1, period: 6, periodUnit: 'h' } }) },
    { name: 'eGFR 24, Mg 1.4: 4 g over 4 h every 4 h → the renal level dose', observations: [mg(1.4), egfr(24)], draft: ivGrams('iv-33', 4, { value: 4, unit: 'h' }, BAG_4G, { repeat: { frequency: 1, period: 4, periodUnit: 'h' } }) },
    { name: 'child 20 kg, IV 2 g every 8 h', patient: CHILD, observations: [mg(1.4), weight(20)], draft: ivGrams('iv-34', 2, { value: 2, unit: 'h' }, BAG_2G, { repeat: { frequency: 1, period: 8, periodUnit: 'h' } }) },
    { name: 'Mg 1.0, oral MgO only → the IV level dose is created', observations: [mg(1.0)], draft: oralMgO('po-30', 1, 2) },
    { name: 'sandbox oral MgO 5 capsules 4 times a day', observations: [mg(1.5)], draft: sandboxDraft({ pills: 5, frequency: 4 }) },
    { name: 'sandbox oral MgO 1 capsule once a day', observations: [mg(1.5)], draft: sandboxDraft({ pills: 1, frequency: 1 }) },
  ];

  test.each(rows)('$name', async (row) => {
    const resources = proposed(await send(row, [row.draft]));
    expect(resources.length).toBeGreaterThan(0);
    for (const resource of resources) {
      const dosage = resource.dosageInstruction[0];
      if (/sulfate/i.test(resource.medicationCodeableConcept?.text ?? '') && dosage.doseAndRate?.[0]?.rateQuantity) {
        // An IV proposal states route IV and its own complete timing: one dose, or an IV schedule that fits the infusion.
        expect(dosage.route.coding).toEqual(expect.arrayContaining([expect.objectContaining({ code: '47625008' })]));
        const repeat = dosage.timing.repeat;
        if (repeat.count === 1) expect(repeat.frequency).toBeUndefined();
        else expect((repeat.period * ({ h: 1, d: 24 } as Record<string, number>)[repeat.periodUnit]!) / (repeat.frequency ?? 1)).toBeGreaterThanOrEqual(repeat.duration);
      }
      const again = await send(row, [resource]);
      expect(again.map(kindOf).filter((k) => DOSE_KINDS.has(k))).toEqual([]);
      expect(again.flatMap(actionsOf).filter((a) => a.type === 'update')).toEqual([]);
    }
  });
});
