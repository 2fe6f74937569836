import { FhirFetchError } from './client';

/**
 * Memory bounds for data fetched from an EHR's FHIR server. Per-response caps alone let one hook
 * call hold pages × searches × the response cap; a call therefore has one budget of bytes and
 * Bundle entries across all its fetches and pages, and the process one budget for the bytes
 * that all calls in flight hold. Over the call's budget the call fails (412); over the process
 * budget it fails too (503, retry shortly) — the service never reads its way into an OOM kill.
 */

export interface CallBudgetLimits {
  /** Bytes of FHIR responses one hook call may read, across all its fetches and pages. */
  maxBytes: number;
  /** Bundle entries one hook call may receive, across all its searches and pages. */
  maxEntries: number;
}

/** Bytes held by every hook call's fetches at once, process-wide. */
export class ProcessFetchBudget {
  private used = 0;
  private highest = 0;

  constructor(readonly maxBytes: number) {}

  /** Takes `bytes` if they fit; false when the process is at its budget. */
  reserve(bytes: number): boolean {
    if (this.used + bytes > this.maxBytes) return false;
    this.used += bytes;
    this.highest = Math.max(this.highest, this.used);
    return true;
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  /** Bytes held now, and the most held at once since start. */
  get inUse(): number {
    return this.used;
  }

  get peak(): number {
    return this.highest;
  }
}

/** One hook call's budget; every fetch and page of the call draws from it. */
export class CallFetchBudget {
  private bytes = 0;
  /** Bytes still held against the process budget. */
  private reserved = 0;
  private entryCount = 0;
  private failure: FhirFetchError | undefined;
  private readonly abort = new AbortController();

  constructor(
    readonly limits: CallBudgetLimits,
    private readonly process?: ProcessFetchBudget,
  ) {}

  /** Bytes read and entries received so far by this call. */
  get bytesRead(): number {
    return this.bytes;
  }

  get entries(): number {
    return this.entryCount;
  }

  /** Aborted once the budget is exhausted, so the call's other fetches stop reading too. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Why the budget ran out (the first reason), if it did. */
  get exhausted(): FhirFetchError | undefined {
    return this.failure;
  }

  /** Fails early when a response declares more bytes than the call has left. */
  checkDeclared(bytes: number): void {
    if (this.bytes + bytes > this.limits.maxBytes) this.fail('budget', `declared ${bytes} bytes would exceed this call's budget of ${this.limits.maxBytes} bytes`);
  }

  takeBytes(bytes: number): void {
    if (this.failure) throw this.failure;
    if (this.bytes + bytes > this.limits.maxBytes) this.fail('budget', `FHIR responses exceed this call's budget of ${this.limits.maxBytes} bytes`);
    if (this.process) {
      if (!this.process.reserve(bytes)) this.fail('overloaded', 'FHIR data in flight is at the process budget');
      this.reserved += bytes;
    }
    this.bytes += bytes;
  }

  takeEntries(count: number): void {
    if (this.failure) throw this.failure;
    if (this.entryCount + count > this.limits.maxEntries) this.fail('budget', `FHIR searches exceed this call's budget of ${this.limits.maxEntries} entries`);
    this.entryCount += count;
  }

  /** Gives the call's bytes back to the process budget (once the call's data is no longer read). */
  release(): void {
    this.process?.release(this.reserved);
    this.reserved = 0;
  }

  private fail(reason: 'budget' | 'overloaded', message: string): never {
    this.failure ??= new FhirFetchError(reason, message);
    this.abort.abort();
    throw this.failure;
  }
}
