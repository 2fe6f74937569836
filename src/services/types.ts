import type { CdsResponse } from '../cds/schemas';
import type { Provenance } from '../cds/prefetch';
import type { FhirClientLimits } from '../fhir/client';
import type { RuleConfig } from '../rules/config';
import type { FactIndex } from '../clinical/facts';
import type { HookRequest } from '../cds/schemas';

/** What a service needs from the process, injected so tests can freeze time and fake the network. */
export interface ServiceDeps {
  rules: RuleConfig;
  factIndex: FactIndex;
  fhirLimits: FhirClientLimits;
  mayCallFhirServer: (fhirServer: string, request: HookRequest) => boolean;
  now: () => Date;
  uuid?: () => string;
}

/** A service's answer plus what the HTTP layer logs and records (no PHI). */
export interface ServiceResult {
  response: CdsResponse;
  provenance: Record<string, Provenance>;
  ruleIds: string[];
  assessment: string;
  /** Rule IDs per card uuid when one response's cards come from different rules (order checks). */
  ruleIdsByCard?: Record<string, string[]>;
}
