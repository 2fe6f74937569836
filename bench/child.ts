import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { serverCommand, type Pinning } from './cpu-pinning';
import type { ListeningReport, UsageReport } from './probe';

/** A server under test, run as its own process so its CPU and memory are its own. */
export interface ServerSpec {
  /** Script to run with node (absolute path). */
  script: string;
  env: Record<string, string>;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  /** Path polled with GET until it answers 200. */
  readyPath: string;
  /** A stand-in for the world outside the service (the loopback FHIR server): it runs beside the load generator, not on the servers' CPUs. */
  outside?: boolean;
}

export interface RunningServer {
  url: string;
  pid: number;
  usage(): Promise<UsageReport>;
  /** Sends any IPC message and waits for the first reply whose `type` matches. */
  ask<T extends { type: string }>(message: string, type: T['type']): Promise<T>;
  stop(): Promise<void>;
  stderr(): string;
}

const PROBE = join(__dirname, 'probe.js');

let pinning: Pinning | undefined;
/** Every server started from now on runs on the pinning's server CPUs, an `outside` one beside the harness; undefined: wherever the OS puts them. */
export function pinServers(plan: Pinning | undefined): void {
  pinning = plan;
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode} before it was ready`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`server at ${url} not ready within ${timeoutMs} ms`);
}

/** Resolves with the port the child reports once its server listens (see probe.ts). */
function listeningPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening report within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: unknown) => {
      const report = message as Partial<ListeningReport> | null;
      if (report?.type !== 'listening' || typeof report.port !== 'number') return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(report.port);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with code ${code} before listening`));
    });
  });
}

/**
 * Starts a server on 127.0.0.1 with PORT=0 (the OS picks the port). Its stdout (the service's log lines) goes to a file
 * as it would go to a log collector, so the harness's event loop does not pay for reading it.
 */
export async function startServer(name: string, spec: ServerSpec, logDir: string): Promise<RunningServer> {
  mkdirSync(logDir, { recursive: true });
  const logFd = openSync(join(logDir, `${name}.log`), 'w');
  const { command, args } = serverCommand([...(spec.nodeFlags ?? []), '-r', PROBE, spec.script], spec.outside ? pinning?.harness : pinning?.servers);
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH ?? '', ...spec.env, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', logFd, 'pipe', 'ipc'],
  });
  closeSync(logFd);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let url = '';

  const ask = <T extends { type: string }>(message: string, type: T['type']): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.off('message', onMessage);
        reject(new Error(`${name}: no "${type}" reply`));
      }, 5000);
      const onMessage = (reply: unknown) => {
        if (typeof reply !== 'object' || reply === null || (reply as { type?: unknown }).type !== type) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(reply as T);
      };
      child.on('message', onMessage);
      child.send(message);
    });

  try {
    url = `http://127.0.0.1:${await listeningPort(child, 20_000)}`;
    await waitReady(`${url}${spec.readyPath}`, child, 20_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${name}: ${(error as Error).message}\n${stderr}`);
  }

  return {
    url,
    pid: child.pid ?? -1,
    usage: () => ask<UsageReport>('usage', 'usage'),
    ask,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
