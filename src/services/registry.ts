import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { HookRequest } from '../cds/schemas';
import type { ServiceDeps, ServiceResult } from './types';
import { patientViewService } from './patient-view';
import { orderSelectService, orderSignService } from './order-check';

/**
 * Service id → handler. Discovery and routing both read this registry, and the discovery
 * document (cds-services.json at the project root) is the single source of the definitions.
 */

export const serviceDefinitionSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9\-_.]+$/),
  hook: z.string().min(1),
  title: z.string().min(1).optional(),
  description: z.string().min(1),
  prefetch: z.record(z.string().regex(/^[A-Za-z0-9_]+$/), z.string().min(1)).optional(),
  usageRequirements: z.string().min(1).optional(),
});

export const discoveryDocumentSchema = z.strictObject({ services: z.array(serviceDefinitionSchema) });

export type ServiceDefinition = z.infer<typeof serviceDefinitionSchema>;

export interface ServiceHandler {
  /** Prefetch keys without which the service cannot answer (412 when unobtainable). */
  requiredPrefetch: readonly string[];
  /** Validates the hook context (throws CdsError 400) and evaluates the request. */
  evaluate(request: HookRequest, definition: ServiceDefinition, deps: ServiceDeps): Promise<ServiceResult>;
}

export const handlers: Record<string, ServiceHandler> = {
  hypomagnesemia: patientViewService,
  'magnesium-order-select': orderSelectService,
  'magnesium-order-sign': orderSignService,
};

export const DISCOVERY_FILE = join(__dirname, '..', '..', 'cds-services.json');

export interface RegisteredService {
  definition: ServiceDefinition;
  handler: ServiceHandler;
}

/** Loads and checks the discovery document; every service needs a handler and every handler a service. */
export function loadRegistry(file = DISCOVERY_FILE): Map<string, RegisteredService> {
  const document = discoveryDocumentSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  const registry = new Map<string, RegisteredService>();
  for (const definition of document.services) {
    const handler = handlers[definition.id];
    if (!handler) throw new Error(`cds-services.json lists "${definition.id}" but no handler is registered`);
    registry.set(definition.id, { definition, handler });
  }
  for (const id of Object.keys(handlers)) {
    if (!registry.has(id)) throw new Error(`handler "${id}" has no entry in cds-services.json`);
  }
  return registry;
}
