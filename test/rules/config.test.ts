import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ConfigError, loadConfig } from '../../src/config';
import { buildRuleConfig, defaultRuleConfig, loadRuleConfig } from '../../src/rules/config';
import { observationTemplateDrift, templateLoincCodes } from '../../src/rules/prefetch-drift';
import { listSettings, renderRulesDoc } from '../../src/docs/rules-doc';
import { renderCardsDoc } from '../../src/docs/cards-doc';
import { hookRequest, observation, ROOT, testApp } from '../helpers';

const tmp = mkdtempSync(join(tmpdir(), 'mg-rules-'));

describe('rule configuration', () => {
  test('the defaults validate and are the rule table', () => {
    expect(buildRuleConfig()).toEqual(defaultRuleConfig);
    expect(defaultRuleConfig.magnesium).toMatchObject({ lowBelowMgDl: 1.8, moderateBelowMgDl: 1.3, severeBelowMgDl: 1.2, highAboveMgDl: 2.6 });
  });

  test('a YAML override merges key by key', () => {
    const file = join(tmp, 'rules.yaml');
    writeFileSync(file, 'magnesium:\n  lowBelowMgDl: 1.7\nresults:\n  freshHours: 48\n');
    const config = loadRuleConfig(file);
    expect(config.magnesium.lowBelowMgDl).toBe(1.7);
    expect(config.magnesium.severeBelowMgDl).toBe(1.2);
    expect(config.results.freshHours).toBe(48);
    expect(config.results.lookbackDays).toBe(30);
  });

  test('a JSON override replaces lists', () => {
    const file = join(tmp, 'rules.json');
    writeFileSync(file, JSON.stringify({ codes: { symptomConditions: { text: ['seizure'] } } }));
    expect(loadRuleConfig(file).codes.symptomConditions.text).toEqual(['seizure']);
    expect(loadRuleConfig(file).codes.symptomConditions.snomed).toEqual(defaultRuleConfig.codes.symptomConditions.snomed);
  });

  test('item 5: a RULES_FILE whose LOINC codes drift from the observations template is refused, naming the codes', () => {
    const dropped = join(tmp, 'dropped.json');
    writeFileSync(dropped, JSON.stringify({ codes: { loinc: { potassium: ['2823-3'] } } }));
    expect(() => loadRuleConfig(dropped)).toThrow(/requests LOINC 22760-3, 6298-4, which codes.loinc no longer reads/);
    const added = join(tmp, 'added.yaml');
    writeFileSync(added, 'codes:\n  loinc:\n    magnesium: ["19123-9", "2601-3", "21377-7"]\n');
    expect(() => loadRuleConfig(added)).toThrow(/reads LOINC 21377-7, which the "observations" prefetch template of service "hypomagnesemia"/);
    expect(() => loadRuleConfig(undefined)).not.toThrow();
  });

  test('item 5: the drift check reads %7C-encoded templates and every service with an observations key', () => {
    const template = 'Observation?patient={{context.patientId}}&code=http://loinc.org%7C19123-9,http://loinc.org|2601-3';
    expect(templateLoincCodes(template)).toEqual(['19123-9', '2601-3']);
    const problems = observationTemplateDrift(defaultRuleConfig, [{ id: 'a', prefetch: { observations: template } }, { id: 'b', prefetch: { patient: 'Patient/{{context.patientId}}' } }]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^RULES_FILE: codes.loinc reads LOINC .*2823-3.* service "a"/);
  });

  test('an invalid file stops start-up with one message listing every problem', () => {
    const file = join(tmp, 'bad.yaml');
    writeFileSync(file, 'magnesium:\n  lowBelowMgDl: -1\n  severeBelowMgDl: "low"\niv:\n  severe:\n    grams: 10\n    minutes: 5\nunknownSection: 1\n');
    let error: unknown;
    try {
      loadRuleConfig(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/magnesium\.lowBelowMgDl/);
    expect(problems).toMatch(/magnesium\.severeBelowMgDl/);
    expect(problems).toMatch(/unknownSection/);
    expect((error as ConfigError).problems.length).toBeGreaterThanOrEqual(3);
  });

  test('an IV regimen faster than the rate limit is refused', () => {
    expect(() => buildRuleConfig({ iv: { severe: { grams: 4, minutes: 10 } } })).toThrow(/maxMgPerMinute/);
  });

  test('thresholds out of order are refused', () => {
    expect(() => buildRuleConfig({ magnesium: { severeBelowMgDl: 1.5, moderateBelowMgDl: 1.3 } })).toThrow(/severe <= moderate/);
  });

  test('a missing or unparsable file is a clear error', () => {
    expect(() => loadRuleConfig(join(tmp, 'nope.yaml'))).toThrow(/cannot read/);
    const file = join(tmp, 'broken.json');
    writeFileSync(file, '{ nope');
    expect(() => loadRuleConfig(file)).toThrow(/not valid/);
  });

  test('prototype keys in an override are ignored', () => {
    const config = buildRuleConfig(JSON.parse('{"__proto__": {"polluted": true}, "magnesium": {"lowBelowMgDl": 1.75}}'));
    expect(config.magnesium.lowBelowMgDl).toBe(1.75);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('the service uses the overridden thresholds', async () => {
    const body = hookRequest({ observations: [observation({ code: '19123-9', value: 1.75, unit: 'mg/dL' })] });
    const strict = testApp({ rules: { magnesium: { lowBelowMgDl: 1.7 } } });
    expect((await request(strict.app).post('/cds-services/hypomagnesemia').send(body)).body).toEqual({ cards: [] });
    const standard = testApp();
    expect((await request(standard.app).post('/cds-services/hypomagnesemia').send(body)).body.cards).toHaveLength(1);
  });
});

describe('environment configuration', () => {
  test('defaults serve on 127.0.0.1:3000 with a 5 MB body limit', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', bodyLimitBytes: 5 * 1024 * 1024 });
    expect(config.fhir.timeoutMs).toBe(3000);
  });

  test('every problem is reported at once', () => {
    expect(() => loadConfig({ PORT: 'x', FHIR_TIMEOUT_MS: '-5', LOG_LEVEL: 'loud' })).toThrow(/PORT[\s\S]*FHIR_TIMEOUT_MS[\s\S]*LOG_LEVEL/);
  });
});

describe('generated documentation is current', () => {
  test('docs/rules.md documents every setting of the schema', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'rules.md'), 'utf8');
    expect(doc).toBe(renderRulesDoc());
    for (const setting of listSettings()) {
      expect(doc).toContain(`\`${setting.path}\``);
      expect(setting.description.length).toBeGreaterThan(0);
    }
  });

  test('docs/cards.md is the service\'s current output for the public cases (npm run docs:cards)', async () => {
    const doc = readFileSync(join(ROOT, 'docs', 'cards.md'), 'utf8');
    expect(doc).toBe(await renderCardsDoc());
  });
});
