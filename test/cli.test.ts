import { join } from 'node:path';
import request from 'supertest';
import { main, packageVersion, type CliIo } from '../src/cli';
import { defaultRuleConfig } from '../src/rules/config';
import { CASES_DIR, CASES_NOW, expectValidCdsResponse, loadCase, testApp } from './helpers';

/** Runs the CLI in-process with captured output. */
async function run(argv: string[], files: Record<string, string> = {}, env: NodeJS.ProcessEnv = { NODE_ENV: 'test' }) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env,
    readFile: (path) => {
      if (path in files) return files[path]!;
      throw new Error(`ENOENT: no such file ${path}`);
    },
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

const NOW = ['--now', CASES_NOW.toISOString()];
const caseFile = (name: string) => ({ [join(CASES_DIR, name)]: JSON.stringify(loadCase(name)) });

describe('magnesium-cds evaluate', () => {
  test('prints the cards of a hook request as text', async () => {
    const file = join(CASES_DIR, 'p03_severe_0_9.json');
    const { code, stdout, stderr } = await run(['evaluate', file, ...NOW], caseFile('p03_severe_0_9.json'));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^1 card\n\n\[CRITICAL\] Severe hypomagnesemia: Mg 0\.9 mg\/dL 2 h ago, give IV magnesium\n/);
    expect(stdout).toContain(`  Source: Magnesium CDS · rule set ${defaultRuleConfig.version}\n`);
    expect(stdout).toContain('  * [recommended] Order magnesium sulfate');
    expect(stdout).toMatch(/create MedicationRequest: magnesium sulfate/);
    expect(stdout).toContain('Override reasons: Magnesium replacement already ordered');
    expect(stdout).not.toMatch(/\*\*|<sub>/);
  });

  test('--json prints the same response the HTTP service gives for the same request', async () => {
    const name = 'p07_egfr_25_severe.json';
    const { code, stdout } = await run(['evaluate', join(CASES_DIR, name), '--json', ...NOW], caseFile(name));
    expect(code).toBe(0);
    const cli = expectValidCdsResponse(JSON.parse(stdout));
    const http = await request(testApp().app).post('/cds-services/hypomagnesemia').send(loadCase(name));
    // Same cards apart from the fresh uuids of each answer.
    const withoutUuids = (body: unknown) => JSON.parse(JSON.stringify(body).replace(/"uuid":"[0-9a-f-]{36}"/g, '"uuid":"-"'));
    expect(withoutUuids(cli)).toEqual(withoutUuids(http.body));
    expect(cli.cards[0]?.summary).toMatch(/reduced dose/);
  });

  test('a normal result prints that there are no cards', async () => {
    const { code, stdout } = await run(['evaluate', join(CASES_DIR, 'p01_normal_2_2.json'), ...NOW], caseFile('p01_normal_2_2.json'));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^No cards/);
  });

  test('--now sets the service clock: five days later the same result is too old to dose from', async () => {
    const files = caseFile('p03_severe_0_9.json');
    const later = await run(['evaluate', join(CASES_DIR, 'p03_severe_0_9.json'), '--json', '--now', '2026-11-27T12:00:00Z'], files);
    expect(later.code).toBe(0);
    expect(JSON.parse(later.stdout).cards[0].detail).toMatch(/too old to dose from/);
  });

  test('an invalid request exits 2 with the OperationOutcome naming the field', async () => {
    const body = { ...loadCase('p03_severe_0_9.json'), context: { userId: 'Practitioner/x' } };
    const { code, stdout, stderr } = await run(['evaluate', 'bad.json'], { 'bad.json': JSON.stringify(body) });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^Invalid request \(HTTP 400 from the service\): .*context\.patientId/);
    const outcome = JSON.parse(stderr.slice(stderr.indexOf('{')));
    expect(outcome).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'invalid', expression: ['context.patientId'] }] });
  });

  test('a file that is not JSON is an invalid request (2); a missing file is a failure (1)', async () => {
    expect((await run(['evaluate', 'x.json'], { 'x.json': '{ nope' })).code).toBe(2);
    const missing = await run(['evaluate', 'absent.json']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^Cannot read absent\.json/);
  });

  test('data that cannot be obtained exits 1 (the service would answer 412)', async () => {
    const { prefetch: _p, fhirServer: _f, ...body } = loadCase('p03_severe_0_9.json');
    const { code, stderr } = await run(['evaluate', 'r.json', ...NOW], { 'r.json': JSON.stringify(body) });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^Cannot evaluate the request \(HTTP 412/);
  });

  test('--now takes only an ISO 8601 instant with its zone, not whatever Date parses', async () => {
    const files = caseFile('p03_severe_0_9.json');
    const file = join(CASES_DIR, 'p03_severe_0_9.json');
    for (const now of ['yesterday', 'Nov 22 2026', '2026-11-22', '2026-11-22T12:00:00', '2026-02-30T12:00:00Z', '1764000000000']) {
      const { code, stderr } = await run(['evaluate', file, '--now', now], files);
      expect({ now, code }).toEqual({ now, code: 2 });
      expect(stderr).toContain(`--now needs an ISO 8601 instant with its zone`);
    }
    for (const now of ['2026-11-22T12:00:00Z', '2026-11-22T13:00:00+01:00', '2026-11-22T12:00Z', `--now=2026-11-22T12:00:00.000Z`]) {
      const argv = now.startsWith('--') ? ['evaluate', file, now] : ['evaluate', file, '--now', now];
      const { code, stdout } = await run(argv, files);
      expect({ now, code }).toEqual({ now, code: 0 });
      // Drawn 10:00 UTC, evaluated at 12:00 UTC: the summary's age and the detail's time agree with --now.
      expect(stdout).toContain('Mg 0.9 mg/dL 2 h ago, give IV magnesium');
      expect(stdout).toContain('drawn 2026-11-22 10:00 UTC (2 h ago)');
    }
  });

  test('the service is the one registered for the request hook; --service picks it explicitly', async () => {
    const name = 'p03_severe_0_9.json';
    const byService = await run(['evaluate', join(CASES_DIR, name), '--service', 'hypomagnesemia', ...NOW], caseFile(name));
    expect(byService.code).toBe(0);
    expect(byService.stdout).toContain('[CRITICAL] Severe hypomagnesemia');
    const unknown = await run(['evaluate', join(CASES_DIR, name), '--service', 'nope', ...NOW], caseFile(name));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^No service "nope"; known: .*hypomagnesemia/);
    const otherHook = await run(['evaluate', 'r.json', ...NOW], { 'r.json': JSON.stringify({ ...loadCase(name), hook: 'encounter-start' }) });
    expect(otherHook.code).toBe(2);
    expect(otherHook.stderr).toMatch(/^No service for hook "encounter-start"/);
  });

  test('--version prints the package version', async () => {
    const { code, stdout } = await run(['--version']);
    expect(code).toBe(0);
    expect(stdout).toBe(`magnesium-cds ${packageVersion()}\n`);
    expect(packageVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  test('usage errors exit 2 and print the usage; --help exits 0', async () => {
    for (const argv of [[], ['judge', 'x.json'], ['evaluate'], ['evaluate', 'x.json', 'y.json'], ['evaluate', 'x.json', '--frobnicate'], ['evaluate', 'x.json', '--now'], ['sample', 'severe', '--json']]) {
      const { code, stderr } = await run(argv, { 'x.json': '{}' });
      expect(code).toBe(2);
      expect(stderr).toContain('Usage: magnesium-cds evaluate');
    }
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes');
  });
});

describe('magnesium-cds sample', () => {
  test('prints a demo patient as a hook request dated relative to now, which evaluates to its main card', async () => {
    const printed = await run(['sample', 'severe', '--now', '2031-05-01T08:00:00Z']);
    expect(printed.code).toBe(0);
    const body = JSON.parse(printed.stdout);
    expect(body).not.toHaveProperty('demo');
    expect(body.hook).toBe('patient-view');
    expect(body.hookInstance).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(printed.stdout).not.toContain('@now');
    expect(printed.stdout).not.toContain('@today');
    // Evaluated at that same instant (as `sample severe | evaluate -` does today), it gives the dose.
    const evaluated = await run(['evaluate', '-', '--now', '2031-05-01T08:00:00Z'], { '-': printed.stdout });
    expect(evaluated.code).toBe(0);
    expect(evaluated.stdout).toMatch(/^1 card\n\n\[CRITICAL\] Severe hypomagnesemia: Mg 0\.9 mg\/dL \d h ago, give IV magnesium\n/);
    expect(evaluated.stdout).toMatch(/drawn 2031-05-01 0\d:\d\d UTC \(\d h ago\)/);
    expect(evaluated.stdout).toMatch(/Recommended: magnesium sulfate \d+ g .*IV over \d+ h at 1 g\/h/);
  });

  test('two samples differ in hookInstance only', async () => {
    const [a, b] = await Promise.all([run(['sample', 'high', '--now', '2031-05-01T08:00:00Z']), run(['sample', 'high', '--now', '2031-05-01T08:00:00Z'])]);
    const { hookInstance: ha, ...restA } = JSON.parse(a.stdout);
    const { hookInstance: hb, ...restB } = JSON.parse(b.stdout);
    expect(ha).not.toBe(hb);
    expect(restA).toEqual(restB);
  });

  test('without a patient it lists the demo patients; an unknown one is a usage error', async () => {
    const list = await run(['sample']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^Demo patients/);
    expect(list.stdout).toMatch(/\n  severe +Mg 0\.9 mg\/dL/);
    const unknown = await run(['sample', 'nobody']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^No demo patient "nobody"; known: normal, /);
  });
});
