/**
 * Demo fixtures hold times relative to the moment they are sent, because the service judges
 * freshness against the real clock. A placeholder is a whole string value:
 *   "@now-PT6H"   → an instant 6 hours ago, FHIR dateTime (seconds precision, UTC)
 *   "@today-P7Y"  → a date 7 years ago, FHIR date (YYYY-MM-DD)
 * Durations are ISO 8601 (P[nY][nM][nW][nD][T[nH][nM][nS]]); "+" moves forward.
 * This module has no imports: the demo page, the `magnesium-cds sample` command and the tests use it.
 */

const PLACEHOLDER = /^@(now|today)(.*)$/;
const OFFSET = /^([+-])(P.*)$/;
const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

export class PlaceholderError extends Error {
  override name = 'PlaceholderError';
}

function shift(now: Date, sign: number, duration: string): Date {
  const m = DURATION.exec(duration);
  if (!m || duration === 'P' || duration.endsWith('T')) throw new PlaceholderError(`Not an ISO 8601 duration: ${duration}`);
  const n = (i: number) => sign * Number(m[i] ?? 0);
  // Calendar parts first (a year is not a fixed number of days), clamped to the month's last
  // day (31 March - 1 month = 28/29 February), then exact time.
  const months = now.getUTCFullYear() * 12 + now.getUTCMonth() + n(1) * 12 + n(2);
  const year = Math.floor(months / 12);
  const month = months - year * 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const d = new Date(now.getTime());
  d.setUTCFullYear(year, month, Math.min(now.getUTCDate(), lastDay));
  const ms = ((n(3) * 7 + n(4)) * 24 * 3600 + n(5) * 3600 + n(6) * 60 + n(7)) * 1000;
  return new Date(d.getTime() + ms);
}

/** Resolves one placeholder string; any other string is returned unchanged. */
export function resolvePlaceholder(value: string, now: Date): string {
  const m = PLACEHOLDER.exec(value);
  if (!m) return value;
  const offset = OFFSET.exec(m[2] ?? '');
  if (m[2] && !offset) throw new PlaceholderError(`Not a time placeholder: ${value}`);
  const at = offset ? shift(now, offset[1] === '+' ? 1 : -1, offset[2] ?? '') : now;
  const iso = at.toISOString();
  return m[1] === 'today' ? iso.slice(0, 10) : iso.replace(/\.\d{3}Z$/, 'Z');
}

/** A deep copy of `value` with every placeholder string replaced. */
export function resolvePlaceholders<T>(value: T, now: Date): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return resolvePlaceholder(v, now);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
