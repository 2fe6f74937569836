import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import type { Pinning } from './cpu-pinning';
import { median } from './load';
import { PREFETCH_KEYS, type Measurement, type PrefetchMissingMeasurement } from './measure';
import { TARGETS, type TargetId } from './targets';

export interface Machine {
  date: string;
  nproc: number;
  cpuModel: string;
  node: string;
  os: string;
  memoryGb: number;
  autocannon: string;
  express: string;
  commit: string;
}

export interface SummaryRow {
  size: string;
  bytes: number;
  target: TargetId;
  label: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  unloadedP50Ms: number;
  unloadedP99Ms: number;
  cpuMsPerRequest: number;
  peakRssMb: number;
  startupRssMb: number;
  cards: number;
  /** Lowest and highest per-round value behind the medians that the targets judge. */
  spread: { rpsVsExpress: [number, number]; cpuVsExpress: [number, number]; cpuAboveExpressMs: [number, number] };
  /** Median over rounds of this target's CPU per request minus express's in the same round, in ms. */
  cpuAboveExpressMs: number;
  /** Medians of the per-round ratios (each round's targets ran back to back). */
  rpsVsBare: number;
  rpsVsExpress: number;
  cpuVsBare: number;
  cpuVsExpress: number;
}

export interface TargetCheck {
  what: string;
  target: string;
  measured: string;
  pass: boolean;
  /** Timing ratios need full-length runs; a smoke run shows them but does not judge them. */
  timing: boolean;
}

export interface PrefetchMissingSummary {
  fhirDelayMs: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  unloadedP50Ms: number;
  unloadedP99Ms: number;
  cpuMsPerRequest: number;
  peakRssMb: number;
  fetchesPerCall: number;
  maxParallelFetches: number;
}

export interface BenchReport {
  machine: Machine;
  settings: { rounds: number; connections: number; warmupSeconds: number; loadedSeconds: number; unloadedSeconds: number; smoke: boolean; pinning?: Pinning };
  bodies: Array<{ label: string; shape: string; hookPath: string; bytes: number; observations: number; conditions: number; medicationRequests: number }>;
  summary: SummaryRow[];
  targets: TargetCheck[];
  prefetchMissing: PrefetchMissingSummary | undefined;
  problems: string[];
  runs: Measurement[];
  prefetchMissingRuns: PrefetchMissingMeasurement[];
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function describeMachine(repoRoot: string): Machine {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  return {
    date: new Date().toISOString(),
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    os: `${process.platform} ${release()}`,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    autocannon: packageVersion('autocannon'),
    express: packageVersion('express'),
    commit,
  };
}

function range(values: number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  return finite.length === 0 ? [Number.NaN, Number.NaN] : [Math.min(...finite), Math.max(...finite)];
}

/** Medians over rounds per (size, target), with ratios taken within each round first. */
export function summarise(runs: Measurement[], bodies: BenchReport['bodies']): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const body of bodies) {
    const atSize = runs.filter((r) => r.size === body.label);
    const rounds = [...new Set(atSize.map((r) => r.round))];
    const find = (round: number, target: TargetId) => atSize.find((r) => r.round === round && r.target === target);
    for (const target of TARGETS) {
      const mine = atSize.filter((r) => r.target === target.id);
      if (mine.length === 0) continue;
      const perRound = (combine: (a: Measurement, b: Measurement) => number, base: TargetId) =>
        rounds.map((round) => {
          const a = find(round, target.id);
          const b = find(round, base);
          return a && b ? combine(a, b) : Number.NaN;
        });
      const ratios = (pick: (m: Measurement) => number, base: TargetId) => perRound((a, b) => pick(a) / pick(b), base);
      const ratio = (pick: (m: Measurement) => number, base: TargetId) => median(ratios(pick, base));
      const aboveExpress = perRound((a, b) => a.cpuMsPerRequest - b.cpuMsPerRequest, 'express');
      rows.push({
        size: body.label,
        bytes: body.bytes,
        target: target.id,
        label: target.label,
        requestsPerSecond: median(mine.map((m) => m.loaded.requestsPerSecond)),
        p50Ms: median(mine.map((m) => m.loaded.p50Ms)),
        p99Ms: median(mine.map((m) => m.loaded.p99Ms)),
        unloadedP50Ms: median(mine.map((m) => m.unloaded.p50Ms)),
        unloadedP99Ms: median(mine.map((m) => m.unloaded.p99Ms)),
        cpuMsPerRequest: median(mine.map((m) => m.cpuMsPerRequest)),
        peakRssMb: Math.max(...mine.map((m) => m.peakRssMb)),
        startupRssMb: median(mine.map((m) => m.startupRssMb)),
        cards: Math.max(...mine.map((m) => m.cards)),
        cpuAboveExpressMs: median(aboveExpress),
        spread: {
          rpsVsExpress: range(ratios((m) => m.loaded.requestsPerSecond, 'express')),
          cpuVsExpress: range(ratios((m) => m.cpuMsPerRequest, 'express')),
          cpuAboveExpressMs: range(aboveExpress),
        },
        rpsVsBare: ratio((m) => m.loaded.requestsPerSecond, 'bare'),
        rpsVsExpress: ratio((m) => m.loaded.requestsPerSecond, 'express'),
        cpuVsBare: ratio((m) => m.cpuMsPerRequest, 'bare'),
        cpuVsExpress: ratio((m) => m.cpuMsPerRequest, 'express'),
      });
    }
  }
  return rows;
}

export function summarisePrefetchMissing(runs: PrefetchMissingMeasurement[]): PrefetchMissingSummary | undefined {
  const first = runs[0];
  if (!first) return undefined;
  return {
    fhirDelayMs: first.fhirDelayMs,
    requestsPerSecond: median(runs.map((r) => r.loaded.requestsPerSecond)),
    p50Ms: median(runs.map((r) => r.loaded.p50Ms)),
    p99Ms: median(runs.map((r) => r.loaded.p99Ms)),
    unloadedP50Ms: median(runs.map((r) => r.unloaded.p50Ms)),
    unloadedP99Ms: median(runs.map((r) => r.unloaded.p99Ms)),
    cpuMsPerRequest: median(runs.map((r) => r.cpuMsPerRequest)),
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
    fetchesPerCall: Math.max(...runs.map((r) => r.fetchesPerCall)),
    maxParallelFetches: Math.max(...runs.map((r) => r.maxParallelFetches)),
  };
}

const f = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
/** A median with the lowest and highest round beside it. */
const fs = (value: number, [low, high]: [number, number], digits = 2) => `${f(value, digits)} (${f(low, digits)}–${f(high, digits)})`;

/** The issue's targets, checked on the service row (LOG_LEVEL=warn) against the baselines of the same run. */
export function checkTargets(rows: SummaryRow[], prefetchMissing: PrefetchMissingSummary | undefined): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const row = (size: string, target: TargetId) => rows.find((r) => r.size === size && r.target === target);
  // Every shape of about 54 KB is held to the same targets.
  for (const mid of rows.filter((r) => r.target === 'service' && r.size.startsWith('54 KB'))) {
    const at = mid.size;
    checks.push({ what: `req/s at ${at}, 10 connections`, target: '≥ 0.6 × (b) (aim 0.8 ×)', measured: `${fs(mid.rpsVsExpress, mid.spread.rpsVsExpress)} × (b)`, pass: mid.rpsVsExpress >= 0.6, timing: true });
    checks.push({ what: `server CPU per request at ${at}`, target: '≤ 2 × (b)', measured: `${fs(mid.cpuVsExpress, mid.spread.cpuVsExpress)} × (b) (${f(mid.cpuMsPerRequest, 3)} ms)`, pass: mid.cpuVsExpress <= 2, timing: true });
    checks.push({ what: `unloaded p99 at ${at} (1 connection)`, target: '≤ 5 ms', measured: `${f(mid.unloadedP99Ms)} ms`, pass: mid.unloadedP99Ms <= 5, timing: true });
  }
  const small = row('5 KB', 'service');
  if (small) {
    // The target is in ms, which scale with the host's speed: (b)'s own cost per call says how fast this one ran.
    const own = row('5 KB', 'express')?.cpuMsPerRequest ?? Number.NaN;
    const measured = `${fs(small.cpuAboveExpressMs, small.spread.cpuAboveExpressMs, 3)} ms (${f(small.cpuAboveExpressMs / own)} × (b)'s own ${f(own, 3)} ms per call)`;
    checks.push({ what: 'fixed cost: service CPU per call above (b) at 5 KB', target: '≤ 0.25 ms', measured, pass: small.cpuAboveExpressMs <= 0.25, timing: true });
  }
  const service = rows.filter((r) => r.target === 'service');
  if (service.length > 0) {
    const peak = service.reduce((a, b) => (b.peakRssMb > a.peakRssMb ? b : a));
    const express = row(peak.size, 'express');
    checks.push({
      what: 'peak RSS of the service under the benchmark (largest over shapes)',
      target: '≤ 200 MB',
      measured: `${f(peak.peakRssMb, 0)} MB at ${peak.size} ((b): ${f(express?.peakRssMb ?? Number.NaN, 0)} MB); start-up ${f(median(service.map((r) => r.startupRssMb)), 0)} MB`,
      pass: peak.peakRssMb <= 200,
      timing: false,
    });
  }
  const large = row('500 KB', 'service');
  if (large) {
    checks.push({ what: 'server CPU per request at 500 KB', target: '≤ 3 × (a)', measured: `${f(large.cpuVsBare)} × (a) (${f(large.cpuMsPerRequest, 3)} ms)`, pass: large.cpuVsBare <= 3, timing: true });
  }
  if (prefetchMissing) {
    checks.push({
      what: 'peak RSS of the service reading every key from the FHIR server (prefetch missing)',
      target: '≤ 200 MB',
      measured: `${f(prefetchMissing.peakRssMb, 0)} MB`,
      pass: prefetchMissing.peakRssMb <= 200,
      timing: false,
    });
    checks.push({
      what: `prefetch-missing: the ${PREFETCH_KEYS} FHIR queries run in parallel`,
      target: `${PREFETCH_KEYS} in flight at once`,
      measured: `${prefetchMissing.maxParallelFetches} of ${prefetchMissing.fetchesPerCall}`,
      pass: prefetchMissing.fetchesPerCall === PREFETCH_KEYS && prefetchMissing.maxParallelFetches === PREFETCH_KEYS,
      timing: false,
    });
  }
  return checks;
}

/** The results as markdown: machine, main table, targets, growth, prefetch-missing path. */
export function renderMarkdown(report: BenchReport): string {
  const m = report.machine;
  const s = report.settings;
  const lines: string[] = [];
  if (s.smoke) {
    lines.push(
      `**Smoke run**: ${s.loadedSeconds} s per target, ${s.rounds} round, one body size. It checks that every target answers without errors or non-2xx; its timing ratios are too short to judge and are shown for information only (\`npm run bench\` measures them).`,
      '',
    );
  }
  lines.push(
    `Measured ${m.date.slice(0, 16).replace('T', ' ')} UTC on ${m.nproc} × ${m.cpuModel} (${m.memoryGb} GB, ${m.os}), Node ${m.node}, express ${m.express}, autocannon ${m.autocannon}, commit ${m.commit}.`,
    `${s.pinning ? `Load generator and servers share the machine, the load generator pinned to CPU ${s.pinning.harness} and every server to CPU ${s.pinning.servers} (taskset)` : 'Load generator and servers share the machine, unpinned'}. Each server is a fresh process per body size, warmed up for ${s.warmupSeconds} s under load; then ${s.rounds} round(s) run the targets back to back in rotating order (${s.loadedSeconds} s at ${s.connections} connections, then ${s.unloadedSeconds} s at 1 connection). Figures are medians over rounds; ratios and differences are taken within each round, then the median (lowest–highest round in brackets).`,
  );
  // One table per body shape, so each reads on its own.
  for (const b of report.bodies) {
    lines.push(
      '',
      `**${b.label}** (${b.shape}, ${b.bytes} bytes, ${b.observations} Observations, ${b.conditions} Conditions, ${b.medicationRequests} MedicationRequests, POST ${b.hookPath})`,
      '',
      '| Target | req/s | p50 / p99 ms (c=10) | p50 / p99 ms (c=1) | CPU ms/req | CPU − (b) ms/req | start-up / peak RSS MB | req/s ÷ (a) | req/s ÷ (b) | CPU ÷ (a) | CPU ÷ (b) |',
      '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    );
    for (const r of report.summary.filter((x) => x.size === b.label)) {
      lines.push(
        `| ${r.label} | ${f(r.requestsPerSecond, 0)} | ${f(r.p50Ms)} / ${f(r.p99Ms)} | ${f(r.unloadedP50Ms)} / ${f(r.unloadedP99Ms)} | ${f(r.cpuMsPerRequest, 3)} | ${fs(r.cpuAboveExpressMs, r.spread.cpuAboveExpressMs, 3)} | ${f(r.startupRssMb, 0)} / ${f(r.peakRssMb, 0)} | ${f(r.rpsVsBare)} | ${fs(r.rpsVsExpress, r.spread.rpsVsExpress)} | ${f(r.cpuVsBare)} | ${fs(r.cpuVsExpress, r.spread.cpuVsExpress)} |`,
      );
    }
  }
  lines.push('', 'Bodies are compact JSON generated by bench/generate-bodies.ts (deterministic for a given day).');
  if (report.targets.length > 0) {
    lines.push('', '| Target | Goal | Measured | Met |', '|---|---|---|---|');
    const verdict = (t: TargetCheck) => (s.smoke && t.timing ? 'not judged (smoke run)' : t.pass ? 'yes' : '**no**');
    for (const t of report.targets) lines.push(`| ${t.what} | ${t.target} | ${t.measured} | ${verdict(t)} |`);
  }
  const growth = report.summary.filter((r) => r.target === 'service');
  if (growth.length > 1) {
    lines.push('', 'How the service cost grows with the body (CPU ms per request; the part above (a) is what the service adds to reading and parsing):', '');
    lines.push('| Body | (a) | service | service − (a) |', '|---|--:|--:|--:|');
    for (const r of growth) {
      const bare = report.summary.find((x) => x.size === r.size && x.target === 'bare');
      lines.push(`| ${r.size} | ${f(bare?.cpuMsPerRequest ?? Number.NaN, 3)} | ${f(r.cpuMsPerRequest, 3)} | ${f(r.cpuMsPerRequest - (bare?.cpuMsPerRequest ?? Number.NaN), 3)} |`);
    }
  }
  const p = report.prefetchMissing;
  if (p) {
    lines.push(
      '',
      `Prefetch missing (54 KB of data read from a loopback FHIR server that answers each query after ${p.fhirDelayMs} ms): ` +
        `${f(p.requestsPerSecond, 0)} req/s at ${s.connections} connections (p50 ${f(p.p50Ms)} / p99 ${f(p.p99Ms)} ms), ` +
        `unloaded p50 ${f(p.unloadedP50Ms)} / p99 ${f(p.unloadedP99Ms)} ms, CPU ${f(p.cpuMsPerRequest, 3)} ms/req, peak RSS ${f(p.peakRssMb, 0)} MB; ` +
        `${p.fetchesPerCall} queries per call, up to ${p.maxParallelFetches} in flight at once.`,
    );
  }
  if (report.problems.length > 0) lines.push('', `Problems: ${report.problems.join('; ')}`);
  return `${lines.join('\n')}\n`;
}
