import { CdsError } from '../cds/errors';
import { parseHookRequest } from '../cds/hook-request';
import type { RegisteredService } from './registry';
import type { ServiceDeps, ServiceResult } from './types';

/** Zod issues → one 400 naming every field at fault. */
export function validationError(prefix: string, issues: Array<{ path: PropertyKey[]; message: string }>): CdsError {
  const name = (path: PropertyKey[]) => path.map(String).join('.') || '(body)';
  const fields = [...new Set(issues.map((i) => name(i.path)))];
  return new CdsError('CDS_INVALID_REQUEST', `${prefix}: ${issues.map((i) => `${name(i.path)}: ${i.message}`).join('; ')}`, fields);
}

/**
 * Validates a hook request body for a service and evaluates it. The HTTP route and the CLI both
 * call this, so they give the same answer for the same request.
 */
export async function invokeService(service: RegisteredService, body: unknown, deps: ServiceDeps): Promise<ServiceResult> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new CdsError('CDS_INVALID_REQUEST', 'Request body must be a JSON object (Content-Type: application/json).', ['(body)']);
  }
  const parsed = parseHookRequest(body);
  if (!parsed.success) throw validationError('Invalid hook request', parsed.error.issues);
  const request = parsed.data;
  if (request.hook !== service.definition.hook) {
    throw new CdsError(
      'CDS_INVALID_REQUEST',
      `hook "${request.hook.slice(0, 60)}" does not match service "${service.definition.id}" (expects "${service.definition.hook}").`,
      ['hook'],
    );
  }
  if (request.fhirAuthorization && !request.fhirServer) {
    throw new CdsError('CDS_INVALID_REQUEST', 'fhirServer is required when fhirAuthorization is present.', ['fhirServer']);
  }
  return service.handler.evaluate(request, service.definition, deps);
}
