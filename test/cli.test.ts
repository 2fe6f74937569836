import { join } from 'node:path';
import request from 'supertest';
import { main, type CliIo } from '../src/cli';
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

  test('usage errors exit 2 and print the usage; --help exits 0', async () => {
    for (const argv of [[], ['judge', 'x.json'], ['evaluate'], ['evaluate', 'x.json', '--now', 'yesterday'], ['evaluate', 'x.json', '--frobnicate']]) {
      const { code, stderr } = await run(argv, { 'x.json': '{}' });
      expect(code).toBe(2);
      expect(stderr).toContain('Usage: magnesium-cds evaluate');
    }
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes');
  });
});
