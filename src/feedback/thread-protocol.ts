import type { FeedbackStore } from './store';

/**
 * Messages between the service and the thread that owns the SQLite file. Arguments and results
 * are plain data (structured clone keeps Dates); errors travel as name, message and code only.
 */

export type StoreMethod = keyof FeedbackStore;

export interface StoreCall {
  id: number;
  method: StoreMethod;
  args: unknown[];
}

export type StoreReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; message: string; code?: string } };

/** The first message the thread sends: the file is open and migrated, or why it is not. */
export type OpenReport = { opened: true } | { opened: false; error: { name: string; message: string } };

export interface ThreadData {
  path: string;
}
