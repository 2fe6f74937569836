import { execFileSync } from 'node:child_process';

/**
 * Where the harness and the servers run, with `npm run bench -- --pin`. On two cores the
 * scheduler now and then runs a server and the load generator on one core for a while. Pinned
 * (load generator on core 0, servers on the others), the order-sign rounds were 0.78–0.81 ms
 * against 0.79, 1.00 and 1.04 ms unpinned; but at 5 KB the service still had slow rounds (0.50
 * against 0.71–0.73 ms: V8's memory reducer after the idle gap between rounds, which the start
 * flags now turn off) and (b) cost 0.132–0.141 ms instead of 0.119. So it is off by default: runs
 * stay comparable with earlier ones and with a load test from outside, which does not pin.
 * The loopback FHIR server stands for the world outside the service: it runs beside the load
 * generator.
 */
export interface Pinning {
  /** taskset CPU list for the harness (the load generator). */
  harness: string;
  /** taskset CPU list for every server it starts. */
  servers: string;
}

/** A plan for `cores` CPUs, or none: one core, or no `taskset` (util-linux) to pin with. */
export function planPinning(cores: number, hasTaskset: boolean): Pinning | undefined {
  if (cores < 2 || !hasTaskset) return undefined;
  return { harness: '0', servers: cores === 2 ? '1' : `1-${cores - 1}` };
}

export function tasksetAvailable(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Moves a running process, all its threads included, onto `cpus`. */
export function pinProcess(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' });
}

/** The command that starts node with `args`, on `cpus` when given (taskset execs node: same pid). */
export function serverCommand(nodeArgs: string[], cpus: string | undefined): { command: string; args: string[] } {
  return cpus ? { command: 'taskset', args: ['-c', cpus, process.execPath, ...nodeArgs] } : { command: process.execPath, args: nodeArgs };
}
