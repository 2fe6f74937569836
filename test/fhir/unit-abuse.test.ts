import request from 'supertest';
import {
  MAX_CACHED_CONVERSIONS,
  MAX_UNIT_LENGTH,
  MAX_UNREADABLE_PER_ANALYTE,
  isParseableUnit,
  toCanonicalUnit,
  unitConversionStats,
} from '../../src/fhir/quantity';
import { expectValidCdsResponse, hookRequest, observation, testApp } from '../helpers';

/**
 * What was written to stdout and the console while `work` ran, and what reached stderr (where
 * the test runner itself may print its own warnings, so that is checked for the unit only).
 */
async function captureOutput(work: () => Promise<unknown> | unknown): Promise<{ stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const into = (sink: string[]) => (chunk: unknown) => {
    sink.push(String(chunk));
    return true;
  };
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(into(stdout)),
    jest.spyOn(process.stderr, 'write').mockImplementation(into(stderr)),
    ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => jest.spyOn(console, m).mockImplementation((...args) => void stdout.push(args.join(' ')))),
  ];
  try {
    await work();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return { stdout: stdout.join(''), stderr: stderr.join('') };
}

/** Nothing on stdout or the console, and nothing of the unit (or the library's message) on stderr. */
function expectSilent(output: { stdout: string; stderr: string }, unit: string): void {
  expect(output.stdout).toBe('');
  expect(output.stderr).not.toContain(unit.slice(0, 3));
  expect(output.stderr).not.toMatch(/Unit requested|unit string/);
}

const FORGED = 'a b\n{"level":60,"time":1,"msg":"forged","prefetch":"secret"}';

describe('units the UCUM parser never sees', () => {
  test.each([
    ['a forged log line', FORGED],
    ['an inner space', 'mg dL'],
    ['a tab', 'mg\t/dL'],
    ['a control character', 'mg/\u0007dL'],
    ['a line separator', 'mg/\u2028dL'],
    ['more than the length limit', `${'m'.repeat(MAX_UNIT_LENGTH)}/dL`],
  ])('%s is refused before parsing, with no console output', async (_name, unit) => {
    expect(isParseableUnit(unit)).toBe(false);
    const before = unitConversionStats().parseAttempts;
    let conversion: ReturnType<typeof toCanonicalUnit> | undefined;
    const output = await captureOutput(() => {
      conversion = toCanonicalUnit('magnesium', 1.1, [unit]);
    });
    expect(conversion).toEqual({ ok: false, problem: 'unit-unknown', unitText: unit });
    expectSilent(output, unit);
    expect(unitConversionStats().parseAttempts).toBe(before);
  });

  test('spellings with a space that have one meaning are still mapped before the check', () => {
    expect(toCanonicalUnit('egfr', 25, ['mL/min/1.73 m2'])).toMatchObject({ ok: true, value: 25 });
  });

  test('a hook call whose prefetch carries the forged unit writes nothing to stdout or stderr and no forged log line', async () => {
    const { app, logs } = testApp();
    let status = 0;
    let body: unknown;
    const output = await captureOutput(async () => {
      const res = await request(app)
        .post('/cds-services/hypomagnesemia')
        .send(hookRequest({ observations: [observation({ code: '19123-9', value: 1.1, unit: FORGED }), observation({ code: '19123-9', value: 1.0, unit: 'mg/dL', hoursAgo: 5 })] }));
      status = res.status;
      body = res.body;
    });
    expect(status).toBe(200);
    expectValidCdsResponse(body);
    expectSilent(output, FORGED);
    const lines = logs.text().split('\n').filter(Boolean);
    for (const line of lines) expect(JSON.parse(line).level).toBeLessThan(60);
    expect(logs.text()).not.toContain('forged');
  });
});

describe('CPU and memory spent on unreadable units are bounded', () => {
  test('2,500 unreadable magnesium results with nested-parenthesis units: parsing stops at the per-analyte bound', async () => {
    const { app } = testApp();
    const nested = (i: number) => `${'('.repeat(15)}mg${')'.repeat(15)}/x${i}`;
    const observations = Array.from({ length: 2500 }, (_, i) =>
      observation({ code: '19123-9', value: 1.1, unit: nested(i), id: `bad-${i}`, hoursAgo: 1 + i / 1000 }),
    );
    const before = unitConversionStats().parseAttempts;
    const res = await request(app).post('/cds-services/hypomagnesemia').send(hookRequest({ observations }));
    expect(res.status).toBe(200);
    expectValidCdsResponse(res.body);
    expect(unitConversionStats().parseAttempts - before).toBeLessThanOrEqual(MAX_UNREADABLE_PER_ANALYTE);
    expect(unitConversionStats().cached).toBeLessThanOrEqual(MAX_CACHED_CONVERSIONS);
  });

  test('the conversion cache stays bounded however many distinct units arrive, and keeps the ones in use', () => {
    for (let i = 0; i < MAX_CACHED_CONVERSIONS * 3; i += 1) {
      toCanonicalUnit('magnesium', 1, [`mg/dL${i}`]);
      toCanonicalUnit('magnesium', 1, ['mmol/L']);
    }
    expect(unitConversionStats().cached).toBeLessThanOrEqual(MAX_CACHED_CONVERSIONS);
    const before = unitConversionStats().parseAttempts;
    expect(toCanonicalUnit('magnesium', 0.55, ['mmol/L'])).toMatchObject({ ok: true });
    expect(unitConversionStats().parseAttempts).toBe(before);
  });

  test('analytes with the same canonical unit, weight and charge share one cached conversion per normalised unit', () => {
    const before = unitConversionStats().parseAttempts;
    toCanonicalUnit('calciumTotal', 2.1, ['MMOL/L']);
    toCanonicalUnit('calciumCorrected', 2.1, ['mmol/l']);
    expect(unitConversionStats().parseAttempts - before).toBeLessThanOrEqual(1);
  });
});
