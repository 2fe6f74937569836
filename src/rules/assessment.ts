import type { AdministrationFinding, ConditionFinding, LabValue, MedicationFinding, SkippedResult } from '../clinical/facts';
import type { IvDoseWithheld, IvLevelDose } from './shared/iv-dose';

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
  /** R-DIG-1 */
  digoxin?: MedicationFinding[];
  /** R-GI-1 */
  gi?: ConditionFinding[];
  /** R-CARD-1 */
  cardiac?: ConditionFinding[];
  /** R-ORAL-2: active orders to separate oral magnesium from. */
  oralInteractions?: MedicationFinding[];
  /** R-TXT-1: K, Ca, eGFR, creatinine as read, normal ones too. */
  checked?: CheckedValues;
}

/** An IV suggestion: the shared level dose (R-IV-2, R-IV-3). */
export interface IvDose {
  route: 'iv';
  level: IvLevelDose;
  /** R-ORD-1: an active oral order exists and this tier needs IV. */
  replacesOralOrder: boolean;
}

export interface OralDose {
  route: 'oral';
  /** Undefined when no fixed dose applies (children: dose by paediatric formulary). */
  tabletsPerDose?: number;
  dosesPerDay?: number;
  mmolPerDay?: number;
  /** R-ORAL-2: course length and dispense quantity. */
  durationDays?: number;
  quantity?: number;
  renalAdjusted: boolean;
}

export interface FollowUp {
  tests: LabTest[];
  afterHours: number;
  /** Length of the occurrence window that starts at `afterHours`. */
  windowHours: number;
  priority: 'routine' | 'urgent' | 'stat';
}

export interface DosePlan {
  recommended: Route;
  doses: Array<IvDose | OralDose>;
  /** Follow-up labs per route (R-MON-*). */
  followUp: Record<Route, FollowUp>;
  /** R-ALT-1: oral maintenance after IV repletion, as one line of text. */
  oralMaintenanceText: boolean;
}

/** Why a replacement card suggests only a recheck. */
export type WithheldReason = IvDoseWithheld['reason'] | 'iv-order-exists' | 'oral-order-exists' | 'given-before-result';

/** Other values read while assessing, shown so the clinician sees they were checked (R-TXT-1). */
export interface CheckedValues {
  potassium?: DatedResult;
  calcium?: DatedResult;
  egfr?: DatedResult;
  creatinine?: DatedResult;
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
  /** Undefined when no dose is suggested; then `withheldReason` says why and a recheck is offered. */
  plan?: DosePlan;
  withheldReason?: WithheldReason;
  recheck?: FollowUp;
  /** R-ORD-2: the latest IV magnesium given in the window, and whether the result predates it. */
  administration?: { given: AdministrationFinding; resultBefore: boolean };
  ignoredNewer: IgnoredResult[];
  notices: Notices;
}

/** Data notices any card may carry (R-DATA-8, R-DATA-9). */
export interface Notices {
  sameInstant?: LabValue[];
  future?: SkippedResult[];
}

export interface StaleAssessment extends Base {
  kind: 'stale';
  tier: Tier;
  magnesium: MagnesiumReading;
  modifiers: Modifiers;
  recheck: FollowUp;
  ignoredNewer: IgnoredResult[];
  notices: Notices;
}

export interface UninterpretableAssessment extends Base {
  kind: 'uninterpretable';
  skipped: SkippedResult;
  ageHours?: number;
  /** The latest result that could be read, when an older one exists (it was normal or high). */
  previous?: MagnesiumReading;
  notices: Notices;
}

/** R-DATA-9 alone: only a future-dated result, nothing else to say. */
export interface FutureOnlyAssessment extends Base {
  kind: 'future-result';
  future: SkippedResult[];
  previous?: MagnesiumReading;
}

/** R-LYTE-3: low potassium with no accepted serum magnesium in the last 24 h. */
export interface PotassiumAssessment extends Base {
  kind: 'potassium-without-magnesium';
  potassium: DatedResult;
  previous?: MagnesiumReading;
  recheck: FollowUp;
  notices: Notices;
}

/** R-CARD-1: cardiac risk and magnesium between the low limit and the cardiac target. */
export interface CardiacTargetAssessment extends Base {
  kind: 'cardiac-target';
  magnesium: MagnesiumReading;
  modifiers: Modifiers;
  plan: DosePlan;
  notices: Notices;
}

export interface HyperAssessment extends Base {
  kind: 'hyper';
  level: 'above-range' | 'toxic-risk' | 'severe-toxicity';
  magnesium: MagnesiumReading;
  renal?: RenalImpairment;
  magnesiumOrders?: MedicationFinding[];
  notices: Notices;
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
  | FutureOnlyAssessment
  | PotassiumAssessment
  | CardiacTargetAssessment
  | NoCardAssessment;
