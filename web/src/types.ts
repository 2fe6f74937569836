/**
 * The parts of CDS Hooks 2.0 discovery and response bodies this page reads. The service's own
 * types (z.infer in src/cds/schemas.ts) cannot be imported into the browser build; a test checks
 * at compile time that every service response is assignable to these views.
 */

export interface ViewCoding {
  system?: string;
  code: string;
  display?: string;
}

export interface ViewAction {
  type: string;
  description?: string;
  resource?: { resourceType: string } & Record<string, unknown>;
  resourceId?: string | string[];
}

export interface ViewSuggestion {
  label: string;
  uuid?: string;
  isRecommended?: boolean;
  actions?: ViewAction[];
}

export interface ViewLink {
  label: string;
  url: string;
  type: string;
}

export interface ViewCard {
  uuid?: string;
  summary: string;
  indicator: 'info' | 'warning' | 'critical';
  detail?: string;
  source: { label: string; url?: string; icon?: string; topic?: ViewCoding };
  suggestions?: ViewSuggestion[];
  selectionBehavior?: string;
  overrideReasons?: ViewCoding[];
  links?: ViewLink[];
  extension?: Record<string, unknown>;
}

export interface ViewResponse {
  cards: ViewCard[];
}

export interface ViewService {
  id: string;
  hook: string;
  title?: string;
  description: string;
  prefetch?: Record<string, string>;
}

export interface ViewDiscovery {
  services: ViewService[];
}

/** A demo patient file: display metadata plus the hook request with time placeholders. */
export interface DemoPatientFile {
  demo: { title: string; summary: string };
  request: { hookInstance: string; hook: string; context: Record<string, unknown>; prefetch?: Record<string, unknown> } & Record<string, unknown>;
}

export interface DemoPatientIndexEntry {
  id: string;
  title: string;
  summary: string;
  url: string;
}
