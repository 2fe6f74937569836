import type { Resource } from 'fhir/r4';
import { ROUTES, SYSTEMS, type Analyte, type ConceptSet } from './codes';
import { paths } from './paths';
import { fhirDateTimeMillis, parseFhirDateTime } from './time';
import { MAX_UNREADABLE_PER_ANALYTE, toCanonicalUnit, type UnitProblem } from '../fhir/quantity';
import type { RuleConfig } from '../rules/config';
import { ingredientOfProduct } from './medication-products';

/**
 * FHIR resources → PatientFacts: what the rules need, already typed, unit-normalised and sorted.
 * One pass groups resources by type and LOINC code; compiled FHIRPath then reads values only from
 * the picked resources. Nothing here knows a clinical threshold.
 */

export type Comparator = '<' | '<=' | '>=' | '>';

export interface LabValue {
  analyte: Analyte;
  loinc: string;
  /** Value in the analyte's canonical unit (ANALYTE_UNITS). */
  value: number;
  unit: string;
  reported: { value: number; unit: string };
  comparator?: Comparator;
  effective: Date;
  /** The zone offset the result's date was written with ("+01:00", "Z"), for display (R-TXT-1). */
  offset?: string;
  /** Observation.issued, which breaks ties at the same effective instant (R-DATA-8). */
  issued?: Date;
}

export type SkipReason = 'status' | UnitProblem | 'value-missing' | 'value-not-numeric' | 'implausible' | 'no-date' | 'future-date';

export interface SkippedResult {
  analyte: Analyte;
  loinc: string;
  reason: SkipReason;
  /** Human-readable, PHI-free detail (status, unit text). */
  detail: string;
  effective?: Date;
}

export interface AnalyteFacts {
  /** How many results of this analyte the request held (R-DATA-1 picks among them). */
  found: number;
  /** The latest accepted, readable result (a list of at most HISTORY_DEPTH, newest first). */
  results: LabValue[];
  /** Results that could not be used, newest first; rules decide which ones matter. */
  skipped: SkippedResult[];
  /** R-DATA-8: other accepted results at the same instant as results[0] (which won the tie). */
  sameInstant?: LabValue[];
}

export interface ConditionFinding {
  display: string;
  code?: string;
}

export interface MedicationFinding {
  display: string;
  ingredient?: string;
  drugClass?: string;
  /** For magnesium products: true when the order is for the oral route. */
  oral?: boolean;
  /** MedicationRequest id (R-HYPER-2 stops an order by resourceId). */
  id?: string;
  resourceType?: 'MedicationRequest' | 'MedicationStatement';
  status?: string;
  authoredOn?: string;
  /** dosageInstruction[0].text, shortened. */
  doseText?: string;
}

/** R-ORD-2: a completed or running administration of IV magnesium. */
export interface AdministrationFinding {
  display: string;
  /** When it was given (end of the period when known, else its start). */
  effective: Date;
  started: Date;
  doseText?: string;
}

export interface PatientFacts {
  birthDate?: string;
  sex?: 'male' | 'female';
  labs: Record<Analyte, AnalyteFacts>;
  conditions: {
    symptomatic: ConditionFinding[];
    pregnancy: ConditionFinding[];
    renal: ConditionFinding[];
    /** R-RENAL-3: CKD 5, ESRD or dialysis (also listed under `renal`). */
    severeRenal: ConditionFinding[];
    /** Torsades de pointes or cardiac arrest (also listed under `symptomatic`). */
    emergency: ConditionFinding[];
    /** R-GI-1: diarrhoea, short bowel, high-output stoma (optional: facts built elsewhere may omit it). */
    gi?: ConditionFinding[];
    /** R-CARD-1: atrial fibrillation, heart failure, recent MI or cardiac surgery, long QT. */
    cardiac?: ConditionFinding[];
  };
  medications: {
    depleting: MedicationFinding[];
    magnesium: MedicationFinding[];
    /** R-DIG-1: active digoxin orders. */
    digoxin?: MedicationFinding[];
    /** R-ORAL-2: active orders whose absorption oral magnesium reduces. */
    oralInteractions?: MedicationFinding[];
  };
  /** R-ORD-2: IV magnesium administrations, newest first. */
  administrations?: AdministrationFinding[];
  /** Resources about another patient found in the request; never used. */
  otherPatientResources: number;
}

/** The rules act on the latest usable result of each analyte: reading stops there (cost stays flat). */
const HISTORY_DEPTH = 1;
const ACTIVE_CONDITION = new Set(['active', 'recurrence', 'relapse']);
const EXCLUDED_VERIFICATION = new Set(['refuted', 'entered-in-error']);
const ACTIVE_MEDICATION = new Set(['active', 'on-hold']);
const COMPARATORS = new Set<string>(['<', '<=', '>=', '>']);

type Rec = Record<string, unknown>;
const isRecord = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
const strings = (values: unknown[]): string[] => values.filter((v): v is string => typeof v === 'string' && v !== '');

/** A compiled lookup for one RuleConfig: LOINC → analyte, code sets as Sets. */
export interface FactIndex {
  analytes: Analyte[];
  loinc: Map<string, Analyte>;
  accepted: Set<string>;
  futureToleranceMs: number;
  symptom: CompiledConceptSet;
  pregnancy: CompiledConceptSet;
  renal: CompiledConceptSet;
  severeRenal: CompiledConceptSet;
  emergency: CompiledConceptSet;
  gi: CompiledConceptSet;
  cardiac: CompiledConceptSet;
  plausible: RuleConfig['results']['plausibleRanges'];
  digoxin: { rxcuis: Set<string>; names: RegExp };
  oralInteractions: Array<{ pattern: RegExp; name: string; drugClass: string }>;
  anyOralInteraction: RegExp;
  depletingByRxcui: Map<string, { name: string; drugClass: string }>;
  depletingNames: Array<{ pattern: RegExp; rxcui: string; name: string; drugClass: string }>;
  /** Matches a text iff some depletingNames pattern does: one scan rules out most orders. */
  anyDepletingName: RegExp;
  /** Matches a text iff one of the oral magnesium names does. */
  anyMagnesiumName: RegExp;
}

interface CompiledConceptSet {
  snomed: Set<string>;
  icd10: Set<string>;
  icd10Prefixes: string[];
  text: string[];
  /** Text also matches when the Condition carries codes this set does not know (R-RENAL-3). */
  textWhenCoded: boolean;
}

const normaliseIcd = (code: string) => code.toUpperCase().replace('.', '');
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const wordPattern = (name: string) => new RegExp(`\\b${escapeRegExp(name)}\\b`, 'i');
/** One pattern for a whole list of names (never matches when the list is empty). */
const anyWordPattern = (names: string[]) => (names.length === 0 ? /(?!)/ : new RegExp(`\\b(?:${names.map(escapeRegExp).join('|')})\\b`, 'i'));

function compileConceptSet(set: ConceptSet, textWhenCoded = false): CompiledConceptSet {
  return {
    textWhenCoded,
    snomed: new Set(set.snomed),
    icd10: new Set(set.icd10.filter((c) => !c.endsWith('*')).map(normaliseIcd)),
    icd10Prefixes: set.icd10.filter((c) => c.endsWith('*')).map((c) => normaliseIcd(c.slice(0, -1))),
    text: set.text.map((t) => t.toLowerCase()),
  };
}

/** Words that turn a condition's text into something other than an active finding. */
const NOT_ACTIVE_TEXT = /\b(no|not|negative|denies|denied|without|history of|h\/o|hx of|ruled out|r\/o|resolved|past|previous|prior|risk of|screening|suspected|possible)\b/i;

export function buildFactIndex(config: RuleConfig): FactIndex {
  const loinc = new Map<string, Analyte>();
  for (const [analyte, codes] of Object.entries(config.codes.loinc) as Array<[Analyte, string[]]>) {
    for (const code of codes) loinc.set(code, analyte);
  }
  return {
    analytes: Object.keys(config.codes.loinc) as Analyte[],
    loinc,
    accepted: new Set(config.results.acceptedStatuses),
    futureToleranceMs: config.results.futureToleranceMinutes * 60_000,
    symptom: compileConceptSet(config.codes.symptomConditions),
    pregnancy: compileConceptSet(config.codes.pregnancyConditions),
    renal: compileConceptSet(config.codes.renalConditions, true),
    severeRenal: compileConceptSet(config.codes.severeRenalConditions, true),
    emergency: compileConceptSet(config.codes.emergencyConditions),
    gi: compileConceptSet(config.codes.giConditions),
    cardiac: compileConceptSet(config.codes.cardiacRiskConditions),
    plausible: config.results.plausibleRanges,
    digoxin: { rxcuis: new Set(config.codes.digoxin.rxcui), names: anyWordPattern(config.codes.digoxin.names) },
    oralInteractions: config.codes.oralInteractions.flatMap((c) => c.names.map((name) => ({ pattern: wordPattern(name), name, drugClass: c.drugClass }))),
    anyOralInteraction: anyWordPattern(config.codes.oralInteractions.flatMap((c) => c.names)),
    depletingByRxcui: new Map(config.codes.depletingIngredients.map((i) => [i.rxcui, { name: i.name, drugClass: i.drugClass }])),
    depletingNames: config.codes.depletingIngredients.flatMap((i) =>
      [i.name, ...(i.aliases ?? [])].map((name) => ({ pattern: wordPattern(name), rxcui: i.rxcui, name: i.name, drugClass: i.drugClass })),
    ),
    anyDepletingName: anyWordPattern(config.codes.depletingIngredients.flatMap((i) => [i.name, ...(i.aliases ?? [])])),
    anyMagnesiumName: anyWordPattern(config.codes.oralMagnesiumNames),
  };
}

/** True when the resource names a different patient than the one in context. */
function aboutOtherPatient(resource: Rec, patientId: string, ownReference: string): boolean {
  const ref = isRecord(resource.subject) ? str(resource.subject.reference) : isRecord(resource.patient) ? str(resource.patient.reference) : undefined;
  if (!ref || ref === ownReference) return false;
  const m = /(?:^|\/)Patient\/([^/]+?)(?:\/_history\/.*)?$/.exec(ref);
  return m !== null && m[1] !== patientId;
}

function loincOf(resource: Rec, index: FactIndex): { code: string; analyte: Analyte } | undefined {
  const code = isRecord(resource.code) ? resource.code : undefined;
  const codings = code && Array.isArray(code.coding) ? code.coding : [];
  for (const coding of codings) {
    if (!isRecord(coding) || coding.system !== SYSTEMS.loinc) continue;
    const c = str(coding.code);
    const analyte = c ? index.loinc.get(c) : undefined;
    if (c && analyte) return { code: c, analyte };
  }
  return undefined;
}

/** When the result was taken, in ms since 1970 (a Date is made only for the results kept). */
function effectiveOf(resource: Rec): number | undefined {
  const period = isRecord(resource.effectivePeriod) ? resource.effectivePeriod : undefined;
  return (
    fhirDateTimeMillis(resource.effectiveDateTime) ??
    fhirDateTimeMillis(resource.effectiveInstant) ??
    fhirDateTimeMillis(period?.end) ??
    fhirDateTimeMillis(period?.start) ??
    fhirDateTimeMillis(resource.issued)
  );
}

interface Candidate {
  resource: Rec;
  loinc: string;
  status: string | undefined;
  effectiveMs: number | undefined;
}

/** The zone part of the dateTime the result was dated with, when it has one. */
function offsetOf(resource: Rec): string | undefined {
  const text = [resource.effectiveDateTime, resource.effectiveInstant, isRecord(resource.effectivePeriod) ? resource.effectivePeriod.end : undefined]
    .find((v): v is string => typeof v === 'string');
  const m = text ? /(Z|[+-]\d{2}:\d{2})$/.exec(text) : null;
  return m ? m[1] : undefined;
}

type Reading = { ok: true; value: LabValue } | { ok: false; skipped: SkippedResult };

function readQuantity(c: Candidate, analyte: Analyte, index: FactIndex): Reading {
  const effective = new Date(c.effectiveMs!);
  const base = { analyte, loinc: c.loinc, effective };
  const quantity = paths.valueQuantity(c.resource)[0];
  if (!isRecord(quantity) || quantity.value === undefined) {
    const reason: SkipReason = paths.otherValue(c.resource)[0] === true ? 'value-not-numeric' : 'value-missing';
    const absent = strings(paths.dataAbsentReason(c.resource))[0];
    return { ok: false, skipped: { ...base, reason, detail: absent ? `no value (${absent})` : reason === 'value-missing' ? 'no value' : 'value is not a number' } };
  }
  const value = quantity.value;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    return { ok: false, skipped: { ...base, reason: 'value-not-numeric', detail: 'value is not a valid number' } };
  }
  const system = str(quantity.system);
  const code = str(quantity.code);
  const unitText = str(quantity.unit);
  // Trust the coded unit when it is UCUM (or uncoded); a foreign unit system falls back to the display text.
  const unitCandidate = system === undefined || system === SYSTEMS.ucum ? (code ?? unitText) : unitText;
  const converted = toCanonicalUnit(analyte, value, [unitCandidate]);
  if (!converted.ok) {
    const detail = converted.problem === 'unit-missing' ? 'unit missing' : `unit "${(converted.unitText ?? '').slice(0, 40)}" not recognised`;
    return { ok: false, skipped: { ...base, reason: converted.problem, detail } };
  }
  const comparator = str(quantity.comparator);
  // Outside the physiological range the value is an error, not a result (0 mg/dL, 1e308 mmol/L).
  const range = index.plausible[analyte];
  if (!Number.isFinite(converted.value) || converted.value < range.min || converted.value > range.max) {
    return { ok: false, skipped: { ...base, reason: 'implausible', detail: `value outside the plausible range ${range.min}-${range.max} ${converted.unit}` } };
  }
  const lab: LabValue = {
    analyte,
    loinc: c.loinc,
    value: converted.value,
    unit: converted.unit,
    // The unit as the lab wrote it, unless that text is unusable on a card (blank or very long).
    reported: { value, unit: unitText && unitText.trim().length <= 20 ? unitText.trim() : converted.fromUnit.trim().slice(0, 20) },
    effective,
  };
  if (comparator && COMPARATORS.has(comparator)) lab.comparator = comparator as Comparator;
  const offset = offsetOf(c.resource);
  if (offset) lab.offset = offset;
  const issued = parseFhirDateTime(c.resource.issued);
  if (issued) lab.issued = issued;
  return { ok: true, value: lab };
}

function analyseLab(analyte: Analyte, candidates: Candidate[], index: FactIndex, latestAllowed: number): AnalyteFacts {
  const results: LabValue[] = [];
  const skipped: SkippedResult[] = [];
  const dated = candidates.filter((c) => {
    if (c.effectiveMs !== undefined) return true;
    // An undated result that was not verified anyway is simply not a result.
    if (c.status && index.accepted.has(c.status)) {
      skipped.push({ analyte, loinc: c.loinc, reason: 'no-date', detail: 'no usable effective date' });
    }
    return false;
  });
  dated.sort((a, b) => b.effectiveMs! - a.effectiveMs!);
  const sameInstant: LabValue[] = [];
  let unreadable = 0;
  for (const c of dated) {
    // Parsing is bounded: past this many unreadable values, older results of the analyte are not read.
    if (unreadable >= MAX_UNREADABLE_PER_ANALYTE) break;
    if (results.length >= HISTORY_DEPTH) {
      // R-DATA-8: keep reading results at exactly the chosen instant, then break the tie.
      if (c.effectiveMs !== results[0]!.effective.getTime()) break;
      if (!c.status || !index.accepted.has(c.status)) continue;
      const tied = readQuantity(c, analyte, index);
      if (tied.ok) sameInstant.push(tied.value);
      else unreadable += 1;
      continue;
    }
    if (c.effectiveMs! > latestAllowed) {
      skipped.push({ analyte, loinc: c.loinc, reason: 'future-date', detail: 'dated in the future', effective: new Date(c.effectiveMs!) });
      continue;
    }
    if (!c.status || !index.accepted.has(c.status)) {
      skipped.push({ analyte, loinc: c.loinc, reason: 'status', detail: `status ${c.status ?? 'missing'}`.slice(0, 60), effective: new Date(c.effectiveMs!) });
      continue;
    }
    const reading = readQuantity(c, analyte, index);
    if (reading.ok) results.push(reading.value);
    else {
      skipped.push(reading.skipped);
      unreadable += 1;
    }
  }
  if (sameInstant.length > 0) {
    // The later `issued` wins; still tied, the lower value (the safer reading); bundle order never decides.
    const all = [results[0]!, ...sameInstant].sort(
      (a, b) => (b.issued?.getTime() ?? -Infinity) - (a.issued?.getTime() ?? -Infinity) || a.value - b.value,
    );
    results[0] = all[0]!;
    return { found: candidates.length, results, skipped, sameInstant: all.slice(1) };
  }
  return { found: candidates.length, results, skipped, sameInstant };
}

// Conditions and orders are read with plain property access: their paths have no choice types
// beyond medication[x] and abatement[x], and per-resource FHIRPath calls would dominate the cost.
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const conceptCodings = (concept: unknown): unknown[] => (isRecord(concept) ? asArray(concept.coding) : []);
const conceptCodes = (concept: unknown): string[] => strings(conceptCodings(concept).map((c) => (isRecord(c) ? c.code : undefined)));
const conceptTexts = (concept: unknown): string[] =>
  isRecord(concept) ? strings([concept.text, ...conceptCodings(concept).map((c) => (isRecord(c) ? c.display : undefined))]) : [];
/** MedicationRequest.dosageInstruction[].route or MedicationStatement.dosage[].route. */
const dosageRoutes = (order: Rec): unknown[] =>
  [...asArray(order.dosageInstruction), ...asArray(order.dosage)].map((d) => (isRecord(d) ? d.route : undefined)).filter(isRecord);

function codingsOf(values: unknown[]): Array<{ system?: string; code?: string }> {
  return values.filter(isRecord).map((c) => ({ system: str(c.system), code: str(c.code) }));
}

/** A condition's texts in lower case, without those that negate or historicise it ("not pregnant"). */
const activeTexts = (texts: string[]): string[] => texts.map((t) => t.toLowerCase()).filter((t) => !NOT_ACTIVE_TEXT.test(t));

/** `texts` come through `activeTexts`, once per condition for all the sets it is matched against. */
function matchConcept(set: CompiledConceptSet, codings: Array<{ system?: string; code?: string }>, texts: string[]): string | undefined {
  let coded = false;
  for (const { system, code } of codings) {
    if (!code) continue;
    if (system === SYSTEMS.snomed) {
      coded = true;
      if (set.snomed.has(code)) return code;
    } else if (system === SYSTEMS.icd10cm || system === SYSTEMS.icd10) {
      coded = true;
      const icd = normaliseIcd(code);
      if (set.icd10.has(icd) || set.icd10Prefixes.some((prefix) => icd.startsWith(prefix))) return code;
    }
  }
  // Text is a fallback for uncoded or locally coded conditions only: a SNOMED/ICD code that
  // does not match (e.g. "history of pregnancy") must not be overruled by its words, and text
  // that negates or historicises the finding ("not pregnant", "history of seizure") never matches.
  // Renal sets are the exception: dialysis coded only locally (or with an unknown code) still counts.
  if (coded && !set.textWhenCoded) return undefined;
  return set.text.some((phrase) => texts.some((t) => t.includes(phrase))) ? 'text' : undefined;
}

function isActiveCondition(resource: Rec): boolean {
  const clinical = conceptCodes(resource.clinicalStatus);
  const verification = conceptCodes(resource.verificationStatus);
  if (verification.some((v) => EXCLUDED_VERIFICATION.has(v))) return false;
  if (clinical.length > 0) return clinical.some((v) => ACTIVE_CONDITION.has(v));
  return !Object.keys(resource).some((key) => key.startsWith('abatement'));
}

function readConditions(conditions: Rec[], index: FactIndex): Required<PatientFacts['conditions']> {
  const out: Required<PatientFacts['conditions']> = { symptomatic: [], pregnancy: [], renal: [], severeRenal: [], emergency: [], gi: [], cardiac: [] };
  const sets = [
    ['symptomatic', index.symptom],
    ['pregnancy', index.pregnancy],
    ['renal', index.renal],
    ['severeRenal', index.severeRenal],
    ['emergency', index.emergency],
    ['gi', index.gi],
    ['cardiac', index.cardiac],
  ] as const;
  for (const resource of conditions) {
    if (!isActiveCondition(resource)) continue;
    const codings = codingsOf(conceptCodings(resource.code));
    const texts = conceptTexts(resource.code);
    const active = activeTexts(texts);
    const display = (texts[0] ?? codings.find((c) => c.code)?.code ?? 'condition').slice(0, 120);
    const found: Partial<Record<keyof PatientFacts['conditions'], string>> = {};
    for (const [key, set] of sets) {
      const code = matchConcept(set, codings, active);
      if (code) found[key] = code;
    }
    // A severe renal condition is a renal condition; an emergency rhythm is a symptom.
    if (found.severeRenal) found.renal ??= found.severeRenal;
    if (found.emergency) found.symptomatic ??= found.emergency;
    for (const [key, code] of Object.entries(found) as Array<[keyof PatientFacts['conditions'], string]>) {
      out[key].push(code === 'text' ? { display } : { display, code });
    }
  }
  return out;
}

function readMedications(orders: Rec[], medicationsById: Map<string, Rec>, index: FactIndex): Required<PatientFacts['medications']> {
  const out: Required<PatientFacts['medications']> = { depleting: [], magnesium: [], digoxin: [], oralInteractions: [] };
  const seen = new Set<string>();
  for (const order of orders) {
    const status = str(order.status);
    if (!status || !ACTIVE_MEDICATION.has(status)) continue;
    let codings = codingsOf(conceptCodings(order.medicationCodeableConcept));
    let texts = [...conceptTexts(order.medicationCodeableConcept), ...strings([isRecord(order.medicationReference) ? order.medicationReference.display : undefined])];
    const ref = isRecord(order.medicationReference) ? str(order.medicationReference.reference) : undefined;
    if (ref) {
      const contained = Array.isArray(order.contained) ? order.contained.filter(isRecord) : [];
      const medication = ref.startsWith('#')
        ? contained.find((c) => c.id === ref.slice(1))
        : medicationsById.get(ref.replace(/^.*\bMedication\//, ''));
      if (medication) {
        codings = codings.concat(codingsOf(conceptCodings(medication.code)));
        texts = texts.concat(conceptTexts(medication.code));
      }
    }
    const productDisplay = codings.map((c) => (c.system === SYSTEMS.rxnorm && c.code ? ingredientOfProduct(c.code)?.display : undefined)).find(Boolean);
    const display = (texts[0] ?? productDisplay ?? 'medication').slice(0, 120);

    // Ingredient codes match directly; product codes through the bundled map; then names in the text.
    const rxcuis: string[] = [];
    const productIngredientNames: string[] = [];
    for (const { system, code } of codings) {
      if (system !== SYSTEMS.rxnorm || !code) continue;
      rxcuis.push(code);
      const ingredient = ingredientOfProduct(code);
      if (ingredient?.rxcui) rxcuis.push(ingredient.rxcui);
      if (ingredient) productIngredientNames.push(ingredient.name);
    }
    const names = [...productIngredientNames, ...(productDisplay ? [productDisplay] : []), ...texts];
    let depleting = rxcuis.map((rxcui) => index.depletingByRxcui.get(rxcui)).find((x) => x !== undefined);
    if (!depleting && names.some((t) => index.anyDepletingName.test(t))) {
      // Which ingredient: the first in the configured order whose name appears.
      const hit = index.depletingNames.find((n) => names.some((t) => n.pattern.test(t)));
      if (hit) depleting = { name: hit.name, drugClass: hit.drugClass };
    }
    if (depleting && !seen.has(depleting.name)) {
      seen.add(depleting.name);
      out.depleting.push({ display, ingredient: depleting.name, drugClass: depleting.drugClass });
    }
    const about = orderDetails(order);
    if (rxcuis.some((c) => index.digoxin.rxcuis.has(c)) || names.some((t) => index.digoxin.names.test(t))) {
      out.digoxin.push({ display, ...about });
    }
    if (names.some((t) => index.anyOralInteraction.test(t))) {
      const hit = index.oralInteractions.find((n) => names.some((t) => n.pattern.test(t)));
      if (hit) out.oralInteractions.push({ display, ingredient: hit.name, drugClass: hit.drugClass, ...about });
    }
    const allText = names.join(' ').toLowerCase();
    // Oral salts (oxide, chloride, citrate …) are oral products; magnesium sulfate is oral only when the order says so.
    const oralSalt = index.anyMagnesiumName.test(allText);
    const sulfate = /\bmagnesium sulfate\b/i.test(allText);
    if (oralSalt || sulfate) {
      // The route matters only for magnesium orders (oral supplement already given, or IV).
      const routes = dosageRoutes(order);
      const routeWords = routes.flatMap(conceptTexts).join(' ').toLowerCase();
      const routeCodes = routes.flatMap(conceptCodes);
      const oralWords = /\boral\b|\btablet\b|\bcapsule\b|\bby mouth\b|\bpo\b/.test(`${allText} ${routeWords}`) || routeCodes.includes(ROUTES.oral.code);
      const ivWords = /\binjection\b|\binfusion\b|\bintravenous\b|\biv\b/.test(`${allText} ${routeWords}`) || routeCodes.includes(ROUTES.iv.code);
      out.magnesium.push({ display, oral: (oralSalt && !ivWords) || (sulfate && oralWords && !ivWords), ...about });
    }
  }
  return out;
}

/** Id, status, date and dose text of an order, for naming it on a card (R-ORD-1, R-HYPER-2). */
function orderDetails(order: Rec): Omit<MedicationFinding, 'display'> {
  const out: Omit<MedicationFinding, 'display'> = {};
  const id = str(order.id);
  if (id && /^[A-Za-z0-9\-.]{1,64}$/.test(id)) out.id = id;
  if (order.resourceType === 'MedicationRequest' || order.resourceType === 'MedicationStatement') out.resourceType = order.resourceType;
  const status = str(order.status);
  if (status) out.status = status;
  const authored = str(order.authoredOn) ?? str(order.dateAsserted);
  if (authored && parseFhirDateTime(authored)) out.authoredOn = authored.slice(0, 10);
  const dosage = [...asArray(order.dosageInstruction), ...asArray(order.dosage)].find(isRecord);
  const text = dosage ? str(dosage.text) : undefined;
  if (text) out.doseText = text.slice(0, 80);
  return out;
}

const ADMINISTERED = new Set(['completed', 'in-progress']);

/** R-ORD-2: IV magnesium given (completed or running), by product code, ingredient or text. */
function readAdministrations(administrations: Rec[], medicationsById: Map<string, Rec>): AdministrationFinding[] {
  const out: AdministrationFinding[] = [];
  for (const a of administrations) {
    const status = str(a.status);
    if (!status || !ADMINISTERED.has(status)) continue;
    const period = isRecord(a.effectivePeriod) ? a.effectivePeriod : undefined;
    const started = parseFhirDateTime(a.effectiveDateTime) ?? parseFhirDateTime(period?.start);
    const ended = parseFhirDateTime(period?.end);
    const effective = ended ?? started;
    if (!effective || !started) continue;
    const ref = isRecord(a.medicationReference) ? str(a.medicationReference.reference) : undefined;
    const medication = ref
      ? (ref.startsWith('#') ? (Array.isArray(a.contained) ? a.contained.filter(isRecord) : []).find((c) => c.id === ref.slice(1)) : medicationsById.get(ref.replace(/^.*\bMedication\//, '')))
      : undefined;
    const codings = codingsOf([...conceptCodings(a.medicationCodeableConcept), ...conceptCodings(medication?.code)]);
    const texts = [...conceptTexts(a.medicationCodeableConcept), ...conceptTexts(medication?.code), ...strings([isRecord(a.medicationReference) ? a.medicationReference.display : undefined])];
    const productNames = codings.map((c) => (c.system === SYSTEMS.rxnorm && c.code ? ingredientOfProduct(c.code)?.name : undefined)).filter((n): n is string => n !== undefined);
    const allText = [...productNames, ...texts].join(' ').toLowerCase();
    if (!/\bmagnesium sulfate\b|\bmagnesium sulphate\b/.test(allText)) continue;
    const dosage = isRecord(a.dosage) ? a.dosage : undefined;
    const routeCodes = dosage ? conceptCodes(dosage.route) : [];
    const routeWords = dosage ? conceptTexts(dosage.route).join(' ').toLowerCase() : '';
    if (routeCodes.includes(ROUTES.oral.code) || /\boral\b|\bby mouth\b/.test(routeWords)) continue;
    const dose = dosage && isRecord(dosage.dose) ? dosage.dose : undefined;
    // A dose that is not a positive number is not quoted (never guessed); the administration still counts.
    const doseText = dose && typeof dose.value === 'number' && Number.isFinite(dose.value) && dose.value > 0 ? `${dose.value} ${str(dose.unit) ?? str(dose.code) ?? ''}`.trim().slice(0, 20) : undefined;
    out.push({ display: (texts[0] ?? 'magnesium sulfate').slice(0, 120), effective, started, ...(doseText ? { doseText } : {}) });
  }
  return out.sort((x, y) => y.effective.getTime() - x.effective.getTime());
}

const emptyLab = (): AnalyteFacts => ({ found: 0, results: [], skipped: [], sameInstant: [] });

/**
 * Builds the facts for `patientId` from every resource the request supplied or the service
 * fetched (R-FETCH-1: a fetched key is read exactly like a prefetched one). `now` only bounds how far in the future a result may be dated.
 */
export function extractFacts(resources: Resource[], patientId: string, index: FactIndex, now: Date): PatientFacts {
  const observations = new Map<Analyte, Candidate[]>();
  const conditions: Rec[] = [];
  const orders: Rec[] = [];
  const medicationsById = new Map<string, Rec>();
  const administrations: Rec[] = [];
  let patient: Rec | undefined;
  let otherPatientResources = 0;
  const ownReference = `Patient/${patientId}`;

  for (const raw of resources) {
    const resource = raw as unknown as Rec;
    switch (resource.resourceType) {
      case 'Observation': {
        const picked = loincOf(resource, index);
        if (!picked) break;
        if (aboutOtherPatient(resource, patientId, ownReference)) {
          otherPatientResources += 1;
          break;
        }
        const list = observations.get(picked.analyte) ?? [];
        list.push({ resource, loinc: picked.code, status: str(resource.status), effectiveMs: effectiveOf(resource) });
        observations.set(picked.analyte, list);
        break;
      }
      case 'Condition':
        if (aboutOtherPatient(resource, patientId, ownReference)) otherPatientResources += 1;
        else conditions.push(resource);
        break;
      case 'MedicationRequest':
      case 'MedicationStatement':
        if (aboutOtherPatient(resource, patientId, ownReference)) otherPatientResources += 1;
        else orders.push(resource);
        break;
      case 'MedicationAdministration':
        if (aboutOtherPatient(resource, patientId, ownReference)) otherPatientResources += 1;
        else administrations.push(resource);
        break;
      case 'Medication':
        if (typeof resource.id === 'string') medicationsById.set(resource.id, resource);
        break;
      case 'Patient':
        if (resource.id === patientId) patient = resource;
        else if (resource.id !== undefined) otherPatientResources += 1;
        else patient ??= resource;
        break;
      default:
        break;
    }
  }

  const latestAllowed = now.getTime() + index.futureToleranceMs;
  const labs = {} as Record<Analyte, AnalyteFacts>;
  for (const analyte of index.analytes) {
    const candidates = observations.get(analyte);
    labs[analyte] = candidates ? analyseLab(analyte, candidates, index, latestAllowed) : emptyLab();
  }

  const facts: PatientFacts = {
    labs,
    conditions: readConditions(conditions, index),
    medications: readMedications(orders, medicationsById, index),
    administrations: readAdministrations(administrations, medicationsById),
    otherPatientResources,
  };
  const birthDate = patient ? str(patient.birthDate) : undefined;
  if (birthDate) facts.birthDate = birthDate;
  const gender = patient ? str(patient.gender) : undefined;
  if (gender === 'male' || gender === 'female') facts.sex = gender;
  return facts;
}
