import type { Duration, MedicationRequest, Quantity, ServiceRequest, Timing } from 'fhir/r4';
import { h } from './dom.js';

/**
 * A plain-language summary of a draft order, shown above its JSON: what a prescriber checks before
 * signing (drug, dose, route, rate, frequency, duration, recheck). It only restates fields of the
 * resource; a field the order does not carry reads "not stated", never a guess.
 */

const NOT_STATED = 'not stated';

const UNIT_WORDS: Record<string, string> = { s: 'second', min: 'minute', h: 'hour', d: 'day', wk: 'week', mo: 'month', a: 'year' };

function plural(value: number, unit: string): string {
  const word = UNIT_WORDS[unit];
  if (!word) return `${value} ${unit}`;
  return `${value} ${word}${value === 1 ? '' : 's'}`;
}

function quantity(q: Quantity | undefined): string | undefined {
  if (q?.value === undefined) return undefined;
  return `${q.value} ${q.unit ?? q.code ?? ''}`.trim();
}

function durationText(d: Duration | undefined): string | undefined {
  if (d?.value === undefined) return undefined;
  return plural(d.value, d.code ?? d.unit ?? '');
}

function frequency(timing: Timing | undefined): string | undefined {
  const r = timing?.repeat;
  if (!r) return timing?.code?.text;
  if (r.frequency === undefined) return r.count === 1 ? 'once' : undefined;
  const period = r.period ?? 1;
  const unit = r.periodUnit ?? '';
  const per = period === 1 ? (unit === 'd' ? 'daily' : `every ${UNIT_WORDS[unit] ?? unit}`) : `every ${plural(period, unit)}`;
  const times = r.frequency === 1 ? 'once' : r.frequency === 2 ? 'twice' : `${r.frequency} times`;
  return `${times} ${per}`;
}

/** "240 min" reads "4 hours", as the card says it; other values stay in their own unit. */
const infusionTime = (value: number, unit: string) => (unit === 'min' && value >= 60 && value % 60 === 0 ? plural(value / 60, 'h') : plural(value, unit));

/** How long it runs: the infusion time of one dose and/or the length of the course. */
function duration(m: MedicationRequest): string | undefined {
  const d = m.dosageInstruction?.[0];
  const r = d?.timing?.repeat;
  const parts: string[] = [];
  if (r?.duration !== undefined) parts.push(`each dose over ${infusionTime(r.duration, r.durationUnit ?? '')}`);
  const course = durationText(r?.boundsDuration) ?? durationText(m.dispenseRequest?.expectedSupplyDuration);
  if (course) parts.push(`for ${course}`);
  if (r?.count !== undefined && r.count > 1) parts.push(`${r.count} doses`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** "Magnesium [Mass/volume] in Serum or Plasma" → "Magnesium". */
const testName = (s: ServiceRequest) => (s.code?.text ?? s.code?.coding?.[0]?.display ?? s.code?.coding?.[0]?.code ?? 'a test').replace(/\s*\[.*$/, '');

const clock = (t: Date) => t.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/** "in 10 h (Dec 2, 14:00)"; for a window, its start relative to now and both ends. */
function when(s: ServiceRequest | undefined, now: Date): string | undefined {
  const at = s?.occurrenceDateTime ?? s?.occurrencePeriod?.start;
  if (!at) return undefined;
  const t = new Date(at);
  if (Number.isNaN(t.getTime())) return at;
  const hours = Math.round((t.getTime() - now.getTime()) / 3_600_000);
  const rel = hours <= 0 ? 'now' : hours < 48 ? `in ${hours} h` : `in ${Math.round(hours / 24)} days`;
  const end = s?.occurrenceDateTime ? undefined : s?.occurrencePeriod?.end;
  const until = end && !Number.isNaN(new Date(end).getTime()) ? ` – ${clock(new Date(end))}` : '';
  return `${rel} (${clock(t)}${until})`;
}

function recheck(siblings: readonly unknown[], now: Date): string | undefined {
  const tests = siblings.filter((r): r is ServiceRequest => (r as ServiceRequest | undefined)?.resourceType === 'ServiceRequest');
  if (tests.length === 0) return undefined;
  const at = when(tests[0], now);
  return `${tests.map(testName).join(', ')}${at ? ` ${at}` : ''}`;
}

function list(rows: Array<[string, string | undefined]>): HTMLElement {
  const dl = h('dl', { class: 'order-summary' });
  for (const [term, value] of rows) dl.append(h('dt', {}, term), h('dd', value === undefined ? { class: 'not-stated' } : {}, value ?? NOT_STATED));
  return dl;
}

/** The summary of one action's resource; `siblings` are the other resources of the same suggestion. */
export function orderSummary(resource: { resourceType: string } | undefined, siblings: readonly unknown[], now: Date): HTMLElement | undefined {
  if (resource?.resourceType === 'MedicationRequest') {
    const m = resource as MedicationRequest;
    const d = m.dosageInstruction?.[0];
    const dr = d?.doseAndRate?.[0];
    const route = d?.route?.text ?? d?.route?.coding?.[0]?.display;
    const max = d?.maxDosePerPeriod;
    return list([
      ['Drug', m.medicationCodeableConcept?.text ?? m.medicationCodeableConcept?.coding?.[0]?.display],
      ['Dose', quantity(dr?.doseQuantity) ?? (dr?.doseRange ? `${quantity(dr.doseRange.low) ?? '?'}–${quantity(dr.doseRange.high) ?? '?'}` : undefined)],
      ['Route', route],
      ['Rate', quantity(dr?.rateQuantity)],
      ['Frequency', frequency(d?.timing)],
      ['Duration', duration(m)],
      ...(max ? ([['Maximum', `${quantity(max.numerator) ?? '?'} per ${quantity(max.denominator) ?? '?'}`]] as Array<[string, string]>) : []),
      ['Recheck', recheck(siblings, now)],
    ]);
  }
  if (resource?.resourceType === 'ServiceRequest') {
    const s = resource as ServiceRequest;
    return list([
      ['Test', testName(s)],
      ['When', when(s, now)],
      ['Why', s.note?.[0]?.text ?? s.reasonCode?.[0]?.text],
    ]);
  }
  return undefined;
}
