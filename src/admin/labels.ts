import { overrideReasons } from '../cards/replacement';
import { RULE_TITLES } from './rule-titles';

/**
 * What the admin page needs to show names instead of codes: rule titles, and the display of each
 * override reason the cards offer, keyed as the summary keys them (`system|code`). No data, so it
 * is served like the page's other assets, without the token.
 */
export interface AdminLabels {
  rules: Record<string, string>;
  overrideReasons: Record<string, string>;
}

export function adminLabels(): AdminLabels {
  return {
    rules: { ...RULE_TITLES },
    overrideReasons: Object.fromEntries(overrideReasons.map((r) => [`${r.system}|${r.code}`, r.display])),
  };
}
