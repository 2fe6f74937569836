import { Server } from 'node:net';

/**
 * Preloaded into every measured server (`node -r probe.js server.js`). It tells the harness the
 * port the server bound (servers start with PORT=0, so no two processes race for a port), and
 * answers the "usage" message with the process's own CPU time and peak RSS, so server CPU per
 * request is measured inside the server, with microsecond resolution.
 */
export interface ListeningReport {
  type: 'listening';
  port: number;
}
export interface UsageReport {
  type: 'usage';
  /** process.cpuUsage(): user and system CPU in microseconds since start. */
  cpuMicros: { user: number; system: number };
  /** Peak resident set size since start, in kilobytes. */
  maxRssKb: number;
}

if (typeof process.send === 'function') {
  const listen = Server.prototype.listen;
  Server.prototype.listen = function (this: Server, ...args: unknown[]) {
    this.once('listening', () => {
      const address = this.address();
      if (typeof address === 'object' && address) process.send?.({ type: 'listening', port: address.port } satisfies ListeningReport);
    });
    return (listen as (...a: unknown[]) => Server).apply(this, args);
  } as typeof Server.prototype.listen;
  process.on('message', (message: unknown) => {
    if (message !== 'usage') return;
    const report: UsageReport = { type: 'usage', cpuMicros: process.cpuUsage(), maxRssKb: process.resourceUsage().maxRSS };
    process.send?.(report);
  });
  // The channel must not keep a server alive after it has closed.
  process.channel?.unref();
}
