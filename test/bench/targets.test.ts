import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_NODE_FLAGS, serviceSpec, startFlags, TARGETS } from '../../bench/targets';
import { ROOT } from '../helpers';

describe('bench runs the service as npm start does', () => {
  test('the node flags come from the start script (the heap cap among them)', () => {
    const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    expect(startFlags(start)).toEqual(expect.arrayContaining([expect.stringMatching(/^--max-old-space-size=\d+$/)]));
    // V8 keeps its heap and bytecode between bursts of calls (docs/operations.md, "The node flags").
    expect(startFlags(start)).toEqual(expect.arrayContaining(['--no-memory-reducer', '--no-flush-bytecode']));
    expect(startFlags('node dist/server.js')).toEqual([]);
  });

  test('a start script of another shape is refused, not half read', () => {
    expect(() => startFlags('tsx src/server.ts')).toThrow(/unexpected start script/);
    expect(() => startFlags('node --inspect dist/cli.js')).toThrow(/unexpected start script/);
  });

  test('every service the bench starts has those flags: the targets, the prefetch-missing run, and a spec with extra flags (the profiler)', () => {
    expect(SERVICE_NODE_FLAGS.length).toBeGreaterThan(0);
    for (const target of TARGETS.filter((t) => t.isService)) expect(target.spec.nodeFlags).toEqual(SERVICE_NODE_FLAGS);
    const fetching = serviceSpec('warn', { FHIR_ALLOW_HTTP: 'true' });
    expect(fetching.nodeFlags).toEqual(SERVICE_NODE_FLAGS);
    expect(fetching.env).toMatchObject({ FHIR_ALLOW_HTTP: 'true', LOG_LEVEL: 'warn' });
    expect(serviceSpec('info', {}, ['--cpu-prof']).nodeFlags).toEqual([...SERVICE_NODE_FLAGS, '--cpu-prof']);
  });
});
