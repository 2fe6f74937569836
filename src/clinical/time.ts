/**
 * FHIR date/dateTime/instant parsing. A day-precision date is taken as 00:00 UTC of that day
 * (it can only make a result look older, never fresher); year or month precision and a time
 * without a zone are too vague to date a lab result and give undefined.
 */
/**
 * Reads YYYY-MM-DD, optionally followed by Thh:mm[:ss[.fraction]] and a zone (Z or ±hh:mm), with
 * the same result as Date.parse on that text (fractions below a millisecond are cut off), but
 * without a regex or Date.parse: every Observation's date is read on each call (issue 15).
 */
export function parseFhirDateTime(value: unknown): Date | undefined {
  const ms = fhirDateTimeMillis(value);
  return ms === undefined ? undefined : new Date(ms);
}

/** As parseFhirDateTime, in milliseconds since 1970 (no Date object: the facts pass dates every result). */
export function fhirDateTimeMillis(value: unknown): number | undefined {
  return typeof value === 'string' ? fhirDateTimeMs(value) : undefined;
}

const ZERO = 48;
/** The value of two decimal digits at `at`, or -1 when either is not a digit. */
function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - ZERO;
  const b = text.charCodeAt(at + 1) - ZERO;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

function fhirDateTimeMs(text: string): number | undefined {
  const length = text.length;
  if ((length !== 10 && length < 17) || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined;
  const century = twoDigits(text, 0);
  const yy = twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  if (century < 0 || yy < 0 || month < 1 || month > 12 || day < 1) return undefined;
  const year = century * 100 + yy;
  // Date.parse would roll 2026-02-30 over into March; FHIR has no such day.
  if (day > daysInMonth(year, month)) return undefined;
  const dayMs = daysFromCivil(year, month, day) * DAY_MS;
  if (length === 10) return dayMs;

  if (text.charCodeAt(10) !== 84 /* T */ || text.charCodeAt(13) !== 58 /* : */) return undefined;
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  // Hour 24 is the next day to Date.parse; FHIR does not allow it.
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return undefined;
  let at = 16;
  let second = 0;
  let millis = 0;
  if (text.charCodeAt(at) === 58) {
    second = twoDigits(text, at + 1);
    if (second < 0 || second > 59) return undefined;
    at += 3;
    if (text.charCodeAt(at) === 46 /* . */) {
      at += 1;
      const start = at;
      for (let c = text.charCodeAt(at) - ZERO; c >= 0 && c <= 9; c = text.charCodeAt(at) - ZERO) {
        if (at - start < 3) millis = millis * 10 + c;
        at += 1;
      }
      if (at === start) return undefined;
      for (let digits = Math.min(at - start, 3); digits < 3; digits += 1) millis *= 10;
    }
  }
  let offsetMinutes: number;
  const zone = text.charCodeAt(at);
  if (zone === 90 /* Z */ && at + 1 === length) offsetMinutes = 0;
  else if ((zone === 43 || zone === 45) /* + - */ && at + 6 === length && text.charCodeAt(at + 3) === 58) {
    const oh = twoDigits(text, at + 1);
    const om = twoDigits(text, at + 4);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return undefined;
    offsetMinutes = (zone === 45 ? -1 : 1) * (oh * 60 + om);
  } else return undefined; // no zone: too vague to date a result
  return dayMs + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millis;
}


/** Days since 1970-01-01 of a proleptic Gregorian date (no Date.UTC: it maps years 0–99 to 1900–1999). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
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

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/** Days in a month (1–12) of the proleptic Gregorian calendar, years 0–99 included (Date.UTC maps those to 1900–1999). */
function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
