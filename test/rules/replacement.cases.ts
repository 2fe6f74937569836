import { condition, medicationRequest, observation } from '../helpers';

/**
 * The rule table as test cases (clinical-rules.md §3-§4): each row is a patient and the
 * assessment the rules must reach. Grouped by rule; every rule ID appears, and every threshold
 * is tested on both sides. `now` is CASES_NOW; `hoursAgo` is relative to it.
 */

type Resource = Record<string, unknown>;

export interface RuleCase {
  desc: string;
  birthDate?: string | null;
  gender?: 'male' | 'female';
  resources: Resource[];
  expect: {
    kind: 'replacement' | 'stale' | 'uninterpretable' | 'hyper' | 'future-result' | 'potassium-without-magnesium' | 'cardiac-target' | 'none';
    tier?: 'mild' | 'moderate' | 'severe';
    indicator?: 'info' | 'warning' | 'critical';
    route?: 'oral' | 'iv' | 'none';
    rules?: string[];
    notRules?: string[];
    /** Text that must appear in the rendered card detail. */
    says?: RegExp[];
    /** Text that must not appear anywhere in the cards. */
    neverSays?: RegExp[];
    /** Routes of the draft MedicationRequests, suggestion by suggestion (R-ALT-1, R-ORD-1). */
    drafts?: Array<'iv' | 'oral'>;
    /** Text one of the suggestion labels must match. */
    labels?: RegExp[];
  };
}

const mg = (value: number, unit = 'mg/dL', extra: Partial<Parameters<typeof observation>[0]> = {}) =>
  observation({ code: '19123-9', value, unit, ...extra });
const mgMol = (value: number, unit = 'mmol/L', extra: Partial<Parameters<typeof observation>[0]> = {}) =>
  observation({ code: '2601-3', value, unit, ...extra });
const k = (value: number, hoursAgo = 2) => observation({ code: '2823-3', value, unit: 'mmol/L', hoursAgo });
const egfr = (value: number, hoursAgo = 2) => observation({ code: '98979-8', value, unit: 'mL/min/{1.73_m2}', hoursAgo });
const creat = (value: number, unit = 'mg/dL') => observation({ code: '2160-0', value, unit });
const ica = (value: number) => observation({ code: '1995-0', value, unit: 'mmol/L' });
const tca = (value: number) => observation({ code: '17861-6', value, unit: 'mg/dL' });
const alb = (value: number, unit = 'g/dL') => observation({ code: '1751-7', value, unit });
const weight = (value: number, unit = 'kg', hoursAgo = 2) => observation({ code: '29463-7', value, unit, hoursAgo });
const qtc = (value: number, hoursAgo = 2) => observation({ code: '8636-3', value, unit: 'ms', hoursAgo });

const MILD = mg(1.6);
const SEVERE = mg(1.0);

export const ruleCases: RuleCase[] = [
  // ---------------------------------------------------------------- R-CLS: level tiers, both sides
  { desc: 'R-CLS-1 1.80 mg/dL is normal', resources: [mg(1.8)], expect: { kind: 'none', rules: ['R-CLS-1'] } },
  { desc: 'R-CLS-2 1.79 mg/dL is mild, oral, info', resources: [mg(1.79)], expect: { kind: 'replacement', tier: 'mild', indicator: 'info', route: 'oral', rules: ['R-CLS-2', 'R-MON-2'] } },
  { desc: 'R-CLS-2 1.30 mg/dL is still mild', resources: [mg(1.3)], expect: { kind: 'replacement', tier: 'mild', indicator: 'info', route: 'oral' } },
  { desc: 'R-CLS-3 1.29 mg/dL is moderate, oral, warning', resources: [mg(1.29)], expect: { kind: 'replacement', tier: 'moderate', indicator: 'warning', route: 'oral', rules: ['R-CLS-3'] } },
  { desc: 'R-CLS-3 1.20 mg/dL is moderate, and the tier range names which end is included', resources: [mg(1.2)], expect: { kind: 'replacement', tier: 'moderate', indicator: 'warning', route: 'oral', says: [/1\.2 to < 1\.3 mg\/dL/], neverSays: [/1\.2-1\.3/] } },
  { desc: 'R-CLS-4 1.19 mg/dL is severe, IV only (R-ALT-1), level dose at 1 g/h (R-IV-2)', resources: [mg(1.19)], expect: { kind: 'replacement', tier: 'severe', indicator: 'critical', route: 'iv', rules: ['R-CLS-4', 'R-MON-1', 'R-IV-2', 'R-ALT-1'], says: [/magnesium sulfate 4 g \(16\.2 mmol\) IV over 4 h at 1 g\/h/, /6 h after the end/, /up to 8 g over 8 h/, /40 g per 24 h/], neverSays: [/tablet by mouth twice daily \(/] } },

  // ---------------------------------------------------------------- R-UNIT: conversion and rounding
  { desc: 'R-UNIT-2 0.74 mmol/L converts to 1.80 mg/dL: not low', resources: [mgMol(0.74)], expect: { kind: 'none', rules: ['R-CLS-1'] } },
  { desc: 'R-UNIT-1 0.73 mmol/L is 1.77 mg/dL: mild', resources: [mgMol(0.73)], expect: { kind: 'replacement', tier: 'mild', rules: ['R-UNIT-1'], says: [/0\.73 mmol\/L \(1\.77 mg\/dL\)/] } },
  { desc: 'R-UNIT-1 0.49 mmol/L is severe', resources: [mgMol(0.49)], expect: { kind: 'replacement', tier: 'severe' } },
  { desc: 'R-UNIT-1 0.5 mmol/L (1.22 mg/dL) is moderate', resources: [mgMol(0.5)], expect: { kind: 'replacement', tier: 'moderate' } },
  { desc: 'R-UNIT-1 mEq/L (not UCUM) is read as meq/L: 1.2 mEq/L = 1.46 mg/dL', resources: [mgMol(1.2, 'mEq/L')], expect: { kind: 'replacement', tier: 'mild' } },
  { desc: 'R-UNIT-1 the unit wins over the LOINC property: 2601-3 in mg/dL', resources: [mgMol(1.1, 'mg/dL')], expect: { kind: 'replacement', tier: 'severe' } },

  // ---------------------------------------------------------------- R-HYPER
  { desc: 'R-HYPER-1 2.60 mg/dL is normal', resources: [mg(2.6)], expect: { kind: 'none' } },
  { desc: 'R-HYPER-1 2.61 mg/dL: info, no supplement', resources: [mg(2.61)], expect: { kind: 'hyper', indicator: 'info', route: 'none', rules: ['R-HYPER-1', 'R-HYPER-2'], says: [/Stop magnesium sources/] } },
  { desc: 'R-HYPER-1 3.99 mg/dL is still info', resources: [mg(3.99)], expect: { kind: 'hyper', indicator: 'info' } },
  { desc: 'R-HYPER-1 4.0 mg/dL: warning', resources: [mg(4.0)], expect: { kind: 'hyper', indicator: 'warning', says: [/hyporeflexia/] } },
  { desc: 'R-HYPER-1 6.99 mg/dL is still warning', resources: [mg(6.99)], expect: { kind: 'hyper', indicator: 'warning' } },
  { desc: 'R-HYPER-1 7.0 mg/dL: critical', resources: [mg(7.0)], expect: { kind: 'hyper', indicator: 'critical', says: [/respiratory depression/] } },
  { desc: 'R-HYPER-1 with renal impairment is at least a warning', resources: [mg(3.0), egfr(20)], expect: { kind: 'hyper', indicator: 'warning', rules: ['R-HYPER-1', 'R-RENAL-1'] } },
  { desc: 'R-HYPER-1 a stale high value gives no card', resources: [mg(3.5, 'mg/dL', { hoursAgo: 100 })], expect: { kind: 'none' } },

  // ---------------------------------------------------------------- R-DATA-1/2: latest accepted result
  { desc: 'R-DATA-1 the latest by effective time wins, whatever the bundle order', resources: [mg(2.1, 'mg/dL', { hoursAgo: 1, id: 'new' }), mg(1.0, 'mg/dL', { hoursAgo: 20, id: 'old' })], expect: { kind: 'none', rules: ['R-DATA-1'] } },
  { desc: 'R-DATA-1 an older normal value does not hide a newer low one', resources: [mg(2.1, 'mg/dL', { hoursAgo: 20, id: 'old' }), mg(1.0, 'mg/dL', { hoursAgo: 1, id: 'new' })], expect: { kind: 'replacement', tier: 'severe' } },
  { desc: 'R-DATA-2 an entered-in-error latest result is skipped; the previous final one is used', resources: [mg(0.8, 'mg/dL', { hoursAgo: 1, status: 'entered-in-error', id: 'eie' }), mg(1.5, 'mg/dL', { hoursAgo: 10, id: 'ok' })], expect: { kind: 'replacement', tier: 'mild', rules: ['R-DATA-2'], says: [/later magnesium result .* was not used: status entered-in-error/] } },
  { desc: 'R-DATA-2 only a preliminary result: no card', resources: [mg(0.9, 'mg/dL', { status: 'preliminary' })], expect: { kind: 'none', rules: ['R-DATA-2'] } },
  { desc: 'R-DATA-2 amended and corrected results count', resources: [mg(1.5, 'mg/dL', { status: 'amended' })], expect: { kind: 'replacement', tier: 'mild' } },
  { desc: 'R-DATA-2 corrected counts too', resources: [mg(1.5, 'mg/dL', { status: 'corrected' })], expect: { kind: 'replacement', tier: 'mild' } },

  // ---------------------------------------------------------------- R-DATA-3: freshness
  { desc: 'R-DATA-3 71 h old is fresh', resources: [mg(1.5, 'mg/dL', { hoursAgo: 71 })], expect: { kind: 'replacement', tier: 'mild' } },
  { desc: 'R-DATA-3 73 h old is stale: recheck, no dose, info', resources: [mg(1.5, 'mg/dL', { hoursAgo: 73 })], expect: { kind: 'stale', tier: 'mild', indicator: 'info', route: 'none', rules: ['R-DATA-3'], says: [/too old to dose from/, /Recheck magnesium, potassium, calcium and creatinine now/] , neverSays: [/MedicationRequest/] } },
  { desc: 'R-DATA-3 a stale severe value is a warning', resources: [mg(1.0, 'mg/dL', { hoursAgo: 24 * 5 })], expect: { kind: 'stale', tier: 'severe', indicator: 'warning' } },
  { desc: 'R-DATA-3 29 days old is still stale', resources: [mg(1.5, 'mg/dL', { hoursAgo: 24 * 29 })], expect: { kind: 'stale', tier: 'mild' } },
  { desc: 'R-DATA-3 31 days old is ignored', resources: [mg(1.0, 'mg/dL', { hoursAgo: 24 * 31 })], expect: { kind: 'none', rules: ['R-DATA-4'] } },

  // ---------------------------------------------------------------- R-DATA-4: specimen
  { desc: 'R-DATA-4 urine and RBC magnesium never classify', resources: [observation({ code: '2598-1', value: 0.5, unit: 'mmol/L' }), observation({ code: '2597-3', value: 0.5, unit: 'mmol/L' })], expect: { kind: 'none', rules: ['R-DATA-4'] } },

  // ---------------------------------------------------------------- R-DATA-5: comparators
  { desc: 'R-DATA-5 "< 0.5 mg/dL" is severe', resources: [mg(0.5, 'mg/dL', { comparator: '<' })], expect: { kind: 'replacement', tier: 'severe', rules: ['R-DATA-5'], says: [/< 0\.5 mg\/dL/] } },
  { desc: 'R-DATA-5 "< 1.2" is severe (just below 1.2)', resources: [mg(1.2, 'mg/dL', { comparator: '<' })], expect: { kind: 'replacement', tier: 'severe' } },
  { desc: 'R-DATA-5 "< 1.3" is moderate', resources: [mg(1.3, 'mg/dL', { comparator: '<' })], expect: { kind: 'replacement', tier: 'moderate' } },
  { desc: 'R-DATA-5 "< 2.0" cannot be classified', resources: [mg(2.0, 'mg/dL', { comparator: '<' })], expect: { kind: 'uninterpretable', indicator: 'info', rules: ['R-DATA-5', 'R-DATA-6'] } },
  { desc: 'R-DATA-5 "> 3.0" is a high lower bound', resources: [mg(3.0, 'mg/dL', { comparator: '>' })], expect: { kind: 'hyper' } },
  { desc: 'R-DATA-5 "> 2.0" is not low', resources: [mg(2.0, 'mg/dL', { comparator: '>' })], expect: { kind: 'none' } },
  { desc: 'R-DATA-5 "<=" uses the value', resources: [mg(1.25, 'mg/dL', { comparator: '<=' })], expect: { kind: 'replacement', tier: 'moderate' } },

  // ---------------------------------------------------------------- R-DATA-6: uninterpretable
  { desc: 'R-DATA-6 latest without unit and nothing else: info card, no dose', resources: [observation({ code: '19123-9', value: 1.0 })], expect: { kind: 'uninterpretable', indicator: 'info', route: 'none', rules: ['R-DATA-6'], says: [/could not be read/, /unit missing/], neverSays: [/hypomagnesemia:/i] } },
  { desc: 'R-DATA-6 an unknown unit is never guessed', resources: [mg(0.7, 'mmol/kg')], expect: { kind: 'uninterpretable', says: [/not recognised/] } },
  { desc: 'R-DATA-6 a missing value', resources: [observation({ code: '19123-9', hoursAgo: 1 })], expect: { kind: 'uninterpretable', says: [/no value/] } },
  { desc: 'R-DATA-6 an unreadable latest with an older usable result: use it and say so', resources: [mg(0.7, 'weird', { hoursAgo: 1, id: 'bad' }), mg(1.5, 'mg/dL', { hoursAgo: 8, id: 'good' })], expect: { kind: 'replacement', tier: 'mild', rules: ['R-DATA-6'], says: [/later magnesium result .* could not be read/] } },

  // ---------------------------------------------------------------- R-SYM-1
  { desc: 'R-SYM-1 seizure with mild Mg: IV, critical, 2 g over 15 min then the level dose', resources: [MILD, condition({ snomed: '91175000', text: 'Seizure' })], expect: { kind: 'replacement', tier: 'mild', indicator: 'critical', route: 'iv', rules: ['R-SYM-1', 'R-MON-1', 'R-ALT-1'], says: [/Symptomatic/, /continuous ECG/, /2 g \(8\.1 mmol\) IV over 15 min, then 2 g \(8\.1 mmol\) IV over 2 h/] } },
  { desc: 'R-SYM-1 torsades by ICD-10-CM', resources: [MILD, condition({ icd10: 'I47.21', text: 'Torsades de pointes' })], expect: { kind: 'replacement', indicator: 'critical', route: 'iv', rules: ['R-SYM-1'] } },
  { desc: 'R-SYM-1 QTc 510 ms within 72 h', resources: [MILD, qtc(510)], expect: { kind: 'replacement', indicator: 'critical', route: 'iv', rules: ['R-SYM-1'], says: [/QTc 510 ms/] } },
  { desc: 'R-SYM-1 QTc 500 ms is not above 500', resources: [MILD, qtc(500)], expect: { kind: 'replacement', indicator: 'info', route: 'oral', notRules: ['R-SYM-1'] } },
  { desc: 'R-SYM-1 a QTc from 4 days ago does not count', resources: [MILD, qtc(540, 96)], expect: { kind: 'replacement', route: 'oral', notRules: ['R-SYM-1'] } },
  { desc: 'R-SYM-1 a resolved seizure does not count', resources: [MILD, condition({ snomed: '91175000', status: 'resolved' })], expect: { kind: 'replacement', route: 'oral', notRules: ['R-SYM-1'] } },
  { desc: 'R-SYM-1 epilepsy alone is not symptomatic', resources: [MILD, condition({ snomed: '84757009', text: 'Epilepsy' })], expect: { kind: 'replacement', route: 'oral', notRules: ['R-SYM-1'] } },

  // ---------------------------------------------------------------- R-RENAL-1 and R-MON-4
  { desc: 'R-RENAL-1 eGFR 29: warning, fewer oral doses (never half tablets), early recheck', resources: [MILD, egfr(29)], expect: { kind: 'replacement', indicator: 'warning', route: 'oral', rules: ['R-RENAL-1', 'R-MON-4'], says: [/Renal impairment/, /1 tablet by mouth once daily/, /50 %/, /20 g in 48 h/, /magnesium 3 days after/], neverSays: [/0\.5 tablet/] } },
  { desc: 'R-RENAL-1 eGFR 30 is not impaired', resources: [MILD, egfr(30)], expect: { kind: 'replacement', indicator: 'info', notRules: ['R-RENAL-1'], neverSays: [/renal impairment/i] } },
  { desc: 'R-RENAL-1 severe with eGFR 25: 2 g IV over 4 h, no oral maintenance', resources: [SEVERE, egfr(25)], expect: { kind: 'replacement', indicator: 'critical', route: 'iv', rules: ['R-RENAL-1'], says: [/magnesium sulfate 2 g \(8\.1 mmol\) IV over 4 h at 0\.5 g\/h/, /reduced for renal function/, /20 g per 48 h/], neverSays: [/tablet by mouth/, /oral maintenance may follow/] } },
  { desc: 'R-RENAL-1 an eGFR older than 30 days is not used', resources: [MILD, egfr(20, 24 * 31)], expect: { kind: 'replacement', notRules: ['R-RENAL-1'] } },
  { desc: 'R-RENAL-1 creatinine 2.1 mg/dL without eGFR: the oral course is offered, further maintenance needs review', resources: [MILD, creat(2.1)], birthDate: '1990-01-01', gender: 'male', expect: { kind: 'replacement', indicator: 'warning', rules: ['R-RENAL-1'], says: [/no oral maintenance beyond this course without review/], neverSays: [/no routine oral maintenance/] } },
  { desc: 'R-RENAL-1 creatinine 2.0 mg/dL in a young man (eGFR ≈ 45) is not impaired', resources: [MILD, creat(2.0)], birthDate: '1990-01-01', gender: 'male', expect: { kind: 'replacement', notRules: ['R-RENAL-1'] } },
  { desc: 'R-RENAL-1 creatinine in µmol/L (186 µmol/L = 2.1 mg/dL)', resources: [MILD, creat(186, 'umol/L')], birthDate: '1990-01-01', gender: 'male', expect: { kind: 'replacement', rules: ['R-RENAL-1'] } },
  { desc: 'R-RENAL-1 CKD-EPI 2021 from creatinine 1.8 in an 80-year-old woman (≈ 28)', resources: [MILD, creat(1.8)], birthDate: '1946-01-01', gender: 'female', expect: { kind: 'replacement', rules: ['R-RENAL-1'], says: [/CKD-EPI 2021/] } },
  { desc: 'R-RENAL-1 an eGFR result wins over creatinine', resources: [MILD, creat(2.4), egfr(45)], expect: { kind: 'replacement', notRules: ['R-RENAL-1'] } },
  { desc: 'R-RENAL-1 dialysis dependence condition', resources: [MILD, condition({ icd10: 'Z99.2', text: 'Dependence on renal dialysis' })], expect: { kind: 'replacement', indicator: 'warning', rules: ['R-RENAL-1'] } },
  { desc: 'R-TXT-1 dialysis known from a condition only: the missing labs are named, not "renal function"', resources: [MILD, condition({ snomed: '302497006', text: 'Haemodialysis' })], expect: { kind: 'replacement', rules: ['R-RENAL-3'], says: [/Not available: potassium, calcium, eGFR or creatinine\./], neverSays: [/Not available: potassium, calcium, renal function/] } },
  { desc: 'R-RENAL-1 ESRD by SNOMED', resources: [SEVERE, condition({ snomed: '46177005' })], expect: { kind: 'replacement', rules: ['R-RENAL-1'] } },

  // ---------------------------------------------------------------- R-LYTE-1
  { desc: 'R-LYTE-1 K 3.4 with low Mg: warning, potassium named', resources: [MILD, k(3.4)], expect: { kind: 'replacement', indicator: 'warning', rules: ['R-LYTE-1'], says: [/Potassium is low/, /3\.4 mmol\/L/] } },
  { desc: 'R-TXT-1 mild with low K and low ionized Ca (two modifiers) stays within the detail budget', resources: [MILD, k(3.4), ica(1.11)], expect: { kind: 'replacement', indicator: 'warning', route: 'oral', rules: ['R-LYTE-1', 'R-LYTE-2', 'R-ORAL-2'], says: [/Potassium is low/, /Calcium is low/, /separate from tetracyclines/] } },
  { desc: 'R-LYTE-1 K 3.5 is not low', resources: [MILD, k(3.5)], expect: { kind: 'replacement', indicator: 'info', notRules: ['R-LYTE-1'], neverSays: [/hypokalemia/i, /potassium is low/i] } },
  { desc: 'R-LYTE-1 a K result older than 72 h is not used', resources: [MILD, k(3.0, 80)], expect: { kind: 'replacement', notRules: ['R-LYTE-1'] } },
  { desc: 'R-LYTE-1 low K with normal Mg: no card', resources: [mg(2.0), k(3.0)], expect: { kind: 'none' } },

  // ---------------------------------------------------------------- R-LYTE-2
  { desc: 'R-LYTE-2 ionized Ca 1.11 is low', resources: [MILD, ica(1.11)], expect: { kind: 'replacement', indicator: 'warning', rules: ['R-LYTE-2'], says: [/Calcium is low/, /ionized calcium/] } },
  { desc: 'R-LYTE-2 ionized Ca 1.12 is not low', resources: [MILD, ica(1.12)], expect: { kind: 'replacement', indicator: 'info', notRules: ['R-LYTE-2'] } },
  { desc: 'R-LYTE-2 ionized Ca wins over a low total', resources: [MILD, ica(1.2), tca(7.9)], expect: { kind: 'replacement', notRules: ['R-LYTE-2'] } },
  { desc: 'R-LYTE-2 low total Ca that corrects to normal with low albumin is not flagged', resources: [MILD, tca(8.0), alb(2.5)], expect: { kind: 'replacement', notRules: ['R-LYTE-2'], neverSays: [/calcium is low/i] } },
  { desc: 'R-LYTE-2 total Ca 8.0 with albumin 40 g/L corrects to 8.0: low', resources: [MILD, tca(8.0), alb(40, 'g/L')], expect: { kind: 'replacement', rules: ['R-LYTE-2'], says: [/corrected for albumin/] } },
  { desc: 'R-LYTE-2 total Ca 8.4 without albumin: low, not albumin-corrected', resources: [MILD, tca(8.4)], expect: { kind: 'replacement', rules: ['R-LYTE-2'], says: [/not albumin-corrected/] } },
  { desc: 'R-LYTE-2 total Ca 8.5 is not low', resources: [MILD, tca(8.5)], expect: { kind: 'replacement', notRules: ['R-LYTE-2'] } },
  { desc: 'R-LYTE-2 total Ca in mmol/L (2.0 mmol/L = 8.0 mg/dL)', resources: [MILD, observation({ code: '2000-8', value: 2.0, unit: 'mmol/L' })], expect: { kind: 'replacement', rules: ['R-LYTE-2'] } },

  // ---------------------------------------------------------------- R-PREG-1
  { desc: 'R-PREG-1 active pregnancy: caveat, indicator unchanged', resources: [MILD, condition({ snomed: '77386006', text: 'Pregnancy' })], expect: { kind: 'replacement', indicator: 'info', route: 'oral', rules: ['R-PREG-1'], says: [/5-7 days/, /obstetrics/] } },
  { desc: 'R-PREG-1 an inactive pregnancy does not count', resources: [MILD, condition({ snomed: '77386006', status: 'inactive' })], expect: { kind: 'replacement', notRules: ['R-PREG-1'], neverSays: [/pregnancy/i] } },
  { desc: 'R-PREG-1 ICD-10-CM Z34.80', resources: [MILD, condition({ icd10: 'Z34.80' })], expect: { kind: 'replacement', rules: ['R-PREG-1'] } },
  { desc: 'R-PREG-1 a coded "history of" condition is not matched by its words', resources: [MILD, condition({ snomed: '161765003', text: 'History of pregnancy' })], expect: { kind: 'replacement', notRules: ['R-PREG-1'] } },

  // ---------------------------------------------------------------- R-PED-1
  { desc: 'R-PED-1/2 3-year-old, 15 kg, severe: 50 mg/kg = 750 mg, in mg and mmol', birthDate: '2023-04-10', resources: [SEVERE, weight(15)], expect: { kind: 'replacement', tier: 'severe', route: 'iv', rules: ['R-PED-1', 'R-PED-2'], says: [/750 mg \(3 mmol\) IV over 2 h/, /50 mg\/kg/, /ceiling, not a dose/], neverSays: [/0\.75 g/, /150 mg\/min/] } },
  { desc: 'R-PED-1 10-year-old, 50 kg: capped at 2 g', birthDate: '2016-01-01', resources: [SEVERE, weight(50)], expect: { kind: 'replacement', route: 'iv', says: [/2 g \(8\.1 mmol\) IV over 2 h/, /capped/] } },
  { desc: 'R-PED-1 weight in pounds (33 lb ≈ 15 kg)', birthDate: '2023-04-10', resources: [SEVERE, weight(33, 'lb')], expect: { kind: 'replacement', says: [/Child, 3 years, 15 kg/, /740 mg/] } },
  { desc: 'R-PED-1 child without weight: no dose, asks for weight', birthDate: '2023-04-10', resources: [SEVERE], expect: { kind: 'replacement', tier: 'severe', route: 'none', rules: ['R-PED-1'], says: [/record a weight/, /No dose suggested/] } },
  { desc: 'R-PED-1 a weight older than 30 days is not used', birthDate: '2023-04-10', resources: [SEVERE, weight(15, 'kg', 24 * 40)], expect: { kind: 'replacement', route: 'none' } },
  { desc: 'R-PED-1 mild child: oral by formulary, IV 25 mg/kg as the alternative', birthDate: '2016-01-01', resources: [MILD, weight(30)], expect: { kind: 'replacement', route: 'oral', rules: ['R-PED-1'], says: [/paediatric formulary/, /750 mg \(3 mmol\) IV over 4 h/] } },
  { desc: 'R-PED-1 18 years old is an adult', birthDate: '2008-11-22', resources: [SEVERE], expect: { kind: 'replacement', route: 'iv', notRules: ['R-PED-1'], says: [/4 g \(16\.2 mmol\) IV over 4 h/] } },
  { desc: 'R-PED-1 17 years old is a child', birthDate: '2008-11-23', resources: [SEVERE], expect: { kind: 'replacement', route: 'none', rules: ['R-PED-1'] } },
  { desc: 'R-PED-3 unknown age without weight: no dose, ask for age and weight, recheck', birthDate: null, resources: [SEVERE], expect: { kind: 'replacement', route: 'none', rules: ['R-PED-3'], says: [/Age not known/, /record both/], neverSays: [/MedicationRequest/] } },

  // ---------------------------------------------------------------- R-MED-1 and R-MON-3
  { desc: 'R-MED-1 active omeprazole by ingredient code', resources: [MILD, medicationRequest({ rxnorm: '7646', text: 'omeprazole 20 mg capsule' })], expect: { kind: 'replacement', rules: ['R-MED-1'], says: [/Possible medication cause/, /proton pump inhibitor/] } },
  { desc: 'R-MED-1 a product code (pantoprazole 40 MG tablet) through the product map', resources: [MILD, medicationRequest({ rxnorm: '314200', text: 'PROTONIX 40 MG' })], expect: { kind: 'replacement', rules: ['R-MED-1'] } },
  { desc: 'R-MED-1 uncoded text fallback', resources: [MILD, medicationRequest({ text: 'Furosemide 40 mg oral tablet' })], expect: { kind: 'replacement', rules: ['R-MED-1'], says: [/loop diuretic/] } },
  { desc: 'R-MED-1 a stopped order is not named', resources: [MILD, medicationRequest({ rxnorm: '7646', text: 'omeprazole', status: 'stopped' })], expect: { kind: 'replacement', notRules: ['R-MED-1'], neverSays: [/medication cause/i] } },
  { desc: 'R-MED-1 an unrelated drug is not named', resources: [MILD, medicationRequest({ rxnorm: '197361', text: 'amlodipine 5 mg tablet' })], expect: { kind: 'replacement', notRules: ['R-MED-1'] } },
  { desc: 'R-ORD-1 already on oral magnesium oxide, mild: recheck only, no second oral draft, no 3-6 months text', resources: [MILD, medicationRequest({ rxnorm: '198741', text: 'magnesium oxide 400 MG Oral Tablet' })], expect: { kind: 'replacement', route: 'none', rules: ['R-MON-3', 'R-ORD-1'], says: [/Already on oral magnesium/, /no second oral order/], neverSays: [/every 3-6 months/, /MedicationRequest/] } },

  // ---------------------------------------------------------------- combinations
  { desc: 'modifiers never lower the indicator: severe + low K stays critical', resources: [SEVERE, k(3.0)], expect: { kind: 'replacement', indicator: 'critical', rules: ['R-CLS-4', 'R-LYTE-1'] } },
  { desc: 'stale + low K today: warning, potassium named, still no dose', resources: [mg(1.5, 'mg/dL', { hoursAgo: 100 }), k(3.1)], expect: { kind: 'stale', indicator: 'warning', route: 'none', rules: ['R-LYTE-1'] } },
  { desc: 'R-LYTE-3 no magnesium at all and low K: ask for a serum magnesium', resources: [k(3.0), egfr(20)], expect: { kind: 'potassium-without-magnesium', indicator: 'info', rules: ['R-LYTE-3'], says: [/without a recent magnesium/], neverSays: [/MedicationRequest/] } },
  // ---------------------------------------------------------------- found in clinical review
  { desc: 'R-LYTE-2 corrected calcium 8.46 (7.9 with albumin 3.3) is low, unrounded', resources: [MILD, tca(7.9), alb(3.3)], expect: { kind: 'replacement', indicator: 'warning', rules: ['R-LYTE-2'] } },
  { desc: 'R-LYTE-2 a high albumin does not lower a normal total calcium', resources: [MILD, tca(8.7), alb(4.8)], expect: { kind: 'replacement', notRules: ['R-LYTE-2'] } },
  { desc: 'R-DATA-5 "< 0.5 mmol/L" is severe, as the rule table says', resources: [mgMol(0.5, 'mmol/L', { comparator: '<' })], expect: { kind: 'replacement', tier: 'severe', route: 'iv' } },
  { desc: 'R-DATA-5 "< 1.0 meq/L" is severe', resources: [mgMol(1.0, 'meq/L', { comparator: '<' })], expect: { kind: 'replacement', tier: 'severe' } },
  { desc: 'R-DATA-5 "< 0.75 mmol/L" may be normal: cannot be classified', resources: [mgMol(0.75, 'mmol/L', { comparator: '<' })], expect: { kind: 'uninterpretable' } },
  { desc: 'R-SYM-1 torsades in a 15 kg child: the emergency dose is the weight-based one', birthDate: '2023-04-10', resources: [SEVERE, weight(15), condition({ snomed: '31722008', text: 'Torsades de pointes' })], expect: { kind: 'replacement', indicator: 'critical', route: 'iv', says: [/750 mg \(3 mmol\) IV over 5 min/], neverSays: [/2 g \(8\.1 mmol\) IV over 5 min/, /150 mg\/min/] } },
  { desc: 'R-SYM-1 torsades with eGFR 20: the emergency dose is given whole, the level dose halved', resources: [SEVERE, egfr(20), condition({ snomed: '31722008' })], expect: { kind: 'replacement', says: [/2 g \(8\.1 mmol\) IV over 5 min/, /then 2 g \(8\.1 mmol\) IV over 4 h/] } },
  { desc: 'R-RENAL-1 severe: no automatic repeat up to 8 g, reduced', resources: [SEVERE, egfr(25)], expect: { kind: 'replacement', says: [/reduced for renal function/], neverSays: [/up to 8 g/] } },
  { desc: 'R-SYM-1 the uncorrected QT interval (8634-8) is not QTc', resources: [MILD, observation({ code: '8634-8', value: 520, unit: 'ms' })], expect: { kind: 'replacement', route: 'oral', notRules: ['R-SYM-1'] } },
  { desc: 'R-DATA-6 a verified result without a usable date: say so', resources: [{ ...mg(1.0), effectiveDateTime: '2026-11-22T08:00:00' }], expect: { kind: 'uninterpretable', says: [/no usable effective date/] } },
  { desc: 'R-DATA-6 an undated cancelled result is not a result at all', resources: [{ ...mg(1.0, 'mg/dL', { status: 'cancelled' }), effectiveDateTime: undefined }], expect: { kind: 'none' } },
  { desc: 'R-SYM-1 uncoded "History of seizure" is not an active finding', resources: [MILD, condition({ text: 'History of seizure' })], expect: { kind: 'replacement', route: 'oral', notRules: ['R-SYM-1'] } },
  { desc: 'R-SYM-1 uncoded "Seizure" is', resources: [MILD, condition({ text: 'Seizure' })], expect: { kind: 'replacement', route: 'iv', rules: ['R-SYM-1'] } },
  { desc: 'R-PREG-1 uncoded "Not pregnant" is not pregnancy', resources: [MILD, condition({ text: 'Not pregnant' })], expect: { kind: 'replacement', notRules: ['R-PREG-1'], neverSays: [/pregnancy/i] } },
  { desc: 'R-PREG-1 ICD-10-CM O24.410 (gestational diabetes) implies pregnancy', resources: [MILD, condition({ icd10: 'O24.410' })], expect: { kind: 'replacement', rules: ['R-PREG-1'] } },
  { desc: 'R-PREG-1 ICD-10-CM Z3A.20 (20 weeks of gestation)', resources: [MILD, condition({ icd10: 'Z3A.20' })], expect: { kind: 'replacement', rules: ['R-PREG-1'] } },
  { desc: 'R-PREG-1 a delivery code (O80) is not an active pregnancy', resources: [MILD, condition({ icd10: 'O80' })], expect: { kind: 'replacement', notRules: ['R-PREG-1'] } },
  { desc: 'R-MON-3 an oral magnesium order carrying only RxNorm 198741', resources: [MILD, { resourceType: 'MedicationRequest', status: 'active', intent: 'order', medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '198741' }] }, subject: { reference: 'Patient/pat-1' } }], expect: { kind: 'replacement', rules: ['R-MON-3', 'R-ORD-1'], says: [/Already on oral magnesium\*\* \(magnesium oxide 400 mg tablet\)/], neverSays: [/400 MG Oral Tablet/] } },
  { desc: 'R-MED-1 a brand name in text (Lasix)', resources: [MILD, medicationRequest({ text: 'Lasix 40 mg tablet' })], expect: { kind: 'replacement', rules: ['R-MED-1'] } },
  { desc: 'R-MED-1 a medicationReference to a Medication in the bundle', resources: [MILD, { resourceType: 'Medication', id: 'med-1', code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '314200' }] } }, { resourceType: 'MedicationRequest', status: 'active', intent: 'order', medicationReference: { reference: 'Medication/med-1' }, subject: { reference: 'Patient/pat-1' } }], expect: { kind: 'replacement', rules: ['R-MED-1'], says: [/pantoprazole/] } },
  { desc: 'R-UNIT-1 upper-case MG/DL from an HL7 v2 feed', resources: [mg(1.5, 'MG/DL')], expect: { kind: 'replacement', tier: 'mild' } },
  { desc: 'R-RENAL-2 eGFR 45: monitor more closely, not a renal flag', resources: [MILD, egfr(45)], expect: { kind: 'replacement', indicator: 'info', rules: ['R-RENAL-2'], notRules: ['R-RENAL-1'], says: [/monitor magnesium more closely/], neverSays: [/renal impairment/i, /reduced/] } },
  { desc: 'R-SYM-1 a stale low value with a seizure: critical, stat recheck, no dose', resources: [mg(1.5, 'mg/dL', { hoursAgo: 100 }), condition({ snomed: '91175000' })], expect: { kind: 'stale', indicator: 'critical', route: 'none', says: [/recheck magnesium now \(stat\)/], neverSays: [/give magnesium IV whatever the level/, /MedicationRequest/] } },
  { desc: 'R-PED-1 a child without weight: no per-kg text at all', birthDate: '2023-04-10', resources: [MILD], expect: { kind: 'replacement', route: 'none', neverSays: [/mg\/kg/] } },
  // ================================================================ rule set 2026.12-2 (clinical-rules.md §9.1)
  // ---------------------------------------------------------------- R-ALT-1: severe or symptomatic → IV only
  { desc: 'R-ALT-1 severe 1.19: the only draft is IV; oral maintenance is one line of text', resources: [mg(1.19)], expect: { kind: 'replacement', drafts: ['iv'], rules: ['R-ALT-1'], says: [/oral maintenance may follow/] } },
  { desc: 'R-ALT-1 moderate 1.20: oral recommended, IV the alternative draft', resources: [mg(1.2)], expect: { kind: 'replacement', route: 'oral', drafts: ['oral', 'iv'], notRules: ['R-ALT-1'] } },
  { desc: 'R-ALT-1 symptomatic mild: IV only', resources: [MILD, condition({ snomed: '91175000', text: 'Seizure' })], expect: { kind: 'replacement', drafts: ['iv'], rules: ['R-ALT-1'] } },
  // ---------------------------------------------------------------- R-IV-2 scale on the IV alternative, both sides
  { desc: 'R-IV-2 1.60: alternative 2 g over 2 h', resources: [mg(1.6)], expect: { kind: 'replacement', drafts: ['oral', 'iv'], says: [/2 g \(8\.1 mmol\) IV over 2 h at 1 g\/h/] } },
  { desc: 'R-IV-2 1.59: alternative 4 g over 4 h', resources: [mg(1.59)], expect: { kind: 'replacement', says: [/4 g \(16\.2 mmol\) IV over 4 h at 1 g\/h/] } },
  { desc: 'R-IV-2 torsades: 2 g over 5 min, then the level dose at 1 g/h', resources: [SEVERE, condition({ snomed: '31722008', text: 'Torsades de pointes' })], expect: { kind: 'replacement', drafts: ['iv'], says: [/2 g \(8\.1 mmol\) IV over 5 min \(torsades de pointes or arrest\), then 4 g/] } },
  // ---------------------------------------------------------------- R-ORAL-2
  { desc: 'R-ORAL-2 mild: twice daily, 19.8 mmol/day, 14 days, 28 tablets, counselling', resources: [MILD], expect: { kind: 'replacement', rules: ['R-ORAL-2'], says: [/twice daily \(≈ 19\.8 mmol Mg\/day\) for 14 days \(28 tablets\)/, /Take with food/, /tetracyclines, fluoroquinolones, bisphosphonates, levothyroxine and iron by 2-4 h/], neverSays: [/once daily/] } },
  { desc: 'R-ORAL-2 an active doxycycline order is named', resources: [MILD, medicationRequest({ text: 'doxycycline 100 mg capsule' })], expect: { kind: 'replacement', says: [/separate from doxycycline 100 mg capsule \(active order\)/] } },
  { desc: 'R-ORAL-2 a stopped doxycycline order is not', resources: [MILD, medicationRequest({ text: 'doxycycline 100 mg capsule', status: 'stopped' })], expect: { kind: 'replacement', neverSays: [/doxycycline/] } },
  // ---------------------------------------------------------------- R-ORD-1
  { desc: 'R-ORD-1 active IV magnesium order, severe: no second IV draft, confirm and recheck', resources: [SEVERE, medicationRequest({ text: 'magnesium sulfate 2 g IV infusion' })], expect: { kind: 'replacement', route: 'none', rules: ['R-ORD-1'], drafts: [], says: [/Magnesium already ordered/, /confirm it was given/], labels: [/Order magnesium, potassium and calcium now/] } },
  { desc: 'R-ORD-1 on-hold oral order, severe: IV suggested, replaces the oral order', resources: [SEVERE, medicationRequest({ rxnorm: '198741', text: 'magnesium oxide 400 MG Oral Tablet', status: 'on-hold' })], expect: { kind: 'replacement', route: 'iv', drafts: ['iv'], rules: ['R-ORD-1'], labels: [/replaces the oral order/] } },
  { desc: 'R-ORD-1 active oral order, moderate: recheck only, no IV alternative', resources: [mg(1.25), medicationRequest({ rxnorm: '198741', text: 'magnesium oxide 400 MG Oral Tablet' })], expect: { kind: 'replacement', route: 'none', drafts: [] } },
  { desc: 'R-ORD-1 a completed oral order does not count', resources: [MILD, medicationRequest({ rxnorm: '198741', text: 'magnesium oxide 400 MG Oral Tablet', status: 'completed' })], expect: { kind: 'replacement', route: 'oral', drafts: ['oral', 'iv'], notRules: ['R-ORD-1'] } },
  // ---------------------------------------------------------------- R-ORD-2
  { desc: 'R-ORD-2 IV magnesium given after the result was drawn: recheck, no dose', resources: [mg(1.0, 'mg/dL', { hoursAgo: 6 }), { resourceType: 'MedicationAdministration', status: 'completed', medicationCodeableConcept: { text: 'Magnesium sulfate 4 g in water' }, subject: { reference: 'Patient/pat-1' }, effectivePeriod: { start: '2026-11-22T07:00:00Z', end: '2026-11-22T11:00:00Z' }, dosage: { route: { coding: [{ system: 'http://snomed.info/sct', code: '47625008' }] }, dose: { value: 4, unit: 'g' } } }], expect: { kind: 'replacement', tier: 'severe', indicator: 'critical', route: 'none', rules: ['R-ORD-2'], says: [/Magnesium given after this result/, /Recheck the level first/], drafts: [] } },
  { desc: 'R-ORD-2 result drawn after the dose and still low: dose, naming the earlier dose', resources: [mg(1.0, 'mg/dL', { hoursAgo: 1 }), { resourceType: 'MedicationAdministration', status: 'completed', medicationCodeableConcept: { text: 'Magnesium sulfate 4 g in water' }, subject: { reference: 'Patient/pat-1' }, effectivePeriod: { start: '2026-11-22T05:00:00Z', end: '2026-11-22T09:00:00Z' } }], expect: { kind: 'replacement', route: 'iv', rules: ['R-ORD-2'], says: [/Earlier dose/] } },
  { desc: 'R-ORD-2 a given dose with a negative or zero value: still counted, its unreadable dose not quoted', resources: [mg(1.0, 'mg/dL', { hoursAgo: 6 }), { resourceType: 'MedicationAdministration', status: 'completed', medicationCodeableConcept: { text: 'Magnesium sulfate in water' }, subject: { reference: 'Patient/pat-1' }, effectiveDateTime: '2026-11-22T09:00:00Z', dosage: { route: { text: 'IV' }, dose: { value: -5, unit: 'g' } } }], expect: { kind: 'replacement', route: 'none', rules: ['R-ORD-2'], says: [/Magnesium given after this result/], neverSays: [/-5 g/], drafts: [] } },
  { desc: 'R-ORD-2 a dose given 25 h ago is outside the window', resources: [mg(1.0, 'mg/dL', { hoursAgo: 6 }), { resourceType: 'MedicationAdministration', status: 'completed', medicationCodeableConcept: { text: 'Magnesium sulfate 2 g' }, subject: { reference: 'Patient/pat-1' }, effectiveDateTime: '2026-11-21T11:00:00Z' }], expect: { kind: 'replacement', route: 'iv', notRules: ['R-ORD-2'] } },
  { desc: 'R-ORD-2 a stopped (not given) administration does not count', resources: [mg(1.0, 'mg/dL', { hoursAgo: 6 }), { resourceType: 'MedicationAdministration', status: 'not-done', medicationCodeableConcept: { text: 'Magnesium sulfate 2 g' }, subject: { reference: 'Patient/pat-1' }, effectiveDateTime: '2026-11-22T10:00:00Z' }], expect: { kind: 'replacement', route: 'iv', notRules: ['R-ORD-2'] } },
  // ---------------------------------------------------------------- R-GI-1
  { desc: 'R-GI-1 diarrhoea with mild Mg: no magnesium oxide, IV recommended, a tolerated salt named', resources: [MILD, condition({ snomed: '62315008', text: 'Diarrhoea' })], expect: { kind: 'replacement', route: 'iv', drafts: ['iv'], rules: ['R-GI-1'], says: [/no magnesium oxide/, /glycinate/], neverSays: [/198741/] } },
  { desc: 'R-GI-1 with R-RENAL-3 (ESRD): IV at half dose and no later oral salt either', resources: [MILD, condition({ snomed: '62315008', text: 'Diarrhoea' }), condition({ icd10: 'N18.6' })], expect: { kind: 'replacement', route: 'iv', drafts: ['iv'], rules: ['R-GI-1', 'R-RENAL-3'], says: [/no magnesium oxide/, /no oral magnesium/], neverSays: [/glycinate/, /If oral later/] } },
  { desc: 'R-GI-1 short bowel by ICD-10-CM K90.821', resources: [MILD, condition({ icd10: 'K90.821' })], expect: { kind: 'replacement', route: 'iv', rules: ['R-GI-1'] } },
  { desc: 'R-GI-1 "History of diarrhoea" is not active', resources: [MILD, condition({ text: 'History of diarrhoea' })], expect: { kind: 'replacement', route: 'oral', notRules: ['R-GI-1'] } },
  // ---------------------------------------------------------------- R-DIG-1
  { desc: 'R-DIG-1 digoxin with mild Mg: warning, toxicity named', resources: [MILD, medicationRequest({ rxnorm: '3407', text: 'digoxin 125 mcg tablet' })], expect: { kind: 'replacement', indicator: 'warning', rules: ['R-DIG-1'], says: [/digoxin toxicity/, /digoxin level/] } },
  { desc: 'R-TXT-1 a digoxin order named by its RxNorm name is written in prose (no "MG Oral Tablet")', resources: [MILD, medicationRequest({ rxnorm: '3407', text: 'digoxin 0.125 MG Oral Tablet' })], expect: { kind: 'replacement', rules: ['R-DIG-1'], says: [/digoxin 0\.125 mg tablet/], neverSays: [/\(digoxin 0\.125 MG/] } },
  { desc: 'R-TXT-1 cardiac-target card: a digoxin RxNorm name is written in prose', resources: [mg(1.9), medicationRequest({ rxnorm: '3407', text: 'digoxin 0.125 MG Oral Tablet' })], expect: { kind: 'cardiac-target', rules: ['R-CARD-1'], drafts: ['oral', 'iv'], says: [/digoxin 0\.125 mg tablet/], neverSays: [/\(digoxin 0\.125 MG/] } },
  { desc: 'R-DIG-1 without digoxin: info', resources: [MILD], expect: { kind: 'replacement', indicator: 'info', notRules: ['R-DIG-1'] } },
  // ---------------------------------------------------------------- R-CARD-1, both sides of 1.8 and 2.0
  { desc: 'R-CARD-1 atrial fibrillation and Mg 1.9: below the cardiac target, info, oral or IV 2 g/2 h', resources: [mg(1.9), condition({ snomed: '49436004', text: 'Atrial fibrillation' })], expect: { kind: 'cardiac-target', indicator: 'info', route: 'none', rules: ['R-CARD-1'], drafts: ['oral', 'iv'], says: [/cardiac target of 2\.0 mg\/dL/, /2 g \(8\.1 mmol\) IV over 2 h/] } },
  { desc: 'R-CARD-1 atrial fibrillation and Mg 2.0: no card', resources: [mg(2.0), condition({ snomed: '49436004' })], expect: { kind: 'none' } },
  { desc: 'R-CARD-1 Mg 1.9 without cardiac risk: no card', resources: [mg(1.9)], expect: { kind: 'none' } },
  { desc: 'R-CARD-1 a digoxin order is a cardiac risk', resources: [mg(1.85), medicationRequest({ text: 'Lanoxin 125 mcg' })], expect: { kind: 'cardiac-target', rules: ['R-CARD-1', 'R-DIG-1'] } },
  { desc: 'R-CARD-1 heart failure and Mg 1.79 is hypomagnesemia, not the cardiac card', resources: [mg(1.79), condition({ icd10: 'I50.9' })], expect: { kind: 'replacement', tier: 'mild', notRules: ['R-CARD-1'] } },
  // ---------------------------------------------------------------- R-LYTE-3, both sides of 3.5 mmol/L and 24 h
  { desc: 'R-LYTE-3 K 3.4 and a normal Mg drawn 30 h ago: ask for a serum magnesium', resources: [k(3.4), mg(2.0, 'mg/dL', { hoursAgo: 30 })], expect: { kind: 'potassium-without-magnesium', indicator: 'info', rules: ['R-LYTE-3'], labels: [/serum magnesium/], says: [/last: 2\.0 mg\/dL/] } },
  { desc: 'R-LYTE-3 K 3.4 and a normal Mg drawn 20 h ago: no card', resources: [k(3.4), mg(2.0, 'mg/dL', { hoursAgo: 20 })], expect: { kind: 'none' } },
  { desc: 'R-LYTE-3 K 3.5 without Mg: no card', resources: [k(3.5)], expect: { kind: 'none' } },
  { desc: 'R-LYTE-3 K 3.2 drawn 80 h ago is too old: no card', resources: [k(3.2, 80)], expect: { kind: 'none' } },
  // ---------------------------------------------------------------- R-RENAL-3, both sides of eGFR 15
  { desc: 'R-RENAL-3 eGFR 14, mild: no oral draft, half IV dose, discuss with nephrology first', resources: [MILD, egfr(14)], expect: { kind: 'replacement', route: 'iv', drafts: ['iv'], rules: ['R-RENAL-1', 'R-RENAL-3'], says: [/Plan\*\*\n- \*\*Discuss with the prescriber or nephrology\*\*/, /1 g \(4\.1 mmol\) IV over 2 h at 0\.5 g\/h/], neverSays: [/tablet/] } },
  { desc: 'R-RENAL-3 eGFR 15 is R-RENAL-1 only: oral once daily', resources: [MILD, egfr(15)], expect: { kind: 'replacement', route: 'oral', rules: ['R-RENAL-1'], notRules: ['R-RENAL-3'] } },
  { desc: 'R-RENAL-3 haemodialysis SNOMED 302497006 beside an unknown code', resources: [MILD, { ...condition({}), code: { coding: [{ system: 'http://snomed.info/sct', code: '302497006' }, { system: 'urn:oid:1.2.3', code: 'HD' }], text: 'Haemodialysis' } }], expect: { kind: 'replacement', route: 'iv', rules: ['R-RENAL-3'], says: [/Severe renal impairment/] } },
  { desc: 'R-RENAL-3 peritoneal dialysis in text beside an unknown SNOMED code', resources: [MILD, { ...condition({}), code: { coding: [{ system: 'http://snomed.info/sct', code: '123456789' }], text: 'On peritoneal dialysis' } }], expect: { kind: 'replacement', rules: ['R-RENAL-3'] } },
  { desc: 'R-RENAL-3 "history of dialysis" beside an unknown code is not dialysis', resources: [MILD, { ...condition({}), code: { coding: [{ system: 'http://snomed.info/sct', code: '123456789' }], text: 'History of dialysis (transplanted 2019)' } }], expect: { kind: 'replacement', route: 'oral', notRules: ['R-RENAL-1', 'R-RENAL-3'] } },
  { desc: 'R-RENAL-3 a resolved dialysis condition does not count', resources: [MILD, condition({ snomed: '302497006', status: 'resolved' })], expect: { kind: 'replacement', route: 'oral', notRules: ['R-RENAL-3'] } },
  { desc: 'R-RENAL-3 ICD-10-CM N18.6 (ESRD)', resources: [MILD, condition({ icd10: 'N18.6' })], expect: { kind: 'replacement', rules: ['R-RENAL-3'] } },
  // ---------------------------------------------------------------- R-PED-2
  { desc: 'R-PED-2 neonate (20 days) with a weight: no dose, specialist review, recheck offered', birthDate: '2026-11-02', resources: [SEVERE, weight(3.4)], expect: { kind: 'replacement', route: 'none', rules: ['R-PED-2'], drafts: [], says: [/Neonate, 20 days old/, /specialist review/], labels: [/magnesium/] } },
  { desc: 'R-PED-2 28 days: dosed in mg', birthDate: '2026-10-25', resources: [SEVERE, weight(4)], expect: { kind: 'replacement', route: 'iv', says: [/200 mg \(0\.81 mmol\) IV over 2 h/, /Child, 28 days/] } },
  { desc: 'R-PED-2 a 5-month-old: age in months, 25 mg/kg rounded to 10 mg', birthDate: '2026-06-10', resources: [MILD, weight(6.3)], expect: { kind: 'replacement', says: [/Child, 5 months/, /160 mg \(0\.65 mmol\) IV over 4 h/], neverSays: [/0\.16 g/, /150 mg\/min/] } },
  { desc: 'R-PED-2 a 3-year-old: age in years', birthDate: '2023-04-10', resources: [MILD, weight(15)], expect: { kind: 'replacement', says: [/Child, 3 years/] } },
  // ---------------------------------------------------------------- R-PED-3
  { desc: 'R-PED-3 unknown age with a weight: per-kg dose capped at the adult dose', birthDate: null, resources: [SEVERE, weight(100)], expect: { kind: 'replacement', route: 'iv', rules: ['R-PED-3'], says: [/Age not known/, /4 g \(16\.2 mmol\)/] } },
  { desc: 'R-PED-3 unknown age, 20 kg: 1 g by weight', birthDate: null, resources: [SEVERE, weight(20)], expect: { kind: 'replacement', route: 'iv', says: [/1 g \(4\.1 mmol\)/] } },
  // ---------------------------------------------------------------- R-HYPER-2, both sides of 4.0 and 7.0
  { desc: 'R-HYPER-2 3.9: stop sources, no monitoring line', resources: [mg(3.9)], expect: { kind: 'hyper', indicator: 'info', says: [/Stop magnesium sources/], neverSays: [/deep tendon/, /50 %/, /when dosing/] } },
  { desc: 'R-HYPER-2 4.0: monitor reflexes, BP, respiration, ECG', resources: [mg(4.0)], expect: { kind: 'hyper', indicator: 'warning', says: [/deep tendon reflexes, blood pressure, respiration and ECG/], neverSays: [/calcium gluconate/] } },
  { desc: 'R-HYPER-2 6.99: no calcium gluconate yet', resources: [mg(6.99)], expect: { kind: 'hyper', neverSays: [/calcium gluconate/] } },
  { desc: 'R-HYPER-2 7.0 with eGFR 20: calcium gluconate and dialysis, no dosing text', resources: [mg(7.0), egfr(20)], expect: { kind: 'hyper', indicator: 'critical', says: [/calcium gluconate/, /dialysis in renal failure/], neverSays: [/50 %/, /when dosing/] } },
  // ---------------------------------------------------------------- R-DATA-8
  { desc: 'R-DATA-8 1.0 and 1.6 at the same instant, no issued: the lower wins, the other is named', resources: [mg(1.6, 'mg/dL', { id: 'a' }), mg(1.0, 'mg/dL', { id: 'b' })], expect: { kind: 'replacement', tier: 'severe', rules: ['R-DATA-8'], says: [/Another magnesium result at the same time read 1\.6 mg\/dL/] } },
  { desc: 'R-DATA-8 the same two in the other bundle order: the same answer', resources: [mg(1.0, 'mg/dL', { id: 'b' }), mg(1.6, 'mg/dL', { id: 'a' })], expect: { kind: 'replacement', tier: 'severe', says: [/same time read 1\.6 mg\/dL/] } },
  { desc: 'R-DATA-8 the later issued wins', resources: [{ ...mg(1.0, 'mg/dL', { id: 'b' }), issued: '2026-11-22T10:30:00Z' }, { ...mg(1.6, 'mg/dL', { id: 'a' }), issued: '2026-11-22T11:00:00Z' }], expect: { kind: 'replacement', tier: 'mild', says: [/same time read 1\.0 mg\/dL/] } },
  // ---------------------------------------------------------------- R-DATA-9, both sides of the 60 min tolerance
  { desc: 'R-DATA-9 a result 3 h in the future with an older normal one: info card, not silent', resources: [mg(1.0, 'mg/dL', { hoursAgo: -3 }), mg(2.0, 'mg/dL', { hoursAgo: 10 })], expect: { kind: 'future-result', indicator: 'info', rules: ['R-DATA-9'], says: [/dated in the future \(2026-11-22 15:00 UTC\) was not used/, /check the lab system's clock/] } },
  { desc: 'R-DATA-9 a future result beside low K and an old normal Mg: the potassium card names it', resources: [k(3.2), mg(1.0, 'mg/dL', { hoursAgo: -3 }), mg(2.0, 'mg/dL', { hoursAgo: 30 })], expect: { kind: 'potassium-without-magnesium', rules: ['R-LYTE-3', 'R-DATA-9'], says: [/dated in the future/] } },
  { desc: 'R-DATA-9 30 min in the future is within the tolerance: used', resources: [mg(1.0, 'mg/dL', { hoursAgo: -0.5 })], expect: { kind: 'replacement', tier: 'severe', notRules: ['R-DATA-9'] } },
  { desc: 'R-DATA-9 a future result beside a low current one: notice on the replacement card', resources: [mg(2.0, 'mg/dL', { hoursAgo: -3 }), mg(1.5, 'mg/dL', { hoursAgo: 2 })], expect: { kind: 'replacement', rules: ['R-DATA-9'], says: [/dated in the future/] } },
  // ---------------------------------------------------------------- R-DATA-6: plausibility and the unreadable latest result
  { desc: 'R-DATA-6 Mg 0 mg/dL is implausible, not severe', resources: [mg(0)], expect: { kind: 'uninterpretable', says: [/plausible range/], neverSays: [/give IV/, /MedicationRequest/] } },
  { desc: 'R-DATA-6 Mg 1e308 mmol/L is implausible, never "Infinity"', resources: [mgMol(1e308)], expect: { kind: 'uninterpretable', neverSays: [/Infinity/] } },
  { desc: 'R-DATA-6 Mg 0.1 mg/dL is the plausible floor: severe', resources: [mg(0.1)], expect: { kind: 'replacement', tier: 'severe' } },
  { desc: 'R-DATA-6 Mg 21 mg/dL is implausible', resources: [mg(21)], expect: { kind: 'uninterpretable' } },
  { desc: 'R-DATA-6 latest a string value, older normal: say it could not be read and what the previous was', resources: [{ ...mg(1.0, 'mg/dL', { hoursAgo: 1 }), valueQuantity: undefined, valueString: 'see comment' }, mg(2.1, 'mg/dL', { hoursAgo: 30 })], expect: { kind: 'uninterpretable', rules: ['R-DATA-6'], says: [/previous result was 2\.1 mg\/dL/, /normal/] } },
  { desc: 'R-DATA-6 latest with an empty unit, older normal', resources: [mg(1.0, '', { hoursAgo: 1 }), mg(2.1, 'mg/dL', { hoursAgo: 30 })], expect: { kind: 'uninterpretable', says: [/previous result was 2\.1 mg\/dL/] } },
  { desc: 'R-DATA-6 latest with an impossible date, older normal', resources: [{ ...mg(1.0), effectiveDateTime: '2026-02-30T10:00:00Z' }, mg(2.1, 'mg/dL', { hoursAgo: 30 })], expect: { kind: 'uninterpretable', says: [/no usable date/, /previous result was 2\.1/] } },
  // ---------------------------------------------------------------- R-TXT-1
  { desc: 'R-TXT-1 no duplicated label: coded "Pregnancy" reads **Pregnancy**', resources: [MILD, condition({ snomed: '77386006', text: 'Pregnancy' })], expect: { kind: 'replacement', rules: ['R-PREG-1'], neverSays: [/Pregnancy \(Pregnancy\)/] } },
  { desc: 'R-TXT-1 the PPI sentence only for a proton pump inhibitor', resources: [MILD, medicationRequest({ rxnorm: '42316', text: 'tacrolimus 1 mg capsule' }), medicationRequest({ rxnorm: '4603', text: 'furosemide 40 mg tablet' })], expect: { kind: 'replacement', rules: ['R-MED-1'], neverSays: [/proton pump/] } },
  { desc: 'R-TXT-1 absolute times in the result\'s own offset, labelled', resources: [{ ...mg(1.5), effectiveDateTime: '2026-11-22T09:30:00+01:00' }], expect: { kind: 'replacement', says: [/drawn 2026-11-22 09:30 UTC\+01:00/] } },
  { desc: 'R-TXT-1 normal K, Ca and eGFR are listed as checked', resources: [MILD, k(4.2), tca(9.1), egfr(80)], expect: { kind: 'replacement', says: [/Checked, not low: potassium 4\.2 mmol\/L, calcium 9\.1 mg\/dL and eGFR 80/] } },
  { desc: 'R-TXT-1 a checked eGFR is listed in its display unit, not as the raw UCUM code', resources: [MILD, k(4.2), tca(9.1), egfr(80)], expect: { kind: 'replacement', says: [/and eGFR 80 mL\/min\/1\.73 m²\./], neverSays: [/\{1\.73_m2\}/] } },
  { desc: 'R-PED-1 a stale value in a child: no dose text', birthDate: '2023-04-10', resources: [mg(1.0, 'mg/dL', { hoursAgo: 100 }), weight(15)], expect: { kind: 'stale', neverSays: [/mg\/kg/] } },
];
