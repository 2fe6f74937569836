import { parentPort, workerData } from 'node:worker_threads';
import { SqliteFeedbackStore } from './sqlite';
import type { OpenReport, StoreCall, StoreReply, ThreadData } from './thread-protocol';

/**
 * Worker thread entry: owns the SQLite file so that its synchronous writes (and the fsync each
 * durable commit waits for) never stall the event loop answering hooks. Calls are served one
 * at a time, in the order they were sent.
 */

const port = parentPort;
if (!port) throw new Error('sqlite-thread runs only as a worker thread');

const errorOf = (error: unknown) => {
  const code = (error as { code?: unknown })?.code;
  return { name: (error as Error)?.name ?? 'Error', message: (error as Error)?.message ?? String(error), ...(typeof code === 'string' ? { code } : {}) };
};

let store: SqliteFeedbackStore;
try {
  store = new SqliteFeedbackStore((workerData as ThreadData).path);
  port.postMessage({ opened: true } satisfies OpenReport);
} catch (error) {
  port.postMessage({ opened: false, error: errorOf(error) } satisfies OpenReport);
  port.close();
}

port.on('message', async (call: StoreCall) => {
  let reply: StoreReply;
  try {
    const method = store[call.method] as (...args: unknown[]) => Promise<unknown>;
    reply = { id: call.id, ok: true, value: await method.apply(store, call.args) };
  } catch (error) {
    reply = { id: call.id, ok: false, error: errorOf(error) };
  }
  port.postMessage(reply);
  if (call.method === 'close') port.close();
});
