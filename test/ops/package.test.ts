import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers';

/**
 * npm 11 warns about, and a future npm will skip, install scripts that package.json's
 * `allowScripts` does not cover. better-sqlite3's native build must never be skipped silently.
 */

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };

test('every locked package with an install script is allowed or denied explicitly in allowScripts', () => {
  const withScripts = Object.entries(lock.packages)
    .filter(([path, p]) => path !== '' && p.hasInstallScript)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
  expect(withScripts).toContain('better-sqlite3');
  expect(withScripts.filter((name) => typeof pkg.allowScripts?.[name] !== 'boolean')).toEqual([]);
});

test('the native SQLite driver may build', () => {
  expect(pkg.allowScripts?.['better-sqlite3']).toBe(true);
});
