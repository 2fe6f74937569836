import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';

/**
 * Every package a process loads costs RSS in every replica, whether it serves a call or not.
 * These tests walk the runtime imports of the sources (type-only imports are erased by the
 * compiler and not followed) and check what two entry points load at start-up.
 */

const SRC = resolve(__dirname, '../../src');

/** Relative imports that survive compilation, with the packages they name. */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.isTypeOnly) continue;
      // `import { type A, type B } from 'x'` is erased too; `import { a, type B }` is not.
      const named = clause?.namedBindings;
      const allTypes = clause && !clause.name && named && ts.isNamedImports(named) && named.elements.every((e) => e.isTypeOnly);
      if (allTypes) continue;
      out.push((statement.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && !statement.isTypeOnly) {
      out.push((statement.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return out;
}

function resolveSource(from: string, specifier: string): string | undefined {
  const base = join(dirname(from), specifier);
  return [`${base}.ts`, join(base, 'index.ts'), base].find((candidate) => existsSync(candidate) && candidate.endsWith('.ts'));
}

/** Packages (not node built-ins) loaded at start-up from an entry file, following the sources. */
function packagesLoadedBy(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of runtimeImports(file)) {
      if (specifier.startsWith('.')) {
        const target = resolveSource(file, specifier);
        if (target) visit(target);
        continue;
      }
      if (specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
      const parts = specifier.split('/');
      packages.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
    }
  };
  visit(entry);
  return packages;
}

describe('what a process loads at start-up', () => {
  test('the walk sees the packages the server does load, and not the driver its store thread loads', () => {
    const server = packagesLoadedBy(join(SRC, 'server.ts'));
    for (const name of ['express', 'zod', 'fhirpath', 'pino', 'jose']) expect(server).toContain(name);
    expect(server).not.toContain('better-sqlite3');
  });

  test('the server does not load pg: only a DATABASE_URL deployment builds a pool (postgres-pool.ts)', () => {
    expect(packagesLoadedBy(join(SRC, 'server.ts'))).not.toContain('pg');
  });

  test("the SQLite store's thread loads its driver and neither zod nor pg (its isolate's heap stays small)", () => {
    const thread = packagesLoadedBy(join(SRC, 'feedback', 'sqlite-thread.ts'));
    expect([...thread].sort()).toEqual(['better-sqlite3']);
  });
});
