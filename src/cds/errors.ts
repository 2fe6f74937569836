import type { OperationOutcome } from 'fhir/r4';

/**
 * The one error catalogue of the service. Every non-2xx reply is one of these, rendered as a
 * FHIR OperationOutcome (CDS Hooks 2.0 leaves error bodies open; R3 recommends OperationOutcome).
 */
export const errorCatalogue = {
  CDS_INVALID_REQUEST: { status: 400, issueCode: 'invalid' },
  CDS_UNAUTHORIZED: { status: 401, issueCode: 'login' },
  CDS_FORBIDDEN: { status: 403, issueCode: 'forbidden' },
  CDS_UNKNOWN_SERVICE: { status: 404, issueCode: 'not-found' },
  CDS_NOT_FOUND: { status: 404, issueCode: 'not-found' },
  CDS_METHOD_NOT_ALLOWED: { status: 405, issueCode: 'not-supported' },
  CDS_PREFETCH_UNAVAILABLE: { status: 412, issueCode: 'incomplete' },
  CDS_BODY_TOO_LARGE: { status: 413, issueCode: 'too-costly' },
  CDS_UNSUPPORTED_MEDIA_TYPE: { status: 415, issueCode: 'not-supported' },
  CDS_UNAVAILABLE: { status: 503, issueCode: 'transient' },
  CDS_INTERNAL: { status: 500, issueCode: 'exception' },
} as const satisfies Record<string, { status: number; issueCode: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

export class CdsError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Dotted paths of the request fields at fault (FHIRPath-like, e.g. `context.patientId`). */
    readonly fields: string[] = [],
  ) {
    super(message);
    this.name = 'CdsError';
    this.status = errorCatalogue[code].status;
  }
}

/** The answers to a body that is not JSON, over the size limit or cut off, wherever they are read. */
export const bodyNotJson = () => new CdsError('CDS_INVALID_REQUEST', 'Request body is not valid JSON.', ['(body)']);
export const bodyTooLarge = () => new CdsError('CDS_BODY_TOO_LARGE', 'Request body is larger than this service accepts.');
export const bodyIncomplete = () => new CdsError('CDS_INVALID_REQUEST', 'Request body ended before it was complete.', ['(body)']);

export function toOperationOutcome(error: CdsError): OperationOutcome {
  const issue: OperationOutcome['issue'][number] = {
    severity: 'error',
    code: errorCatalogue[error.code].issueCode,
    details: { coding: [{ system: 'urn:magnesium-cds:error', code: error.code }], text: error.message },
  };
  if (error.fields.length > 0) issue.expression = error.fields;
  return { resourceType: 'OperationOutcome', issue: [issue] };
}
