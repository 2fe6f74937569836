import type { LabValue } from '../clinical/facts';

/** Text formatting shared by the card builders (no clinical decisions here). */

/**
 * Number → text is a large share of building a card (`toFixed` is slow in V8), and a card shows
 * the same few values (doses, thresholds, results) many times: remembered per number of decimals.
 */
const numberTexts = new Map<number, Map<number, string>>();
const MAX_REMEMBERED = 2_000;

/** Up to `decimals` decimals, trailing zeros dropped: 2 → "2", 0.5 → "0.5", 1.3368 → "1.34". */
export function num(value: number, decimals = 2): string {
  let texts = numberTexts.get(decimals);
  if (!texts) numberTexts.set(decimals, (texts = new Map()));
  let text = texts.get(value);
  if (text === undefined) {
    text = String(Number(value.toFixed(decimals)));
    if (texts.size >= MAX_REMEMBERED) texts.clear();
    texts.set(value, text);
  }
  return text;
}

const two = (n: number) => (n < 10 ? `0${n}` : String(n));

/** "2026-11-22 10:00 UTC": the ISO date and minute, built without `toISOString` (it is slow). */
export function when(date: Date): string {
  const year = date.getUTCFullYear();
  if (year < 1000 || year > 9999) return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `${year}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())} UTC`;
}

/**
 * R-TXT-1: an absolute time in the display zone, labelled: "2026-11-22 10:00 UTC+01:00".
 * `zone` "observation" writes the time in the offset the result carried (UTC when it had none);
 * an IANA zone name writes it in that zone.
 */
export function whenIn(date: Date, zone: string, offset?: string): string {
  if (zone === 'observation') {
    if (!offset || offset === 'Z' || offset === '+00:00' || offset === '-00:00') return when(date);
    const sign = offset.startsWith('-') ? -1 : 1;
    const minutes = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
    return `${when(new Date(date.getTime() + minutes * 60_000)).replace(' UTC', '')} UTC${offset}`;
  }
  const parts = zoneFormatter(zone).formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour') === '24' ? '00' : get('hour')}:${get('minute')} ${zone}`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function zoneFormatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(zone, f);
  }
  return f;
}

/** RxNorm names in prose: "magnesium oxide 400 MG Oral Tablet" → "magnesium oxide 400 mg tablet" (R-TXT-1). */
export function prose(name: string): string {
  if (name.length > PROSE_CACHE_MAX_LENGTH) return proseOf(name);
  let text = proseCache.get(name);
  if (text === undefined) {
    // Drug names repeat across calls (the same orders, the configured products): three regexes once per name.
    if (proseCache.size >= PROSE_CACHE_MAX) proseCache.clear();
    text = proseOf(name);
    proseCache.set(name, text);
  }
  return text;
}

const PROSE_CACHE_MAX = 1_000;
const PROSE_CACHE_MAX_LENGTH = 200;
const proseCache = new Map<string, string>();

function proseOf(name: string): string {
  return name
    .replace(/\b(MG|ML|GM|MEQ)\b/g, (u) => (u === 'GM' ? 'g' : u === 'MEQ' ? 'mEq' : u.toLowerCase()))
    .replace(/\bOral (Tablet|Capsule)\b/g, (_m, form: string) => form.toLowerCase())
    .replace(/\bInjectable Solution\b/g, 'injection');
}

/** First letter upper case (bullets never start in lower case, R-TXT-1). */
export const capital = (text: string) => (text ? `${text[0]!.toUpperCase()}${text.slice(1)}` : text);

/** "3 h ago", "2 days ago", "just now". */
export function age(hours: number): string {
  if (hours < 1) return 'less than 1 h ago';
  if (hours < 48) return `${Math.floor(hours)} h ago`;
  return `${Math.floor(hours / 24)} days ago`;
}

const COMPARATOR_TEXT: Record<string, string> = { '<': '< ', '<=': '≤ ', '>=': '≥ ', '>': '> ' };

/** Chemistry values read better with a decimal ("1.0 mg/dL"); weights, eGFR and QTc do not. */
const ONE_DECIMAL_AT_LEAST = new Set(['magnesium', 'potassium', 'calciumTotal', 'calciumCorrected', 'calciumIonized', 'albumin', 'creatinine']);

/** The value exactly as the lab reported it: "< 0.5 mmol/L". */
export function reported(result: LabValue): string {
  const prefix = result.comparator ? COMPARATOR_TEXT[result.comparator] : '';
  let text = num(result.reported.value, 3);
  if (ONE_DECIMAL_AT_LEAST.has(result.analyte) && /^\d+$/.test(text)) text = `${text}.0`;
  return `${prefix}${text} ${result.reported.unit}`;
}

const DISPLAY_UNIT: Record<string, string> = { 'mL/min/{1.73_m2}': 'mL/min/1.73 m²' };

/** The value in the unit the rules use: "1.34 mg/dL". */
export function canonical(result: LabValue, decimals = 2): string {
  const prefix = result.comparator ? COMPARATOR_TEXT[result.comparator] : '';
  let text = num(result.value, decimals);
  if (ONE_DECIMAL_AT_LEAST.has(result.analyte) && /^\d+$/.test(text)) text = `${text}.0`;
  return `${prefix}${text} ${DISPLAY_UNIT[result.unit] ?? result.unit}`;
}

/** "0.55 mmol/L (1.34 mg/dL)" when units differ, else "1.6 mg/dL". */
export function valueWithConversion(result: LabValue, decimals = 2): string {
  const r = reported(result);
  const converted = Math.abs(result.value - result.reported.value) > 1e-9;
  return converted ? `${r} (${canonical(result, decimals)})` : r;
}

/** Escapes characters that would change GitHub-flavoured markdown tables or emphasis. */
export function md(text: string): string {
  return text.replace(/([\\`*_[\]|<>#])/g, '\\$1');
}

/** "a, b and c"; duplicates dropped, at most `max` named ("… and 3 more"). */
export function list(items: string[], max = 6): string {
  const unique = [...new Set(items)];
  if (unique.length > max) return `${unique.slice(0, max).join(', ')} and ${unique.length - max} more`;
  if (unique.length <= 1) return unique.join('');
  return `${unique.slice(0, -1).join(', ')} and ${unique[unique.length - 1]}`;
}

/** CH-32: a card summary is shorter than 140 characters. */
export const SUMMARY_MAX = 139;

/** Cuts a summary that is still too long at SUMMARY_MAX characters, with an ellipsis. */
export const fitSummaryLength = (text: string) => (text.length > SUMMARY_MAX ? `${text.slice(0, SUMMARY_MAX - 1)}…` : text);
