import type { ConditionFinding, LabValue, MedicationFinding, SkippedResult } from '../clinical/facts';

/** What the rules concluded, in clinical terms; the cards layer only renders it. */

export type Tier = 'mild' | 'moderate' | 'severe';
export type Route = 'oral' | 'iv';
export type Indicator = 'info' | 'warning' | 'critical';
export type LabTest = 'magnesium' | 'potassium' | 'calcium' | 'creatinine';

/** A result with how old it was at `now`. */
export interface DatedResult {
  result: LabValue;
  ageHours: number;
}

export interface MagnesiumReading extends DatedResult {
  /** The converted mg/dL value rounded as compared (R-UNIT-2). */
  mgDl: number;
}

export interface RenalImpairment {
  egfr?: DatedResult;
  /** eGFR computed by CKD-EPI 2021 when no eGFR result exists. */
  computedEgfr?: { value: number; creatinine: DatedResult };
  creatinine?: DatedResult;
  conditions: ConditionFinding[];
  /** R-RENAL-3: 'severe' for eGFR < 15, CKD 5, ESRD or any dialysis; else 'impaired' (R-RENAL-1). */
  severity: 'impaired' | 'severe';
  /** What made it severe (eGFR result or computed value, severe renal conditions). */
  severeConditions: ConditionFinding[];
}

/** A child (age < adult age): age in years, days and whole months (R-PED-2). */
export interface PediatricModifier {
  ageYears: number;
  ageDays: number;
  ageMonths: number;
  /** Younger than the neonatal limit (28 days): no automatic dose (R-PED-2). */
  neonate: boolean;
  weight?: DatedResult;
}

export interface CalciumFinding {
  basis: 'ionized' | 'reported-corrected' | 'albumin-corrected' | 'uncorrected-total';
  result: DatedResult;
  /** mg/dL for total calcium after correction; mmol/L for ionized. */
  value: number;
  albumin?: DatedResult;
}

export interface Modifiers {
  symptomatic?: { conditions: ConditionFinding[]; qtc?: DatedResult; torsadesOrArrest: boolean };
  renal?: RenalImpairment;
  /** R-RENAL-2: reduced but not impaired renal function (eGFR or creatinine). */
  reducedRenalFunction?: DatedResult;
  potassium?: DatedResult;
  calcium?: CalciumFinding;
  pregnancy?: ConditionFinding[];
  /** Present for patients under the adult age; weight when a recent one exists. */
  pediatric?: PediatricModifier;
  ageUnknown?: true;
  /** Latest recent body weight at any age (R-PED-3 uses it when the age is unknown). */
  weight?: DatedResult;
  depletingMedications?: MedicationFinding[];
  magnesiumOrders?: MedicationFinding[];
}

export interface IvDose {
  route: 'iv';
  /** Magnesium sulfate grams: a single value (low = high) or a weight-based range. */
  gramsLow: number;
  gramsHigh: number;
  minutesLow: number;
  minutesHigh: number;
  perKg?: { mgPerKgLow: number; mgPerKgHigh: number; weightKg: number; capped: boolean };
  renalAdjusted: boolean;
  /** Faster emergency regimen (torsades/arrest), when symptomatic. */
  emergencyMinutes?: number;
}

export interface OralDose {
  route: 'oral';
  /** Undefined when no fixed dose applies (children: dose by paediatric formulary). */
  tabletsPerDose?: number;
  dosesPerDay?: number;
  mmolPerDay?: number;
  renalAdjusted: boolean;
}

export interface FollowUp {
  tests: LabTest[];
  afterHours: number;
}

export interface DosePlan {
  recommended: Route;
  doses: Array<IvDose | OralDose>;
  /** Follow-up labs per route (R-MON-*). */
  followUp: Record<Route, FollowUp>;
}

/** Results newer than the one acted on that were not used, and why (R-DATA-2, R-DATA-6). */
export type IgnoredResult = SkippedResult;

interface Base {
  ruleIds: string[];
  indicator: Indicator;
}

export interface ReplacementAssessment extends Base {
  kind: 'replacement';
  tier: Tier;
  magnesium: MagnesiumReading;
  modifiers: Modifiers;
  /** Undefined when no dose can be suggested (child without a recent weight). */
  plan?: DosePlan;
  withheldReason?: 'child-without-weight';
  ignoredNewer: IgnoredResult[];
}

export interface StaleAssessment extends Base {
  kind: 'stale';
  tier: Tier;
  magnesium: MagnesiumReading;
  modifiers: Modifiers;
  recheck: FollowUp;
  ignoredNewer: IgnoredResult[];
}

export interface UninterpretableAssessment extends Base {
  kind: 'uninterpretable';
  skipped: SkippedResult;
  ageHours?: number;
}

export interface HyperAssessment extends Base {
  kind: 'hyper';
  level: 'above-range' | 'toxic-risk' | 'severe-toxicity';
  magnesium: MagnesiumReading;
  renal?: RenalImpairment;
  magnesiumOrders?: MedicationFinding[];
}

export interface NoCardAssessment extends Base {
  kind: 'none';
  reason: 'normal' | 'no-result' | 'only-unverified-results';
}

export type Assessment =
  | ReplacementAssessment
  | StaleAssessment
  | UninterpretableAssessment
  | HyperAssessment
  | NoCardAssessment;
