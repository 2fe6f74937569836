import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config';
import type { RuleConfig } from './config';

/**
 * Rules and discovery must ask for the same lab codes (issue 11, item 5): a RULES_FILE that reads
 * a LOINC code the `observations` prefetch template does not request would silently never see it
 * (the EHR only prefetches what the template asks for), and a code the template requests but the
 * rules no longer read is data fetched for nothing. Start-up is refused, naming the codes; the
 * template in cds-services.json is not rewritten at run time, so what the EHR was told stays true.
 */

const DISCOVERY_FILE = join(__dirname, '..', '..', 'cds-services.json');

interface DiscoveryService {
  id: string;
  prefetch?: Record<string, string>;
}

/** LOINC codes an Observation search template asks for (`code=http://loinc.org|X,...`, also %7C-encoded). */
export function templateLoincCodes(template: string): string[] {
  const decoded = template.replace(/%7C/gi, '|');
  return [...decoded.matchAll(/http:\/\/loinc\.org\|([0-9]+-[0-9])/g)].map((m) => m[1]!);
}

/** One line per mismatch between the rules' LOINC codes and each service's `observations` template. */
export function observationTemplateDrift(config: RuleConfig, services: DiscoveryService[]): string[] {
  const used = new Set(Object.values(config.codes.loinc).flat());
  const problems: string[] = [];
  for (const service of services) {
    const template = service.prefetch?.observations;
    if (!template) continue;
    const requested = new Set(templateLoincCodes(template));
    const missing = [...used].filter((c) => !requested.has(c)).sort();
    const unused = [...requested].filter((c) => !used.has(c)).sort();
    if (missing.length > 0) {
      problems.push(`RULES_FILE: codes.loinc reads LOINC ${missing.join(', ')}, which the "observations" prefetch template of service "${service.id}" in cds-services.json does not request; add them to the template or remove them from the rules`);
    }
    if (unused.length > 0) {
      problems.push(`RULES_FILE: the "observations" prefetch template of service "${service.id}" requests LOINC ${unused.join(', ')}, which codes.loinc no longer reads; remove them from the template or add them back to the rules`);
    }
  }
  return problems;
}

/** Throws ConfigError listing every mismatch (start-up refuses to run with drifted rules). */
export function assertNoPrefetchDrift(config: RuleConfig, file = DISCOVERY_FILE): void {
  const document = JSON.parse(readFileSync(file, 'utf8')) as { services?: DiscoveryService[] };
  const problems = observationTemplateDrift(config, document.services ?? []);
  if (problems.length > 0) throw new ConfigError(problems);
}
