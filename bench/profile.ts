import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { startServer } from './child';
import { BODY_SPECS, benchNow, generateBody } from './generate-bodies';
import { runLoad } from './load';
import { REPO_ROOT, serviceSpec } from './targets';

/**
 * Profiles the service under load and prints where its CPU goes:
 *   node dist/bench/profile.js [--size "54 KB"] [--seconds 10] [--log-level warn|info] [file.cpuprofile]
 * With a file argument it only summarises that profile. Profiles land in bench/.cache/profiles/.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame lives: a package, a file of the service, node internals, or a V8 pseudo-frame. */
function ownerOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node internals';
  const path = url.replace(/^file:\/\//, '');
  return path.startsWith(REPO_ROOT) ? relative(REPO_ROOT, path) : path;
}

const pct = (part: number, total: number) => `${((100 * part) / total).toFixed(1)} %`.padStart(7);

export function summariseProfile(profile: CpuProfile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self.entries()].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, t]) => a + t, 0);
  const busy = total - idle;

  // Inclusive time: a node's own samples plus its descendants'.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, t] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      const key = `${f.functionName || '(anonymous)'}  ${ownerOf(f.url, f.functionName)}:${f.lineNumber + 1}`;
      if (seen.has(key)) continue; // recursion counts once
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + t);
    }
  }

  const selfByFunction = new Map<string, number>();
  const selfByOwner = new Map<string, number>();
  for (const [id, t] of self) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === '(idle)') continue;
    const owner = ownerOf(f.url, f.functionName);
    const key = `${f.functionName || '(anonymous)'}  ${owner}:${f.lineNumber + 1}`;
    selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + t);
    selfByOwner.set(owner, (selfByOwner.get(owner) ?? 0) + t);
  }
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  const lines = [`busy ${(busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms sampled; shares below are of busy time`, '', 'self time by owner:'];
  for (const [owner, t] of sorted(selfByOwner).slice(0, 15)) lines.push(`${pct(t, busy)}  ${owner}`);
  lines.push('', 'self time by function:');
  for (const [key, t] of sorted(selfByFunction).slice(0, top)) lines.push(`${pct(t, busy)}  ${key}`);
  lines.push('', 'inclusive time, service code (dist/):');
  for (const [key, t] of sorted(inclusive).filter(([k]) => k.includes(' dist/')).slice(0, top)) lines.push(`${pct(t, busy)}  ${key}`);
  lines.push('', 'inclusive time, everything:');
  for (const [key, t] of sorted(inclusive).filter(([k]) => !k.startsWith('(root)')).slice(0, top)) lines.push(`${pct(t, busy)}  ${key}`);
  return lines.join('\n');
}

async function profileService(sizeLabel: string, seconds: number, logLevel: 'warn' | 'info'): Promise<string> {
  const spec = BODY_SPECS.find((s) => s.label === sizeLabel);
  if (!spec) throw new Error(`unknown size ${sizeLabel}`);
  const body = generateBody(spec, benchNow());
  const dir = join(REPO_ROOT, 'bench', '.cache', 'profiles');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const server = await startServer(
    'service-profiled',
    serviceSpec(logLevel, {}, ['--cpu-prof', `--cpu-prof-dir=${dir}`]),
    join(REPO_ROOT, 'bench', '.cache', 'logs'),
  );
  const url = `${server.url}${body.hookPath}`;
  await runLoad({ url, body: body.json, connections: 10, durationSeconds: 1 });
  const result = await runLoad({ url, body: body.json, connections: 10, durationSeconds: seconds });
  await server.stop();
  process.stderr.write(`${sizeLabel}: ${result.requestsPerSecond.toFixed(0)} req/s under the profiler\n`);
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const newest = files.map((f) => join(dir, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!newest) throw new Error('the service wrote no profile (did it exit cleanly on SIGTERM?)');
  return newest;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { size: { type: 'string', default: '54 KB' }, seconds: { type: 'string', default: '10' }, 'log-level': { type: 'string', default: 'warn' } },
  });
  const file = positionals[0] ?? (await profileService(values.size!, Number(values.seconds), values['log-level'] === 'info' ? 'info' : 'warn'));
  process.stdout.write(`${file}\n${summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile)}\n`);
}

if (require.main === module) {
  main().catch((error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exitCode = 1;
  });
}
