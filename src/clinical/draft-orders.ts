import type { Dosage, Medication, MedicationRequest, Quantity, Ratio, Resource, Timing } from 'fhir/r4';
import { ROUTES, SYSTEMS } from './codes';
import { ingredientOfProduct } from './medication-products';
import { parseFhirDateTime } from './time';
import type { RuleConfig } from '../rules/config';

/**
 * Draft (and active) MedicationRequests → typed magnesium orders for the order checks
 * (clinical-rules.md §9.2): product and salt by code, bundled product table or text; route; dose
 * as tablets/capsules with their strength, as mass, or as volume of a stated concentration; rate
 * from rateQuantity or dose ÷ duration; frequency from timing.repeat. Nothing is guessed: a dose,
 * strength, rate or frequency that cannot be read is reported as a problem for the card to name.
 */

export type MagnesiumSalt = 'sulfate' | 'oxide' | 'chloride' | 'citrate' | 'glycinate' | 'lactate' | 'aspartate' | 'gluconate';
/** IM magnesium (e.g. an obstetric regimen) has no infusion rate: it is never read as IV. */
export type OrderRoute = 'iv' | 'im' | 'oral' | 'unknown';

/** What a draft's medication is: a replacement salt (R-OS-1..11), an antacid/laxative (R-OS-3 only), or neither. */
export type MagnesiumProductKind = 'replacement' | 'antacid-laxative';

export type DoseReading =
  | {
      ok: true;
      /** Milligrams of the salt per dose (magnesium sulfate heptahydrate for IV). */
      saltMg: number;
      /** mmol of elemental magnesium per dose. */
      mmol: number;
      basis: 'tablets' | 'mass' | 'volume' | 'amount';
      tablets?: { count: number; strengthMg: number };
    }
  | { ok: false; problem: string };

export interface OrderRate {
  mgPerMinute: number;
  gramsPerHour: number;
  from: 'rateQuantity' | 'duration';
}

export interface MagnesiumOrder {
  /** `MedicationRequest/<id>`; absent when the draft has no id (then nothing can update or delete it). */
  reference?: string;
  /** How the cards name the order: its reference, else its position in the Bundle. */
  label: string;
  /** Position in draftOrders (later entries are the newer orders, R-OS-6); -1 for active orders. */
  position: number;
  status?: string;
  product: string;
  kind: MagnesiumProductKind;
  salt?: MagnesiumSalt;
  route: OrderRoute;
  dose: DoseReading;
  /** IV only, when stated. */
  rate?: OrderRate;
  /** Problem reading the rate of an IV order (no rate and no duration, or an unknown unit). */
  rateProblem?: string;
  /**
   * A continuous IV infusion: a rate and no dose per administration (e.g. a 20 g/500 mL bag at
   * 50 mL/h). Its amount is the rate × the hours it runs; the rate and totals are checked, not a dose.
   */
  continuous?: boolean;
  /** Average doses per day (frequency ÷ period); undefined when no timing could be read. */
  dosesPerDay?: number;
  /** Doses that can fall within 24 h and 48 h (one when a one-off order has no timing). */
  dosesIn24h?: number;
  dosesIn48h?: number;
  frequencyProblem?: string;
  /** How long the order runs, in days (bounds, count × period, or expected supply). */
  treatmentDays?: number;
  resource: MedicationRequest;
}

type Rec = Record<string, unknown>;
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const MAX_NAME = 300;
const isRecord = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
/** A unit or code table entry; a key such as "constructor" or "__proto__" names no entry. */
const lookup = <T>(table: Record<string, T>, key: string | undefined): T | undefined => (key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined);

// ------------------------------------------------------------------ product

const SALT_WORDS: Array<[RegExp, MagnesiumSalt]> = [
  [/\bmagnesium\s+(?:sulfate|sulphate)\b/, 'sulfate'],
  [/\bmagnesium\s+oxide\b|\bmag-?ox\b/, 'oxide'],
  [/\bmagnesium\s+chloride\b|\bslow-?mag\b/, 'chloride'],
  [/\bmagnesium\s+citrate\b/, 'citrate'],
  [/\bmagnesium\s+(?:bis)?glycinate\b/, 'glycinate'],
  [/\bmagnesium\s+(?:l-)?lactate\b|\bmag-?tab\b/, 'lactate'],
  [/\bmagnesium\s+(?:l-)?aspartate\b/, 'aspartate'],
  [/\bmagnesium\s+gluconate\b/, 'gluconate'],
];
/** Magnesium salts sold as antacids or laxatives (R-OS-3 "do not give" only). */
const ANTACID_LAXATIVE =
  /\bmagnesium\s+(?:hydroxide|carbonate|trisilicate)\b|\bmilk of magnesia\b|\bantacid\b|\blaxative\b|\bepsom\b|\bmagnesium\s+citrate\b.*\b(?:oral\s+)?(?:solution|liquid)\b/;
/** RxNorm separates ingredients with " / "; free text with "and", "with", "+" or commas. */
const SEVERAL_INGREDIENTS = /\s\/\s|\s\+\s|,|\b(?:and|with|plus)\b|\b(?:aluminum|aluminium|simethicone|calcium|zinc|vitamin|multivitamin|famotidine|salicylate|potassium|sodium)\b/;
const DILUENT = /\b(?:in|with)\s+(?:\d+(?:\.\d+)?\s*(?:%|ml)?\s+){0,2}(?:sterile\s+)?(?:water|dextrose|sodium chloride|saline|d5w|ns)\b/g;
/** RxNorm names a premixed bag's diluent as a second ingredient: "… 10 MG/ML / Glucose 50 MG/ML", "/ sodium chloride 9 MG/ML". */
const DILUENT_INGREDIENT = /\s\/\s(?:glucose|dextrose)\s+\d+(?:\.\d+)?\s*(?:mg\/ml|%)|\s\/\s(?:sodium chloride)\s+(?:9\s*mg\/ml|0\.9\s*%)/g;
/** A comma before a strength, form or route ("magnesium sulfate, 50 % injection") separates no ingredients. */
const DESCRIPTIVE_COMMA = /,(?=\s*(?:\d|usp\b|premix|inj|tab|cap|oral|solution|film|extended|delayed|sustained|ivpb|iv\b|in\b|for\b))/g;
const MAGNESIUM_WORD = /\bmagnesium\b|\bmagnesia\b|\bmag-?ox\b|\bslow-?mag\b|\bmag-?tab\b/;

interface ProductText {
  text: string;
  codes: string[];
}

function conceptText(concept: unknown): ProductText {
  if (!isRecord(concept)) return { text: '', codes: [] };
  const codings = asArray(concept.coding).filter(isRecord);
  const codes = codings.filter((c) => c.system === SYSTEMS.rxnorm).map((c) => str(c.code)).filter((c): c is string => c !== undefined);
  const texts = [str(concept.text), ...codings.map((c) => str(c.display))].filter((t): t is string => t !== undefined);
  return { text: texts.join(' | '), codes };
}

/** The medication's words: code text and displays, the bundled product table, a contained Medication. */
function productOf(order: Rec): ProductText & { display?: string } {
  const own = conceptText(order.medicationCodeableConcept);
  const texts = [own.text];
  const codes = [...own.codes];
  const ref = isRecord(order.medicationReference) ? order.medicationReference : undefined;
  if (ref) {
    texts.push(str(ref.display) ?? '');
    const target = str(ref.reference);
    if (target?.startsWith('#')) {
      const contained = asArray(order.contained).filter(isRecord).find((c) => c.resourceType === 'Medication' && c.id === target.slice(1)) as Medication | undefined;
      if (contained) {
        const med = conceptText(contained.code);
        texts.push(med.text);
        codes.push(...med.codes);
      }
    }
  }
  const tableDisplays = codes.map((c) => ingredientOfProduct(c)?.display).filter((d): d is string => d !== undefined);
  texts.push(...tableDisplays);
  // Product names are short; a bound keeps every pattern below cheap whatever a client sends.
  const text = texts.filter(Boolean).map((t) => t.slice(0, MAX_NAME)).slice(0, 8).join(' | ');
  const display = str(isRecord(order.medicationCodeableConcept) ? order.medicationCodeableConcept.text : undefined) ?? tableDisplays[0] ?? text.split(' | ')[0];
  return { text, codes, ...(display ? { display } : {}) };
}

type ProductClass = Readonly<{ kind: MagnesiumProductKind; salt?: MagnesiumSalt }>;

/**
 * Product names repeat from call to call (the same few orderables on every order screen), and
 * reading one runs a dozen patterns: the last CLASSIFIED_MAX distinct names are remembered.
 * Oldest out first, so names a caller makes up only push out other names; each key is at most
 * 8 × MAX_NAME characters (productOf).
 */
const CLASSIFIED_MAX = 512;
const classified = new Map<string, ProductClass | null>();

export function classifyProduct(text: string): ProductClass | undefined {
  const known = classified.get(text);
  if (known !== undefined) return known ?? undefined;
  const result = classifyUncached(text);
  if (classified.size >= CLASSIFIED_MAX) classified.delete(classified.keys().next().value!);
  classified.set(text, result ? Object.freeze(result) : null);
  return result;
}

function classifyUncached(text: string): ProductClass | undefined {
  const lower = text.toLowerCase();
  if (!MAGNESIUM_WORD.test(lower)) return undefined;
  // Each alternative text of one product (" | ") is judged alone: a display and a text repeat each other.
  const names = lower.split(' | ');
  if (names.some((n) => ANTACID_LAXATIVE.test(n))) return { kind: 'antacid-laxative' };
  // A premixed bag's diluent ("in 0.9 % sodium chloride") is not a second ingredient.
  const single = names.filter((n) => MAGNESIUM_WORD.test(n)).map((n) => n.replace(DILUENT_INGREDIENT, ' ').replace(DILUENT, ' ').replace(DESCRIPTIVE_COMMA, ' '));
  if (single.some((n) => SEVERAL_INGREDIENTS.test(n))) return undefined; // multivitamins, salicylate analgesics …
  for (const [pattern, salt] of SALT_WORDS) if (single.some((n) => pattern.test(n))) return { kind: 'replacement', salt };
  return undefined;
}

// ------------------------------------------------------------------ route

const IV_WORDS = /\b(?:injection|injectable|infusion|intravenous|iv|premix(?:ed)?|in water|for injection|in dextrose|in sodium chloride)\b/;
const ORAL_ONLY_SALTS = new Set<MagnesiumSalt>(['oxide', 'citrate', 'glycinate', 'lactate', 'aspartate']);
const IM_WORDS = /\b(?:intramuscular|im)\b/;
const ORAL_WORDS = /\b(?:oral|tablet|capsule|chewable|by mouth|po|caplet)\b/;

function routeOf(dosage: Dosage | undefined, productText: string): OrderRoute {
  const route = dosage?.route;
  const codes = asArray(route?.coding).filter(isRecord).map((c) => str(c.code));
  if (codes.includes(ROUTES.iv.code)) return 'iv';
  if (codes.includes(ROUTES.oral.code)) return 'oral';
  if (codes.includes(ROUTES.im.code)) return 'im';
  const words = `${route?.text ?? ''} ${asArray(route?.coding).filter(isRecord).map((c) => str(c.display) ?? '').join(' ')}`.toLowerCase();
  if (IM_WORDS.test(words)) return 'im';
  if (IV_WORDS.test(words)) return 'iv';
  if (ORAL_WORDS.test(words)) return 'oral';
  const lower = productText.toLowerCase();
  if (IV_WORDS.test(lower)) return 'iv';
  if (ORAL_WORDS.test(lower)) return 'oral';
  const doseAndRate = dosage?.doseAndRate?.[0];
  if (doseAndRate?.rateQuantity || doseAndRate?.rateRatio || dosage?.timing?.repeat?.duration !== undefined) return 'iv';
  return 'unknown';
}

// ------------------------------------------------------------------ dose

/** UCUM codes and unit texts that mean "one tablet or capsule" (the sandbox sends `{pill}`). */
const COUNT_UNITS = new Set(['{pill}', '{pills}', '{tbl}', '{tablet}', '{tablets}', '{tab}', '{capsule}', '{capsules}', '{cap}', '1', 'tab', 'tabs', 'tablet', 'tablets', 'cap', 'caps', 'capsule', 'capsules', 'pill', 'pills']);
const MASS_MG: Record<string, number> = { mg: 1, g: 1000, ug: 0.001, mcg: 0.001, gm: 1000, gram: 1000, grams: 1000, milligram: 1, milligrams: 1 };

function unitOf(q: Quantity | undefined): string | undefined {
  if (!isRecord(q)) return undefined;
  const system: unknown = q.system;
  const codeTrusted = system === undefined || system === SYSTEMS.ucum || (typeof system === 'string' && system.includes('orderableDrugForm'));
  const code = codeTrusted ? str(q.code) : undefined;
  return (code ?? str(q.unit))?.toLowerCase();
}

/** Mass words in product names: RxNorm "MG", local names "GM", "gram", "milligrams". */
const MASS_WORD = '(mg|milligrams?|g|gm|grams?)';
const massFactor = (word: string) => (word.toLowerCase().startsWith('m') ? 1 : 1000);
const STRENGTH = new RegExp(`(\\d+(?:\\.\\d+)?)\\s*${MASS_WORD}\\b(?!\\s*\\/)`, 'i');
const CONCENTRATION = new RegExp(`(\\d+(?:\\.\\d+)?)\\s*${MASS_WORD}\\s*(?:\\/|in|per)\\s*(\\d+(?:\\.\\d+)?)?\\s*ml\\b`, 'i');
const ELEMENTAL_LABEL = /\belemental\b|\(\s*as\s+(?:magnesium\s+)?(?:oxide|chloride|citrate|(?:bis)?glycinate|lactate|aspartate|gluconate)\b/i;
const SULFATE_PERCENT = /\bmagnesium\s+(?:sulfate|sulphate),?\s+(\d+(?:\.\d+)?)\s*%/i;

/** "400 MG" (not "500 MG/ML"): the strength per tablet or capsule, in mg. */
function strengthMg(text: string): number | undefined {
  const m = STRENGTH.exec(text);
  return m ? Number(m[1]) * massFactor(m[2]!) : undefined;
}

/**
 * "500 MG/ML", "40 mg/mL", "4 GM/100 ML", "2 gram in 50 mL": mg per mL; "magnesium sulfate 50 %"
 * is w/v (50 g per 100 mL). A diluent's percentage ("dextrose 5 %") is never read as the strength.
 */
function concentrationMgPerMl(text: string): number | undefined {
  const m = CONCENTRATION.exec(text);
  if (m) {
    const ml = m[3] ? Number(m[3]) : 1;
    return ml > 0 ? (Number(m[1]) * massFactor(m[2]!)) / ml : undefined;
  }
  const percent = SULFATE_PERCENT.exec(text);
  return percent ? Number(percent[1]) * 10 : undefined;
}

function readDose(dosage: Dosage | undefined, productText: string, salt: MagnesiumSalt, route: OrderRoute, config: RuleConfig): DoseReading {
  // An oral product labelled by its magnesium content ("magnesium 120 mg (as glycinate)", "elemental")
  // states elemental mg, not the salt's mass (§2).
  const elemental = salt !== 'sulfate' && ELEMENTAL_LABEL.test(productText);
  const conversion = elemental ? { mmolPerGram: config.orderCheck.elementalMmolPerGram } : config.orderCheck.saltMmolPerGram[salt];
  const toReading = (saltMg: number, basis: 'tablets' | 'mass' | 'volume', tablets?: { count: number; strengthMg: number }): DoseReading =>
    // A value past the largest number (1e308 g) is no amount at all.
    Number.isFinite(saltMg)
      ? { ok: true, saltMg, mmol: (saltMg / 1000) * conversion.mmolPerGram, basis, ...(tablets ? { tablets } : {}) }
      : { ok: false, problem: 'dose value could not be read' };
  const doseAndRate = dosage?.doseAndRate?.[0];
  if (!doseAndRate) return { ok: false, problem: 'no dose stated' };
  if (doseAndRate.doseRange) return { ok: false, problem: 'dose given as a range' };
  const q = doseAndRate.doseQuantity;
  const value = num(q?.value);
  if (!q || value === undefined || value === 0) return { ok: false, problem: 'no dose value' };
  const unit = unitOf(q);
  if (!unit) return { ok: false, problem: 'dose unit missing' };
  if (COUNT_UNITS.has(unit)) {
    // A tablet count of a bag, vial or mg/mL solution (the sandbox keeps its {pill} dose when a
    // suggestion swaps the medication) says nothing about the amount: "4 g in 100 mL" is not per tablet.
    if (route === 'iv' || concentrationMgPerMl(productText) !== undefined) return { ok: false, problem: 'a tablet or capsule count was ordered for an injectable or liquid product' };
    const strength = strengthMg(productText);
    if (strength === undefined) return { ok: false, problem: 'tablet or capsule strength could not be read from the code, name or product table' };
    return toReading(value * strength, 'tablets', { count: value, strengthMg: strength });
  }
  const massFactorMg = lookup(MASS_MG, unit);
  if (massFactorMg !== undefined) return toReading(value * massFactorMg, 'mass');
  if (unit === 'ml') {
    const perMl = concentrationMgPerMl(productText);
    if (perMl === undefined) return { ok: false, problem: 'volume ordered but the concentration could not be read' };
    return toReading(value * perMl, 'volume');
  }
  if (unit === 'mmol' || unit === 'meq') {
    const mmol = unit === 'mmol' ? value : value / 2;
    return { ok: true, saltMg: (mmol / conversion.mmolPerGram) * 1000, mmol, basis: 'amount' };
  }
  return { ok: false, problem: `dose unit "${unit.slice(0, 20)}" not recognised` };
}

// ------------------------------------------------------------------ rate and timing

const HOURS_PER: Record<string, number> = { s: 1 / 3600, min: 1 / 60, h: 1, d: 24, wk: 168, mo: 720, a: 8760 };
const UNIT_WORDS: Record<string, string> = { minute: 'min', minutes: 'min', hour: 'h', hours: 'h', day: 'd', days: 'd', week: 'wk', weeks: 'wk' };
/** Hours in a Duration's UCUM code, or in its unit text ("days") when it has no code. */
function hoursOf(duration: { code?: unknown; unit?: unknown } | undefined): number | undefined {
  if (!isRecord(duration)) return undefined;
  const code = str(duration.code);
  if (code !== undefined) return lookup(HOURS_PER, code);
  const unit = str(duration.unit)?.toLowerCase();
  return unit ? lookup(HOURS_PER, lookup(UNIT_WORDS, unit) ?? unit) : undefined;
}
const RATE_UNITS: Record<string, number> = { 'g/h': 1000 / 60, 'mg/h': 1 / 60, 'mg/min': 1, 'g/min': 1000 };

function rateOf(dosage: Dosage | undefined, dose: DoseReading, productText: string): { rate?: OrderRate; problem?: string } {
  const doseAndRate = dosage?.doseAndRate?.[0];
  // A zero rate infuses nothing and one past the largest number is none: neither is read as a rate.
  const make = (mgPerMinute: number, from: OrderRate['from']) =>
    Number.isFinite(mgPerMinute) && mgPerMinute > 0 ? { rate: { mgPerMinute, gramsPerHour: (mgPerMinute * 60) / 1000, from } } : { problem: 'rate could not be read' };
  const rq = doseAndRate?.rateQuantity;
  if (rq) {
    const unit = unitOf(rq);
    const value = num(rq.value);
    if (!value || !unit) return { problem: 'rate without a value or unit' };
    const mgPerMinutePerUnit = lookup(RATE_UNITS, unit);
    if (mgPerMinutePerUnit !== undefined) return make(value * mgPerMinutePerUnit, 'rateQuantity');
    if (unit === 'ml/h' || unit === 'ml/min') {
      const perMl = concentrationMgPerMl(productText);
      if (perMl === undefined) return { problem: 'rate in mL but the concentration could not be read' };
      return make((value * perMl) / (unit === 'ml/h' ? 60 : 1), 'rateQuantity');
    }
    return { problem: `rate unit "${unit.slice(0, 20)}" not recognised` };
  }
  const ratio: Ratio | undefined = doseAndRate?.rateRatio;
  if (ratio) {
    const n = num(ratio.numerator?.value);
    const d = num(ratio.denominator?.value);
    const nu = unitOf(ratio.numerator);
    const du = unitOf(ratio.denominator);
    const mgPer = lookup(MASS_MG, nu);
    const hoursPer = lookup(HOURS_PER, du);
    if (!n || !d || mgPer === undefined || hoursPer === undefined) return { problem: 'rate ratio could not be read' };
    return make((n * mgPer) / (d * hoursPer * 60), 'rateQuantity');
  }
  const repeat = dosage?.timing?.repeat;
  const duration = num(repeat?.duration);
  const durationHours = duration !== undefined ? lookup(HOURS_PER, repeat?.durationUnit) : undefined;
  if (duration && durationHours !== undefined) {
    if (!dose.ok) return { problem: 'duration stated but the dose could not be read' };
    return make(dose.saltMg / (duration * durationHours * 60), 'duration');
  }
  return { problem: 'no rate and no infusion duration stated' };
}

/** HL7 timing abbreviations (GTSAbbreviation) → doses per day. */
const TIMING_CODES: Record<string, number> = { QD: 1, AM: 1, PM: 1, BED: 1, BID: 2, TID: 3, QID: 4, Q4H: 6, Q6H: 4, Q8H: 3, Q12H: 2, QOD: 0.5 };

interface Frequency {
  perDay?: number;
  in24h?: number;
  in48h?: number;
  problem?: string;
  treatmentDays?: number;
}

/** A schedule with more doses than can be counted (frequency 1e308 per 1e-300 s, count 1e308) is not read. */
function frequencyOf(order: MedicationRequest, dosage: Dosage | undefined, route: OrderRoute): Frequency {
  const read = scheduleOf(order, dosage, route);
  const countable = (n: number | undefined) => n === undefined || (Number.isFinite(n) && n <= Number.MAX_SAFE_INTEGER);
  if (countable(read.perDay) && countable(read.in24h) && countable(read.in48h)) return read;
  return { ...(read.treatmentDays !== undefined ? { treatmentDays: read.treatmentDays } : {}), problem: 'frequency could not be read' };
}

function scheduleOf(order: MedicationRequest, dosage: Dosage | undefined, route: OrderRoute): Frequency {
  const timing: Timing | undefined = dosage?.timing;
  const repeat = timing?.repeat;
  const count = num(repeat?.count);
  const out: Frequency = {};
  const bounds = repeat?.boundsDuration;
  const boundsHours = bounds && num(bounds.value) !== undefined ? hoursOf(bounds) : undefined;
  if (bounds && boundsHours !== undefined) out.treatmentDays = (bounds.value! * boundsHours) / 24;
  else if (repeat?.boundsPeriod) {
    const start = parseFhirDateTime(repeat.boundsPeriod.start);
    const end = parseFhirDateTime(repeat.boundsPeriod.end);
    if (start && end) out.treatmentDays = (end.getTime() - start.getTime()) / 86_400_000;
  }
  const supply = order.dispenseRequest?.expectedSupplyDuration;
  const supplyHours = hoursOf(supply);
  if (out.treatmentDays === undefined && supply && num(supply.value) !== undefined && supplyHours !== undefined) out.treatmentDays = (supply.value! * supplyHours) / 24;
  const durationHours = num(repeat?.duration) !== undefined ? repeat!.duration! * (lookup(HOURS_PER, repeat!.durationUnit) ?? 0) : 0;
  // One infusion running longer than the stated bounds still counts its own length.
  if (durationHours / 24 > (out.treatmentDays ?? 0)) out.treatmentDays = durationHours / 24;

  let periodHours: number | undefined;
  let frequency: number | undefined;
  if (repeat && (repeat.period !== undefined || repeat.frequency !== undefined)) {
    const unitHours = lookup(HOURS_PER, repeat.periodUnit ?? 'd');
    // An absent frequency or period means 1 (FHIR Timing); a present one that is not a number is not guessed.
    const stated = (v: unknown) => (v === undefined ? 1 : num(v));
    frequency = stated(repeat.frequency);
    const period = stated(repeat.period);
    periodHours = unitHours !== undefined && period !== undefined ? period * unitHours : undefined;
    if (frequency === undefined || periodHours === undefined || periodHours === 0 || frequency === 0) return { ...out, problem: 'frequency could not be read' };
  } else if (Array.isArray(repeat?.timeOfDay) && repeat.timeOfDay.length > 0) {
    frequency = repeat.timeOfDay.length;
    periodHours = 24;
  } else {
    // Coded (GTSAbbreviation), else the code's text as EHRs with local frequency codes send it ("BID", "b.i.d.").
    const candidates = [...asArray(timing?.code?.coding).filter(isRecord).map((c) => str(c.code)), str(timing?.code?.text)?.slice(0, 20)];
    const code = candidates.map((c) => c?.toUpperCase().replace(/[\s.]/g, '')).find((c) => lookup(TIMING_CODES, c) !== undefined);
    if (code) {
      frequency = lookup(TIMING_CODES, code)!;
      periodHours = 24;
    }
  }
  if (frequency !== undefined && periodHours !== undefined) {
    out.perDay = (frequency * 24) / periodHours;
    const inWindow = (hours: number) => Math.min(count ?? Number.POSITIVE_INFINITY, Math.ceil(hours / periodHours! - 1e-9) * frequency!);
    out.in24h = inWindow(24);
    out.in48h = inWindow(48);
    if (out.treatmentDays === undefined && count !== undefined) out.treatmentDays = (count / frequency) * (periodHours / 24);
    return out;
  }
  if (count !== undefined || route === 'iv') {
    // A one-off order (count 1, or an IV order without a schedule): one dose.
    const doses = count ?? 1;
    return { ...out, in24h: doses, in48h: doses, ...(count === 1 ? { perDay: 1 } : {}) };
  }
  return { ...out, problem: 'no frequency stated' };
}

// ------------------------------------------------------------------ orders

function readOrder(resource: MedicationRequest, position: number, config: RuleConfig): MagnesiumOrder | undefined {
  const product = productOf(resource as unknown as Rec);
  if (!product.text && product.codes.length === 0) return undefined; // a draft with no medication yet
  const classified = classifyProduct(product.text);
  if (!classified) return undefined;
  const dosage = resource.dosageInstruction?.[0];
  const stated = routeOf(dosage, product.text);
  // Magnesium oxide, citrate, glycinate, lactate and aspartate exist only as oral products: a draft
  // that names no route ("magnesium oxide 400 mg", 1 twice daily) is still an oral order.
  const route = stated === 'unknown' && classified.salt && ORAL_ONLY_SALTS.has(classified.salt) ? 'oral' : stated;
  // Only a valid FHIR id becomes a reference (it is quoted in card text and actions).
  const reference = typeof resource.id === 'string' && FHIR_ID.test(resource.id) ? `MedicationRequest/${resource.id}` : undefined;
  const dose: DoseReading = classified.salt ? readDose(dosage, product.text, classified.salt, route, config) : { ok: false, problem: 'not a replacement product' };
  const frequency = frequencyOf(resource, dosage, route);
  const order: MagnesiumOrder = {
    ...(reference ? { reference } : {}),
    label: reference ?? `draft order ${position + 1}`,
    position,
    ...(resource.status ? { status: resource.status } : {}),
    product: (product.display ?? 'magnesium').slice(0, 120),
    kind: classified.kind,
    ...(classified.salt ? { salt: classified.salt } : {}),
    route,
    dose,
    resource,
  };
  if (route === 'iv' && classified.kind === 'replacement') {
    const { rate, problem } = rateOf(dosage, dose, product.text);
    if (rate) order.rate = rate;
    if (problem) order.rateProblem = problem;
    const repeat = dosage?.timing?.repeat;
    const scheduled = repeat?.count !== undefined || repeat?.frequency !== undefined || repeat?.period !== undefined || dosage?.timing?.code !== undefined;
    if (rate?.from === 'rateQuantity' && !dosage?.doseAndRate?.[0]?.doseQuantity && !scheduled) order.continuous = true;
  }
  if (frequency.perDay !== undefined) order.dosesPerDay = frequency.perDay;
  if (frequency.in24h !== undefined) order.dosesIn24h = frequency.in24h;
  if (frequency.in48h !== undefined) order.dosesIn48h = frequency.in48h;
  if (frequency.problem) order.frequencyProblem = frequency.problem;
  if (frequency.treatmentDays !== undefined) order.treatmentDays = frequency.treatmentDays;
  return order;
}

/** Magnesium orders among `draftOrders`, in Bundle order; other drafts and non-magnesium drugs are left out. */
export function readDraftOrders(bundle: { entry?: Array<{ resource?: unknown }> }, config: RuleConfig): MagnesiumOrder[] {
  const out: MagnesiumOrder[] = [];
  (bundle.entry ?? []).forEach((entry, position) => {
    const resource = entry.resource;
    if (!isRecord(resource) || resource.resourceType !== 'MedicationRequest') return;
    const order = readOrder(resource as unknown as MedicationRequest, position, config);
    if (order) out.push(order);
  });
  return out;
}

const ACTIVE = new Set(['active', 'on-hold']);

/** The patient's active or on-hold magnesium orders (R-OS-6 duplicates, R-OS-8 totals). */
export function readActiveMagnesiumOrders(resources: Resource[], patientId: string, draftReferences: Set<string>, config: RuleConfig): MagnesiumOrder[] {
  const out: MagnesiumOrder[] = [];
  for (const raw of resources) {
    if (raw.resourceType !== 'MedicationRequest') continue;
    const resource = raw as MedicationRequest;
    if (!resource.status || !ACTIVE.has(resource.status)) continue;
    const subject = str(isRecord(resource.subject) ? resource.subject.reference : undefined);
    if (subject && subject !== `Patient/${patientId}` && !subject.endsWith(`/Patient/${patientId}`)) continue;
    // A re-signed order in draftOrders is the same order, not a duplicate of itself.
    if (resource.id && draftReferences.has(`MedicationRequest/${resource.id}`)) continue;
    const order = readOrder(resource, -1, config);
    if (order) out.push(order);
  }
  return out;
}
