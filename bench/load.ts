import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  body: string;
  connections: number;
  durationSeconds: number;
}

export interface LoadResult {
  /** Completed responses per second over the run. */
  requestsPerSecond: number;
  responses: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Latency percentiles in ms, from every response's own timing (sub-millisecond resolution). */
  p50Ms: number;
  p99Ms: number;
}

/** The q-quantile of ascending `sorted` (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const mid = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

/**
 * One closed-loop autocannon run (each connection sends its next request when the previous
 * answer arrives). autocannon's own histogram has 1 ms resolution, too coarse for the unloaded
 * case, so latencies are taken from its per-response event instead.
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: options.body,
        connections: options.connections,
        duration: options.durationSeconds,
        timeout: 10,
      },
      (error, result) => {
        if (error) {
          reject(error);
          return;
        }
        latencies.sort((a, b) => a - b);
        const responses = latencies.length;
        resolve({
          requestsPerSecond: responses / result.duration,
          responses,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          p50Ms: quantile(latencies, 0.5),
          p99Ms: quantile(latencies, 0.99),
        });
      },
    );
    instance.on('response', (_client, _statusCode, _bytes, responseTimeMs) => {
      latencies.push(responseTimeMs);
    });
  });
}
