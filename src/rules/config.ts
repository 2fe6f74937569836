import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, describeIssues } from '../config';
import { assertNoPrefetchDrift } from './prefetch-drift';
import {
  defaultDepletingIngredients,
  defaultLabOrders,
  defaultLoinc,
  defaultOralMagnesiumNames,
  defaultPregnancyConditions,
  defaultCardiacRiskConditions,
  defaultDigoxin,
  defaultEmergencyConditions,
  defaultGiConditions,
  defaultOralInteractions,
  defaultPremixedIvProducts,
  defaultRenalConditions,
  defaultSevereRenalConditions,
  defaultSymptomConditions,
} from '../clinical/codes';

/**
 * The one rule configuration: every threshold, window, dose, rate and code list the rules use.
 * Defaults are clinical-rules.md (rule IDs in the descriptions); an institution overrides any part
 * with RULES_FILE. docs/rules.md is generated from these descriptions (npm run docs:rules).
 */

const positive = z.number().positive();
const hours = z.number().positive();
const codeList = z.array(z.string().min(1)).min(1);
const d = <T extends z.ZodType>(schema: T, text: string): T => schema.describe(text);

const conceptSet = z.strictObject({
  snomed: d(z.array(z.string().min(1)), 'SNOMED CT codes'),
  icd10: d(z.array(z.string().min(1)), 'ICD-10 / ICD-10-CM codes'),
  text: d(z.array(z.string().min(1)), 'lower-case phrases matched in the condition text when no code matches'),
});

const ivRegimen = z.strictObject({
  grams: d(positive, 'magnesium sulfate dose in grams'),
  minutes: d(positive, 'infusion time in minutes'),
});

const oralRegimen = z.strictObject({
  tabletsPerDose: d(positive, 'tablets per dose'),
  dosesPerDay: d(z.number().int().positive(), 'doses per day'),
});

/** One row of the IV dose-by-level scale (R-IV-2): below `belowMgDl`, give `grams` over `hours`. */
const ivLevelRow = z.strictObject({
  belowMgDl: d(positive, 'the row applies to magnesium below this (mg/dL), when no lower row applies'),
  grams: d(positive, 'magnesium sulfate dose in grams'),
  hours: d(positive, 'infusion time in hours'),
});

const premixedProduct = z.strictObject({
  rxnorm: d(z.string().min(1), 'RxNorm SCD code'),
  display: d(z.string().min(1), 'product name'),
  grams: d(positive, 'grams of magnesium sulfate in the bag'),
  mL: d(positive, 'bag volume in mL'),
  verified: d(z.boolean(), 'whether the RxNorm code was verified in a public source'),
});

const saltRow = z.strictObject({
  mmolPerGram: d(positive, 'mmol elemental magnesium per gram of the salt'),
  form: d(z.string().min(1), 'the chemical form the conversion assumes'),
  verified: d(z.boolean(), 'whether the conversion was checked against a source (clinical-rules.md §2)'),
});

const labCoding = z.strictObject({
  system: d(z.string().min(1), 'code system'),
  code: d(z.string().min(1), 'code'),
  display: d(z.string().min(1), 'display text'),
});

/** R-DATA-6: the physiological range of one analyte, in its canonical unit. */
const plausibleRange = z.strictObject({
  min: d(z.number().min(0), 'lowest plausible value, canonical unit'),
  max: d(positive, 'highest plausible value, canonical unit'),
});

export const ruleConfigSchema = z
  .strictObject({
    version: d(z.string().min(1), "Rule set version, carried in every card's extension"),
    magnesium: z.strictObject({
      lowBelowMgDl: d(positive, 'Below this serum Mg (mg/dL) is hypomagnesemia (R-CLS-1/2)'),
      moderateBelowMgDl: d(positive, 'Below this is at least moderate (R-CLS-3)'),
      severeBelowMgDl: d(positive, 'Below this is severe (R-CLS-4)'),
      highAboveMgDl: d(positive, 'Above this is hypermagnesemia (R-HYPER-1)'),
      hyperWarningFromMgDl: d(positive, 'From this value a hypermagnesemia card is a warning (R-HYPER-1)'),
      hyperCriticalFromMgDl: d(positive, 'From this value a hypermagnesemia card is critical (R-HYPER-1)'),
      compareDecimals: d(z.number().int().min(0).max(4), 'Converted mg/dL is rounded to this many decimals before comparing (R-UNIT-2)'),
      comparatorToleranceMgDl: d(
        z.number().min(0).max(0.1),
        'A "<X" result whose bound lies within this of a tier limit counts as below it, so "< 0.5 mmol/L" (1.215 mg/dL) is severe (R-DATA-5, R-CLS-4)',
      ),
    }),
    results: z.strictObject({
      acceptedStatuses: d(codeList, 'Observation.status values that count as results (R-DATA-2)'),
      freshHours: d(hours, 'A magnesium result younger than this may be dosed from (R-DATA-3)'),
      lookbackDays: d(positive, 'Magnesium results older than this are ignored (R-DATA-3)'),
      futureToleranceMinutes: d(z.number().min(0), 'Results dated further in the future than this are not used, and the card says so (R-DATA-9)'),
      plausibleRanges: d(
        z.strictObject({
          magnesium: d(plausibleRange, 'serum magnesium, mg/dL'),
          potassium: d(plausibleRange, 'potassium, mmol/L'),
          calciumTotal: d(plausibleRange, 'total calcium, mg/dL'),
          calciumCorrected: d(plausibleRange, 'corrected calcium, mg/dL'),
          calciumIonized: d(plausibleRange, 'ionized calcium, mmol/L'),
          albumin: d(plausibleRange, 'albumin, g/dL'),
          creatinine: d(plausibleRange, 'creatinine, mg/dL'),
          egfr: d(plausibleRange, 'eGFR, mL/min/1.73 m2'),
          weight: d(plausibleRange, 'body weight, kg'),
          qtc: d(plausibleRange, 'QTc, ms'),
        }),
        'Physiological plausibility: a value outside the range (after unit conversion) is uninterpretable (R-DATA-6)',
      ),
      sameInstantNote: d(z.boolean(), 'Name the other value when several results share the latest instant (R-DATA-8)'),
    }),
    potassium: z.strictObject({
      lowBelowMmolL: d(positive, 'Potassium below this (mmol/L) is low (R-LYTE-1)'),
      windowHours: d(hours, 'Potassium results older than this are not used (R-LYTE-1)'),
      recentMagnesiumHours: d(hours, 'Low potassium without an accepted serum magnesium this recent asks for one (R-LYTE-3)'),
    }),
    cardiac: z.strictObject({
      enabled: d(z.boolean(), 'Site setting: flag magnesium below the cardiac target in cardiac-risk patients (R-CARD-1)'),
      targetMgDl: d(positive, 'Cardiac target: magnesium below this (and not low) is flagged with cardiac risk (R-CARD-1)'),
    }),
    administrations: z.strictObject({
      windowHours: d(hours, 'An IV magnesium administration this recent changes the plan (R-ORD-2)'),
    }),
    display: z.strictObject({
      timeZone: d(
        z.string().min(1).refine((tz) => tz === 'observation' || isTimeZone(tz), 'unknown time zone').describe('IANA zone'),
        'Time zone of absolute times in card details; "observation" uses the offset each result was written with (R-TXT-1)',
      ),
      detailMaxChars: d(z.number().int().positive(), 'Target length of a replacement card detail with at most two modifiers (R-TXT-1)'),
    }),
    calcium: z.strictObject({
      ionizedLowBelowMmolL: d(positive, 'Ionized calcium below this (mmol/L) is low (R-LYTE-2)'),
      totalLowBelowMgDl: d(positive, 'Total or albumin-corrected calcium below this (mg/dL) is low (R-LYTE-2)'),
      albuminNormalGdL: d(positive, 'Albumin reference in the correction Ca + k x (ref - albumin) (R-LYTE-2)'),
      albuminCorrectionPerGdL: d(positive, 'k in the albumin correction (R-LYTE-2)'),
      albuminWindowHours: d(hours, 'Albumin older than this is not used for the correction (R-LYTE-2)'),
      windowHours: d(hours, 'Calcium results older than this are not used (R-LYTE-2)'),
    }),
    renal: z.strictObject({
      egfrBelow: d(positive, 'eGFR below this (mL/min/1.73 m2) is renal impairment (R-RENAL-1)'),
      monitorEgfrBelow: d(positive, 'eGFR below this (and not impaired) adds "monitor magnesium more closely" (R-RENAL-2)'),
      monitorCreatinineFromMgDl: d(positive, 'Without an eGFR result, creatinine from this (mg/dL) adds the same line (R-RENAL-2)'),
      creatinineAboveMgDl: d(positive, 'Without an eGFR result, creatinine above this (mg/dL) is renal impairment (R-RENAL-1)'),
      windowDays: d(positive, 'eGFR and creatinine results older than this are not used (R-RENAL-1)'),
      doseFraction: d(z.number().positive().max(1), 'Fraction of the usual dose given in renal impairment (R-RENAL-1)'),
      maxMagnesiumSulfateGramsPer48h: d(positive, 'Label cap in severe renal insufficiency: maxDosePerPeriod with renal impairment, grams per 48 h (R-RENAL-1, R-IV-3)'),
      severeEgfrBelow: d(positive, 'eGFR below this (mL/min/1.73 m2) is severe renal impairment (R-RENAL-3)'),
      ivRecheckHours: d(hours, 'Earlier magnesium recheck after IV in renal impairment (R-MON-4)'),
      oralRecheckDays: d(positive, 'Earlier recheck after starting oral magnesium in renal impairment (R-MON-4)'),
    }),
    symptoms: z.strictObject({
      qtcAboveMs: d(positive, 'QTc above this (ms) makes low magnesium high-risk (R-SYM-1)'),
      qtcWindowHours: d(hours, 'QTc results older than this are not used (R-SYM-1)'),
    }),
    pediatric: z.strictObject({
      adultFromYears: d(positive, 'Patients younger than this get weight-based doses (R-PED-1)'),
      weightWindowDays: d(positive, 'Body weight older than this is not used (R-PED-1)'),
      ivMgPerKgLow: d(positive, 'Lower IV dose, mg magnesium sulfate per kg (R-PED-1)'),
      ivMgPerKgHigh: d(positive, 'Upper IV dose, mg magnesium sulfate per kg (R-PED-1)'),
      ivMaxGramsPerDose: d(positive, 'Cap per IV dose in grams (R-PED-1)'),
      ivInfusionHoursMin: d(hours, 'Shortest infusion time for a weight-based dose (R-PED-1)'),
      ivInfusionHoursMax: d(hours, 'Longest infusion time for a weight-based dose (R-PED-1)'),
      labelCeilingMgPerKg: d(positive, 'Label ceiling quoted as an absolute maximum, never as a dose (R-PED-1)'),
      neonateBelowDays: d(positive, 'Younger than this many days is a neonate: specialist review, no automatic dose (R-PED-2)'),
      ageInMonthsBelowYears: d(positive, 'Below this age (years) the age is shown in months; under 1 month in days (R-PED-2)'),
      doseRoundMg: d(positive, "A child's IV dose is rounded to the nearest multiple of this many mg (R-PED-2)"),
      maxDosePeriodHours: d(hours, "Period of a child's maxDosePerPeriod: the per-dose maximum per this many hours (R-IV-3)"),
    }),
    oral: z.strictObject({
      product: z.strictObject({
        rxnorm: d(z.string().min(1), 'RxNorm code of the oral product suggested'),
        display: d(z.string().min(1), 'Name of the oral product'),
        mmolMagnesiumPerTablet: d(positive, 'mmol of elemental magnesium per tablet (R-CLS-2)'),
        mgElementalPerTablet: d(positive, 'mg of elemental magnesium per tablet (R-CLS-2)'),
      }),
      dailyMmolLow: d(positive, 'Lower usual daily oral dose, mmol Mg (R-CLS-2, R-ORAL-2)'),
      dailyMmolHigh: d(positive, 'Upper usual daily oral dose, mmol Mg (R-CLS-2, R-ORAL-2)'),
      mild: d(oralRegimen, 'Oral regimen for mild hypomagnesemia (R-CLS-2)'),
      moderate: d(oralRegimen, 'Oral regimen for moderate hypomagnesemia (R-CLS-3)'),
      maintenanceAfterIv: d(oralRegimen, 'Oral regimen offered after IV repletion of severe hypomagnesemia (R-CLS-4)'),
      alternatives: d(z.string().min(1), 'Text naming better-absorbed oral salts (R-CLS-2)'),
      durationDays: d(positive, 'Days an oral course runs: until the recheck of R-MON-2 (R-ORAL-2)'),
      giTolerated: d(z.string().min(1), 'Oral salt named instead of magnesium oxide with diarrhoea or short bowel (R-GI-1)'),
      separationHours: d(z.string().min(1), 'Hours to separate oral magnesium from interacting drugs (R-ORAL-2)'),
    }),
    iv: z.strictObject({
      product: z.strictObject({
        rxnorm: d(z.string().min(1), 'RxNorm ingredient code of IV magnesium sulfate (drafts name a premixed bag, iv.premixed)'),
        display: d(z.string().min(1), 'Ingredient name of the IV product'),
      }),
      mild: d(ivRegimen, 'Rule set 1 only (replaced by iv.levelScale, R-IV-2); kept so older RULES_FILEs still load (R-CLS-2)'),
      moderate: d(ivRegimen, 'Rule set 1 only (replaced by iv.levelScale, R-IV-2); kept so older RULES_FILEs still load (R-CLS-3)'),
      severe: d(ivRegimen, 'Rule set 1 only (replaced by iv.levelScale, R-IV-2); kept so older RULES_FILEs still load (R-CLS-4)'),
      symptomatic: d(ivRegimen, 'IV dose when symptomatic or high-risk (R-SYM-1)'),
      torsadesMinutes: d(positive, 'Infusion time of the symptomatic dose in torsades or arrest (R-SYM-1)'),
      maxMgPerMinute: d(positive, 'Fastest IV rate outside emergencies, mg magnesium sulfate per minute (R-CLS-4)'),
      maxConcentrationPercent: d(positive, 'Strongest concentration for IV infusion, percent; the premixed bags are 4 % (R-CLS-4, R-IV-3)'),
      levelScale: d(z.array(ivLevelRow).min(1), 'IV dose by level for adults without renal impairment; the lowest row whose limit the level is below applies (R-IV-2)'),
      maxGramsPerHour: d(positive, 'Fastest non-emergency IV rate, g magnesium sulfate per hour (R-IV-2)'),
      recheckHoursAfterInfusion: d(hours, 'Magnesium recheck this many hours after the end of an IV level dose (R-IV-2, R-MON-1)'),
      severeRepeatUpToGrams: d(positive, 'Severe: repeat the level dose by level up to this many grams (R-IV-2)'),
      severeRepeatOverHours: d(hours, 'over this many hours (R-IV-2)'),
      maxGramsPer24h: d(positive, 'Label cap: maxDosePerPeriod for adults, grams magnesium sulfate per 24 h (R-IV-3)'),
      mmolPerGram: d(positive, 'mmol magnesium in 1 g magnesium sulfate heptahydrate (R-IV-3)'),
      mEqPerGram: d(positive, 'mEq magnesium in 1 g magnesium sulfate heptahydrate (R-IV-3)'),
      premixed: d(z.array(premixedProduct).min(1), 'Orderable premixed bags (magnesium sulfate in water); the smallest bag holding the dose is named (R-IV-3)'),
      followOnText: d(z.string().min(1), 'Rule set 1 only (replaced by iv.severeRepeatUpToGrams, R-IV-2); kept so older RULES_FILEs still load (R-CLS-4)'),
    }),
    monitoring: z.strictObject({
      ivSevereEveryHours: d(z.string().min(1), 'Interval of Mg checks during IV correction of severe deficiency (R-MON-1)'),
      ivRecheckHours: d(hours, 'Rule set 1 only (replaced by iv.recheckHoursAfterInfusion); kept so older RULES_FILEs still load (R-MON-1)'),
      oralRecheckDays: d(positive, 'Follow-up Mg after starting oral replacement (R-MON-2)'),
      oralRecheckText: d(z.string().min(1), 'Wording of the oral recheck window (R-MON-2)'),
      chronicOralText: d(z.string().min(1), 'Rule set 1 only: not shown while the level is low (R-ORD-1); kept so older RULES_FILEs still load (R-MON-3)'),
      ivRecheckWindowHours: d(hours, 'Follow-up lab orders after IV: occurrence window length (R-MON-1)'),
      oralRecheckWindowDays: d(positive, 'Follow-up lab orders after oral: occurrence window length in days (R-MON-2)'),
      nowWindowHours: d(hours, 'A recheck "now": occurrence window length (R-DATA-3, R-DATA-6, R-LYTE-3, R-ORD-1/2)'),
    }),
    codes: z.strictObject({
      loinc: z.strictObject({
        magnesium: d(codeList, 'Serum/plasma magnesium LOINC codes (R-DATA-4)'),
        potassium: d(codeList, 'Potassium LOINC codes (R-LYTE-1)'),
        calciumTotal: d(codeList, 'Total calcium LOINC codes (R-LYTE-2)'),
        calciumCorrected: d(codeList, 'Albumin-corrected calcium LOINC codes (R-LYTE-2)'),
        calciumIonized: d(codeList, 'Ionized calcium LOINC codes (R-LYTE-2)'),
        albumin: d(codeList, 'Albumin LOINC codes (R-LYTE-2)'),
        creatinine: d(codeList, 'Creatinine LOINC codes (R-RENAL-1)'),
        egfr: d(codeList, 'eGFR LOINC codes (R-RENAL-1)'),
        weight: d(codeList, 'Body weight LOINC codes (R-PED-1)'),
        qtc: d(codeList, 'QTc LOINC codes (R-SYM-1)'),
      }),
      symptomConditions: d(conceptSet, 'Conditions that make low Mg symptomatic/high-risk (R-SYM-1)'),
      pregnancyConditions: d(conceptSet, 'Conditions meaning active pregnancy (R-PREG-1)'),
      renalConditions: d(conceptSet, 'Conditions meaning CKD 4-5, ESRD or dialysis (R-RENAL-1)'),
      severeRenalConditions: d(conceptSet, 'Conditions meaning CKD 5, ESRD or any dialysis; text matches even beside unknown codes (R-RENAL-3)'),
      emergencyConditions: d(conceptSet, 'Torsades de pointes or cardiac arrest: the one exception to the 150 mg/min ceiling (R-IV-2, R-SYM-1)'),
      giConditions: d(conceptSet, 'Diarrhoea, short bowel, high-output stoma: no magnesium oxide (R-GI-1)'),
      cardiacRiskConditions: d(conceptSet, 'Cardiac risk for the cardiac magnesium target (R-CARD-1)'),
      digoxin: d(
        z.strictObject({ rxcui: z.array(z.string().min(1)), names: codeList }),
        'Digoxin ingredient codes and names (R-DIG-1)',
      ),
      oralInteractions: d(
        z.array(z.strictObject({ drugClass: z.string().min(1), names: codeList })).min(1),
        'Drugs oral magnesium must be separated from, by class and name (R-ORAL-2)',
      ),
      depletingIngredients: d(
        z
          .array(
            z.strictObject({
              rxcui: z.string().min(1),
              name: z.string().min(1),
              drugClass: z.string().min(1),
              aliases: z.array(z.string().min(1)).optional(),
            }),
          )
          .min(1),
        'Magnesium-depleting ingredients: RxNorm ingredient code, name and aliases (matched in text), class (R-MED-1)',
      ),
      oralMagnesiumNames: d(codeList, 'Ingredient names of oral magnesium products (R-MON-3)'),
      labOrders: z.strictObject({
        magnesium: d(labCoding, 'Code ordered for the follow-up magnesium (R-MON-1/2)'),
        potassium: d(labCoding, 'Code ordered for the follow-up potassium (R-MON-1)'),
        calcium: d(labCoding, 'Code ordered for the follow-up calcium (R-MON-1)'),
        creatinine: d(labCoding, 'Code ordered with a stale-result recheck (R-DATA-3)'),
      }),
    }),
    orderCheck: z.strictObject({
      saltMmolPerGram: d(
        z.strictObject(Object.fromEntries(['sulfate', 'oxide', 'chloride', 'citrate', 'glycinate', 'lactate', 'aspartate', 'gluconate'].map((salt) => [salt, saltRow])) as Record<
          'sulfate' | 'oxide' | 'chloride' | 'citrate' | 'glycinate' | 'lactate' | 'aspartate' | 'gluconate',
          typeof saltRow
        >),
        'Per salt: mmol Mg per gram as labelled (R-OS-11)',
      ),
      elementalMmolPerGram: d(positive, 'mmol per gram of elemental magnesium (1000 / 24.305), for oral products labelled by their magnesium content ("elemental", "as …") (R-OS-11)'),
      pregnancyMaxInfusionDays: d(positive, 'In pregnancy, IV magnesium running longer than this many days gets the fetal-harm caveat (R-OS-9, R-PREG-1)'),
      oralCorrection: d(
        z.strictObject({ maxTabletsPerDose: d(z.number().int().positive(), 'tablets or capsules'), maxDosesPerDay: d(z.number().int().positive(), 'doses') }),
        'Bounds of a corrected oral regimen (R-OS-5, R-OS-11): no correction is offered when the usual dose needs more',
      ),
      obstetricIndication: d(
        z.strictObject({ codes: d(z.array(z.string().min(1)), 'SNOMED CT or ICD-10 codes'), text: d(z.array(z.string().min(1)), 'lower-case phrases') }),
        'Recorded (pre-)eclampsia among the pregnancy conditions: an emergency indication that allows IV magnesium faster than 150 mg/min (R-OS-1)',
      ),
    }),
  })
  .superRefine((c, ctx) => {
    const m = c.magnesium;
    if (!(m.severeBelowMgDl <= m.moderateBelowMgDl && m.moderateBelowMgDl <= m.lowBelowMgDl && m.lowBelowMgDl < m.highAboveMgDl)) {
      ctx.addIssue({ code: 'custom', path: ['magnesium'], message: 'thresholds must satisfy severe <= moderate <= low < high' });
    }
    if (!(m.highAboveMgDl < m.hyperWarningFromMgDl && m.hyperWarningFromMgDl <= m.hyperCriticalFromMgDl)) {
      ctx.addIssue({ code: 'custom', path: ['magnesium'], message: 'hypermagnesemia levels must satisfy high < warning <= critical' });
    }
    for (const tier of ['mild', 'moderate', 'severe', 'symptomatic'] as const) {
      const r = c.iv[tier];
      if ((r.grams * 1000) / r.minutes > c.iv.maxMgPerMinute) {
        ctx.addIssue({ code: 'custom', path: ['iv', tier], message: `rate exceeds iv.maxMgPerMinute (${c.iv.maxMgPerMinute} mg/min)` });
      }
    }
    c.iv.levelScale.forEach((row, i) => {
      if (row.grams / row.hours > c.iv.maxGramsPerHour) {
        ctx.addIssue({ code: 'custom', path: ['iv', 'levelScale', i], message: `rate exceeds iv.maxGramsPerHour (${c.iv.maxGramsPerHour} g/h)` });
      }
    });
    if (c.renal.severeEgfrBelow > c.renal.egfrBelow) {
      ctx.addIssue({ code: 'custom', path: ['renal', 'severeEgfrBelow'], message: 'must not exceed renal.egfrBelow' });
    }
    if (c.pediatric.ivMgPerKgLow > c.pediatric.ivMgPerKgHigh) {
      ctx.addIssue({ code: 'custom', path: ['pediatric'], message: 'ivMgPerKgLow must not exceed ivMgPerKgHigh' });
    }
    if (c.oral.dailyMmolLow > c.oral.dailyMmolHigh) {
      ctx.addIssue({ code: 'custom', path: ['oral'], message: 'dailyMmolLow must not exceed dailyMmolHigh' });
    }
    if (c.results.freshHours > c.results.lookbackDays * 24) {
      ctx.addIssue({ code: 'custom', path: ['results'], message: 'freshHours must not exceed the lookback window' });
    }
  });

export type RuleConfig = z.infer<typeof ruleConfigSchema>;
export type IvRegimen = z.infer<typeof ivRegimen>;
export type OralRegimen = z.infer<typeof oralRegimen>;

/** clinical-rules.md §3-§7 as data. */
export const defaultRuleConfig: RuleConfig = {
  version: '2026.12-2',
  magnesium: {
    lowBelowMgDl: 1.8,
    moderateBelowMgDl: 1.3,
    severeBelowMgDl: 1.2,
    highAboveMgDl: 2.6,
    hyperWarningFromMgDl: 4.0,
    hyperCriticalFromMgDl: 7.0,
    compareDecimals: 2,
    comparatorToleranceMgDl: 0.02,
  },
  results: {
    acceptedStatuses: ['final', 'amended', 'corrected'],
    freshHours: 72,
    lookbackDays: 30,
    futureToleranceMinutes: 60,
    plausibleRanges: {
      magnesium: { min: 0.1, max: 20 },
      potassium: { min: 1, max: 12 },
      calciumTotal: { min: 2, max: 20 },
      calciumCorrected: { min: 2, max: 20 },
      calciumIonized: { min: 0.2, max: 5 },
      albumin: { min: 0.5, max: 8 },
      creatinine: { min: 0.05, max: 40 },
      egfr: { min: 0, max: 300 },
      weight: { min: 0.2, max: 500 },
      qtc: { min: 200, max: 900 },
    },
    sameInstantNote: true,
  },
  potassium: { lowBelowMmolL: 3.5, windowHours: 72, recentMagnesiumHours: 24 },
  cardiac: { enabled: true, targetMgDl: 2.0 },
  administrations: { windowHours: 24 },
  display: { timeZone: 'observation', detailMaxChars: 1200 },
  calcium: {
    ionizedLowBelowMmolL: 1.12,
    totalLowBelowMgDl: 8.5,
    albuminNormalGdL: 4.0,
    albuminCorrectionPerGdL: 0.8,
    albuminWindowHours: 72,
    windowHours: 72,
  },
  renal: {
    egfrBelow: 30,
    monitorEgfrBelow: 60,
    monitorCreatinineFromMgDl: 1.5,
    creatinineAboveMgDl: 2.0,
    windowDays: 30,
    doseFraction: 0.5,
    maxMagnesiumSulfateGramsPer48h: 20,
    severeEgfrBelow: 15,
    ivRecheckHours: 6,
    oralRecheckDays: 3,
  },
  symptoms: { qtcAboveMs: 500, qtcWindowHours: 72 },
  pediatric: {
    adultFromYears: 18,
    weightWindowDays: 30,
    ivMgPerKgLow: 25,
    ivMgPerKgHigh: 50,
    ivMaxGramsPerDose: 2,
    ivInfusionHoursMin: 2,
    ivInfusionHoursMax: 4,
    labelCeilingMgPerKg: 250,
    neonateBelowDays: 28,
    ageInMonthsBelowYears: 2,
    doseRoundMg: 10,
    maxDosePeriodHours: 24,
  },
  oral: {
    product: {
      rxnorm: '198741',
      display: 'magnesium oxide 400 MG Oral Tablet',
      mmolMagnesiumPerTablet: 9.9,
      mgElementalPerTablet: 241.3,
    },
    dailyMmolLow: 12,
    dailyMmolHigh: 24,
    mild: { tabletsPerDose: 1, dosesPerDay: 2 },
    moderate: { tabletsPerDose: 1, dosesPerDay: 2 },
    maintenanceAfterIv: { tabletsPerDose: 1, dosesPerDay: 2 },
    alternatives: 'magnesium chloride, citrate or glycinate are better absorbed and cause less diarrhoea',
    durationDays: 14,
    giTolerated: 'magnesium glycinate or chloride (better tolerated than oxide)',
    separationHours: '2-4',
  },
  iv: {
    product: { rxnorm: '6585', display: 'magnesium sulfate' },
    mild: { grams: 2, minutes: 120 },
    moderate: { grams: 4, minutes: 240 },
    severe: { grams: 2, minutes: 30 },
    symptomatic: { grams: 2, minutes: 15 },
    torsadesMinutes: 5,
    maxMgPerMinute: 150,
    maxConcentrationPercent: 20,
    followOnText: 'then dose by level: e.g. a further 4-8 g over 4-8 h, or 5 g in 1 L D5W/NS over 3 h',
    levelScale: [
      { belowMgDl: 1.2, grams: 4, hours: 4 },
      { belowMgDl: 1.6, grams: 4, hours: 4 },
      { belowMgDl: 1.8, grams: 2, hours: 2 },
    ],
    maxGramsPerHour: 1,
    recheckHoursAfterInfusion: 6,
    severeRepeatUpToGrams: 8,
    severeRepeatOverHours: 8,
    maxGramsPer24h: 40,
    mmolPerGram: 4.06,
    mEqPerGram: 8.12,
    premixed: defaultPremixedIvProducts,
  },
  monitoring: {
    ivSevereEveryHours: '4-6',
    ivRecheckHours: 6,
    oralRecheckDays: 7,
    oralRecheckText: '1-2 weeks',
    chronicOralText: 'every 3-6 months',
    ivRecheckWindowHours: 2,
    oralRecheckWindowDays: 7,
    nowWindowHours: 2,
  },
  codes: {
    loinc: defaultLoinc,
    symptomConditions: defaultSymptomConditions,
    pregnancyConditions: defaultPregnancyConditions,
    renalConditions: defaultRenalConditions,
    severeRenalConditions: defaultSevereRenalConditions,
    emergencyConditions: defaultEmergencyConditions,
    giConditions: defaultGiConditions,
    cardiacRiskConditions: defaultCardiacRiskConditions,
    digoxin: defaultDigoxin,
    oralInteractions: defaultOralInteractions,
    depletingIngredients: defaultDepletingIngredients,
    oralMagnesiumNames: defaultOralMagnesiumNames,
    labOrders: defaultLabOrders,
  },
  orderCheck: {
    // Molar mass per magnesium atom of the labelled form (clinical-rules.md §2 for sulfate and oxide).
    saltMmolPerGram: {
      sulfate: { mmolPerGram: 4.06, form: 'MgSO4·7H2O (246.5 g/mol)', verified: true },
      oxide: { mmolPerGram: 24.8, form: 'MgO (40.3 g/mol)', verified: true },
      chloride: { mmolPerGram: 4.92, form: 'MgCl2·6H2O (203.3 g/mol)', verified: false },
      citrate: { mmolPerGram: 6.65, form: 'Mg3(C6H5O7)2 anhydrous (451.1 g/mol, 3 Mg)', verified: false },
      glycinate: { mmolPerGram: 5.8, form: 'Mg(C2H4NO2)2 bisglycinate (172.4 g/mol)', verified: false },
      lactate: { mmolPerGram: 4.19, form: 'Mg(C3H5O3)2·2H2O (238.5 g/mol)', verified: false },
      aspartate: { mmolPerGram: 3.08, form: 'Mg L-aspartate dihydrate (324.5 g/mol)', verified: false },
      gluconate: { mmolPerGram: 2.41, form: 'Mg(C6H11O7)2 anhydrous (414.6 g/mol)', verified: false },
    },
    elementalMmolPerGram: 41.14,
    pregnancyMaxInfusionDays: 5,
    oralCorrection: { maxTabletsPerDose: 2, maxDosesPerDay: 4 },
    // 398254007 pre-eclampsia (in the pregnancy set); 15938005 eclampsia and O14/O15 ICD-10 (unverified here).
    obstetricIndication: { codes: ['398254007', '15938005', 'O14*', 'O15*'], text: ['eclampsia'] },
  },
};

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects merge key by key; arrays and scalars in the override replace the default. */
function mergeOverride(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    out[key] = key in base ? mergeOverride(base[key], value) : value;
  }
  return out;
}

/** Validates a partial override on top of the defaults; throws ConfigError listing every problem. */
export function buildRuleConfig(override: unknown = {}): RuleConfig {
  const merged = mergeOverride(defaultRuleConfig, override);
  const parsed = ruleConfigSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error).map((p) => `rules ${p}`));
  const config = parsed.data;
  // In the order the rules read them, once, not per call: lowest level limit first (R-IV-2), smallest bag first (R-IV-3).
  config.iv.levelScale.sort((a, b) => a.belowMgDl - b.belowMgDl);
  config.iv.premixed.sort((a, b) => a.grams - b.grams);
  return config;
}

/** Reads RULES_FILE (.json, .yaml or .yml) and builds the configuration from it. */
export function loadRuleConfig(file: string | undefined): RuleConfig {
  if (!file) return buildRuleConfig();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`RULES_FILE: cannot read ${file}: ${(error as Error).message}`]);
  }
  let data: unknown;
  try {
    data = ['.yaml', '.yml'].includes(extname(file).toLowerCase()) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new ConfigError([`RULES_FILE: ${file} is not valid ${extname(file) || 'JSON'}: ${(error as Error).message}`]);
  }
  if (!isPlainObject(data)) throw new ConfigError([`RULES_FILE: ${file} must hold an object`]);
  const config = buildRuleConfig(data);
  // Item 5: the rules read exactly the lab codes discovery tells the EHR to prefetch.
  assertNoPrefetchDrift(config);
  return config;
}
