import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers';
import { defaultRuleConfig } from '../../src/rules/config';

/**
 * docs/clinical-rules.md travels with the code (issue 11, item 4): every rule ID used anywhere under
 * src/ is in the document, and every rule ID in the document is used somewhere under src/.
 * Rows marked "order services" belong to the order-check module; they must be used once that
 * module (src/rules/order-check*.ts) is on the branch.
 */

const RULE_ID = /\bR-[A-Z]+-\d+\b/g;
const doc = readFileSync(join(ROOT, 'docs', 'clinical-rules.md'), 'utf8');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : [path];
  });
}

const srcText = sourceFiles(join(ROOT, 'src')).map((f) => readFileSync(f, 'utf8')).join('\n');
const usedInSrc = new Set(srcText.match(RULE_ID) ?? []);
const inDoc = new Set(doc.match(RULE_ID) ?? []);
const orderServiceIds = new Set(doc.split('\n').filter((l) => /^\| R-[A-Z]+-\d+ \| order services:/.test(l)).map((l) => l.match(RULE_ID)![0]));
const orderModulePresent = existsSync(join(ROOT, 'src', 'rules')) && readdirSync(join(ROOT, 'src', 'rules')).some((f) => f.startsWith('order-check'));

describe('docs/clinical-rules.md is in step with the code', () => {
  test('every rule ID used under src/ is documented', () => {
    expect([...usedInSrc].filter((id) => !inDoc.has(id)).sort()).toEqual([]);
  });

  test('every documented rule ID is used under src/ (order-service rows once their module exists)', () => {
    const unused = [...inDoc].filter((id) => !usedInSrc.has(id) && (orderModulePresent || !orderServiceIds.has(id)));
    expect(unused.sort()).toEqual([]);
  });

  test('the order-service rules R-OS-1..11 are listed and marked as such', () => {
    expect([...orderServiceIds].sort()).toEqual(Array.from({ length: 11 }, (_, i) => `R-OS-${i + 1}`).sort());
  });

  test('every rule ID has its own row with a source or a default', () => {
    for (const id of inDoc) expect(doc).toMatch(new RegExp(`^\\| ${id} \\|`, 'm'));
  });

  test('the document names the rule set the configuration runs', () => {
    expect(doc).toContain(`rule set ${defaultRuleConfig.version}`);
  });

  test('every code marked unverified in the code table is marked unverified in the document too', () => {
    const codes = readFileSync(join(ROOT, 'src', 'clinical', 'codes.ts'), 'utf8');
    expect(codes).toMatch(/'1658259'[^\n]*verified: false/);
    expect(doc).toMatch(/RxNorm 1658259 \| [^\n]*\*\*U\*\*/);
  });
});
