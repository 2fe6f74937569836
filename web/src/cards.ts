import { h } from './dom.js';
import { renderMarkdown } from './markdown.js';
import type { ViewCard, ViewCoding, ViewResponse, ViewSuggestion } from './types.js';

/**
 * Cards drawn the way EHRs and the CDS Hooks sandbox draw them: sorted by indicator, summary in
 * the indicator colour, markdown detail, source label, suggestion buttons, links, and a Dismiss
 * with the card's override reasons.
 */

export interface CardHandlers {
  onSuggestion(card: ViewCard, suggestion: ViewSuggestion, status: HTMLElement): void;
  onDismiss(card: ViewCard, reason: ViewCoding | undefined, status: HTMLElement): void;
}

const ORDER = { critical: 0, warning: 1, info: 2 } as const;
const LABEL = { critical: 'Critical', warning: 'Warning', info: 'Info' } as const;

function assessmentLine(card: ViewCard): string | undefined {
  const a = card.extension?.['org.magnesium-cds.assessment'] as { kind?: string; severity?: string; route?: string; ruleIds?: string[] } | undefined;
  if (!a) return undefined;
  return [a.kind, a.severity, a.route && a.route !== 'none' ? `route ${a.route}` : undefined, a.ruleIds?.join(' ')].filter(Boolean).join(' · ');
}

function suggestionButtons(card: ViewCard, handlers: CardHandlers, status: HTMLElement): HTMLElement | undefined {
  if (!card.suggestions) return undefined;
  const box = h('div', { class: 'card-suggestions' });
  for (const s of card.suggestions) {
    const button = h('button', { type: 'button', class: `suggestion${s.isRecommended ? ' recommended' : ''}`, 'data-suggestion-uuid': s.uuid }, s.isRecommended ? h('span', { class: 'star', 'aria-label': 'recommended' }, '★ ') : undefined, s.label);
    button.addEventListener('click', () => handlers.onSuggestion(card, s, status));
    box.append(button);
  }
  return box;
}

function links(card: ViewCard): HTMLElement | undefined {
  if (!card.links) return undefined;
  const box = h('div', { class: 'card-links' });
  for (const link of card.links) {
    const safe = /^https?:\/\//i.test(link.url);
    if (link.type === 'absolute' && safe) box.append(h('a', { class: 'link-button', href: link.url, target: '_blank', rel: 'noopener noreferrer' }, link.label, ' ↗'));
    else box.append(h('button', { type: 'button', class: 'link-button', disabled: '', title: 'SMART links need a SMART-enabled EHR' }, link.label));
  }
  return box;
}

function dismissControl(card: ViewCard, handlers: CardHandlers, status: HTMLElement): HTMLElement | undefined {
  // Like the sandbox: feedback refers to card.uuid, so no uuid, no Dismiss.
  if (!card.uuid) return undefined;
  const select = h('select', { class: 'override-reason', 'aria-label': 'Override reason' }, h('option', { value: '' }, 'Reason (optional)…'));
  for (const [i, r] of (card.overrideReasons ?? []).entries()) select.append(h('option', { value: String(i) }, r.display ?? r.code));
  const button = h('button', { type: 'button', class: 'dismiss' }, 'Dismiss');
  button.addEventListener('click', () => {
    const reason = select.value === '' ? undefined : card.overrideReasons?.[Number(select.value)];
    handlers.onDismiss(card, reason, status);
  });
  return h('span', { class: 'dismiss-box' }, select, button);
}

function cardElement(card: ViewCard, handlers: CardHandlers): HTMLElement {
  const status = h('div', { class: 'card-status', role: 'status' });
  const detail = h('div', { class: 'card-detail markdown' });
  if (card.detail) detail.innerHTML = renderMarkdown(card.detail);
  const source = card.source.url && /^https?:\/\//i.test(card.source.url) ? h('a', { href: card.source.url, target: '_blank', rel: 'noopener noreferrer' }, card.source.label) : h('span', { class: 'source-label' }, card.source.label);
  const assessment = assessmentLine(card);
  // The rule-set version travels in the extension (not the card text); the footer names it beside the source.
  const ruleSet = (card.extension?.['org.magnesium-cds.assessment'] as { ruleSet?: string } | undefined)?.ruleSet;
  return h(
    'article',
    { class: `cds-card indicator-${card.indicator}`, 'data-indicator': card.indicator, 'data-card-uuid': card.uuid },
    h('header', { class: 'card-head' }, h('span', { class: 'badge' }, LABEL[card.indicator] ?? card.indicator), h('h3', { class: 'card-summary' }, card.summary)),
    card.detail ? detail : undefined,
    suggestionButtons(card, handlers, status),
    links(card),
    h(
      'footer',
      { class: 'card-foot' },
      h('span', { class: 'card-source' }, 'Source: ', source, card.source.topic?.display ? ` · ${card.source.topic.display}` : '', ruleSet ? ` · rule set ${ruleSet}` : ''),
      dismissControl(card, handlers, status),
    ),
    assessment ? h('div', { class: 'card-assessment', title: 'extension org.magnesium-cds.assessment' }, assessment) : undefined,
    status,
  );
}

export function renderCards(container: HTMLElement, response: ViewResponse, handlers: CardHandlers): void {
  container.replaceChildren();
  if (response.cards.length === 0) {
    container.append(h('p', { class: 'no-cards' }, 'No recommendations: the service returned {"cards": []} for this patient.'));
    return;
  }
  const sorted = [...response.cards].sort((a, b) => (ORDER[a.indicator] ?? 3) - (ORDER[b.indicator] ?? 3));
  for (const card of sorted) container.append(cardElement(card, handlers));
}
