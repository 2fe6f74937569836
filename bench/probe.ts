/**
 * Preloaded into every measured server (`node -r probe.js server.js`): answers the harness's
 * "usage" message over the IPC channel with the process's own CPU time and peak RSS, so server
 * CPU per request is measured inside the server, with microsecond resolution.
 */
export interface UsageReport {
  type: 'usage';
  /** process.cpuUsage(): user and system CPU in microseconds since start. */
  cpuMicros: { user: number; system: number };
  /** Peak resident set size since start, in kilobytes. */
  maxRssKb: number;
}

if (typeof process.send === 'function') {
  process.on('message', (message: unknown) => {
    if (message !== 'usage') return;
    const report: UsageReport = { type: 'usage', cpuMicros: process.cpuUsage(), maxRssKb: process.resourceUsage().maxRSS };
    process.send?.(report);
  });
  // The channel must not keep a server alive after it has closed.
  process.channel?.unref();
}
