/**
 * FHIR date/dateTime/instant parsing. A day-precision date is taken as 00:00 UTC of that day
 * (it can only make a result look older, never fresher); year or month precision and a time
 * without a zone are too vague to date a lab result and give undefined.
 */
/** A full date, optionally with a time that carries its zone (Z or ±hh:mm). */
const DATE_OR_DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

export function parseFhirDateTime(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !DATE_OR_DATE_TIME.test(value) || !isCalendarDateTime(value)) return undefined;
  const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}

/** Date.parse rolls 2026-02-30 over into March and reads hour 24 as the next day; FHIR allows neither. */
function isCalendarDateTime(value: string): boolean {
  const day = Number(value.slice(8, 10));
  if (day > 28 && day > daysInMonth(Number(value.slice(0, 4)), Number(value.slice(5, 7)))) return false;
  return value.length === 10 || value.slice(11, 13) !== '24';
}

/** Whole years between a FHIR birthDate (YYYY, YYYY-MM or YYYY-MM-DD) and `now`; undefined if unreadable. */
export function ageInYears(birthDate: unknown, now: Date): number | undefined {
  if (typeof birthDate !== 'string') return undefined;
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(birthDate);
  if (!m) return undefined;
  // Only a full date gives an exact age; with month or year precision take the youngest possible age.
  const year = Number(m[1]);
  const month = m[2] ? Number(m[2]) : 12;
  const day = m[3] ? Number(m[3]) : daysInMonth(year, month);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  let age = now.getUTCFullYear() - year;
  const beforeBirthday = now.getUTCMonth() + 1 < month || (now.getUTCMonth() + 1 === month && now.getUTCDate() < day);
  if (beforeBirthday) age -= 1;
  return age >= 0 ? age : undefined;
}

/**
 * Age in whole days and whole months for a birthDate (youngest possible age when only the year or
 * month is known); undefined if unreadable or in the future. Used for neonates and infants (R-PED-2).
 */
export function ageInDaysAndMonths(birthDate: unknown, now: Date): { days: number; months: number } | undefined {
  if (typeof birthDate !== 'string') return undefined;
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(birthDate);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = m[2] ? Number(m[2]) : 12;
  if (month < 1 || month > 12) return undefined;
  const day = m[3] ? Number(m[3]) : daysInMonth(year, month);
  if (day < 1 || day > daysInMonth(year, month)) return undefined;
  const born = Date.UTC(year, month - 1, day);
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  if (born > today) return undefined;
  const days = Math.floor((today - born) / DAY_MS);
  let months = (now.getUTCFullYear() - year) * 12 + (now.getUTCMonth() + 1 - month);
  if (now.getUTCDate() < day) months -= 1;
  return { days, months: Math.max(0, months) };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
