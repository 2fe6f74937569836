import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main, type CliIo } from '../../src/cli';
import { ROOT } from '../helpers';

/**
 * The README's first example shows real output: the text of `magnesium-cds sample severe |
 * magnesium-cds evaluate -` as printed today, apart from the clock-dependent times. When card text
 * changes, this fails until the README shows the new text.
 */

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

async function cli(argv: string[], stdin = ''): Promise<string> {
  let out = '';
  const io: CliIo = { stdout: (t) => (out += t), stderr: (t) => (out += t), env: { NODE_ENV: 'test' }, readFile: () => stdin };
  expect(await main(argv, io)).toBe(0);
  return out;
}

/** Times and ids that differ from run to run. */
const normalise = (text: string) =>
  text
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d/g, '<time>')
    .replace(/\(\d+ h ago\)/g, '(<age>)')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>');

/** The ```text block that follows the first ```bash block containing `command`. */
function shownOutput(command: string): string {
  const at = readme.indexOf(command);
  expect(at).toBeGreaterThan(0);
  const block = /```text\n([\s\S]*?)```/.exec(readme.slice(at));
  expect(block).not.toBeNull();
  return block![1]!;
}

describe('README quick start', () => {
  test('comes before any other example and uses the sample command', () => {
    const quickStart = readme.slice(readme.indexOf('## Quick start'));
    const firstCall = quickStart.indexOf('npx magnesium-cds sample severe | curl');
    expect(firstCall).toBeGreaterThan(0);
    expect(quickStart.indexOf('fixtures/cases/public/')).toBeGreaterThan(firstCall);
  });

  test('shows the text output the CLI prints for the severe sample today', async () => {
    const request = await cli(['sample', 'severe']);
    const printed = normalise(await cli(['evaluate', '-'], request)).split('\n');
    const shown = normalise(shownOutput('npx magnesium-cds sample severe | npx magnesium-cds evaluate -')).split('\n').filter((l) => l.trim() !== '…' && l !== '');
    expect(shown.length).toBeGreaterThan(5);
    expect(printed.filter((l) => l !== '').slice(0, shown.length)).toEqual(shown);
    // The demo patient sends every prefetch key, so the card reports nothing as unobtainable.
    expect(printed.join('\n')).not.toContain('Not checked:');
  });

  test('shows the start of the HTTP answer, which is the same card as JSON', async () => {
    const request = await cli(['sample', 'severe']);
    const json = normalise(JSON.stringify(JSON.parse(await cli(['evaluate', '-', '--json'], request))));
    const shown = normalise(shownOutput('npx magnesium-cds sample severe | curl').trim());
    expect(json.startsWith(shown)).toBe(true);
  });
});
