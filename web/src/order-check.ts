import { getJson, postJson, problemText, uuid } from './api.js';
import { renderCards } from './cards.js';
import { resolvePlaceholders } from '../../src/demo/time.js';
import { byId, h, prettyJson } from './dom.js';
import type { DemoPatientFile, DemoPatientIndexEntry, ViewAction, ViewCard, ViewDiscovery, ViewResponse, ViewSuggestion } from './types.js';

/**
 * The order-check demo: pick a sample patient, a magnesium product, dose and rate or frequency;
 * the page sends an order-sign or order-select request with that draft MedicationRequest to the
 * service discovery lists for the hook, shows the cards, and for a clicked suggestion what it
 * would change in the draft. Public endpoints only, like any CDS client.
 */

interface Product {
  id: string;
  text: string;
  rxnorm: string;
  route: 'oral' | 'iv';
}

// The sandbox's Rx View picks "Magnesium Oxide 400 MG Oral Capsule" (RxNorm 252430); the others are
// the project's bundled products and premixed bags.
const PRODUCTS: Product[] = [
  { id: 'mgo-cap', text: 'Magnesium Oxide 400 MG Oral Capsule', rxnorm: '252430', route: 'oral' },
  { id: 'mgo-tab', text: 'magnesium oxide 400 MG Oral Tablet', rxnorm: '198741', route: 'oral' },
  { id: 'mgso4-4g', text: 'magnesium sulfate 4 g in 100 mL water for injection (premixed bag)', rxnorm: '1658264', route: 'iv' },
  { id: 'mgso4-2g', text: 'magnesium sulfate 2 g in 50 mL water for injection (premixed bag)', rxnorm: '829734', route: 'iv' },
];

const UCUM = 'http://unitsofmeasure.org';
const DRAFT_ID = 'demo-draft-1';

interface State {
  patients: DemoPatientIndexEntry[];
  services: Map<string, string>;
  draft?: Record<string, unknown>;
  serviceUrl?: string;
}
const state: State = { patients: [], services: new Map() };

function setStatus(text: string, kind: 'busy' | 'ok' | 'error' = 'ok'): void {
  const status = byId('status');
  status.textContent = text;
  status.dataset.kind = kind;
}

const value = (id: string) => (byId<HTMLInputElement>(id).value === '' ? undefined : Number(byId<HTMLInputElement>(id).value));
const product = () => PRODUCTS.find((p) => p.id === byId<HTMLSelectElement>('product').value) ?? PRODUCTS[0]!;

function showRouteFields(): void {
  const iv = product().route === 'iv';
  byId('iv-fields').hidden = !iv;
  byId('oral-fields').hidden = iv;
  byId('dose-unit').textContent = iv ? 'g' : 'capsule(s) / tablet(s)';
}

/** The draft MedicationRequest the form describes (the shape the sandbox's Rx View sends for oral). */
function draftFromForm(patientId: string): Record<string, unknown> {
  const p = product();
  const dose = value('dose') ?? 0;
  const dosage: Record<string, unknown> = {};
  if (p.route === 'oral') {
    dosage.timing = { repeat: { frequency: value('frequency') ?? 1, period: 1, periodUnit: 'd' } };
    dosage.doseAndRate = [{ doseQuantity: { value: dose, system: UCUM, code: '{pill}' } }];
  } else {
    const rate = value('rate');
    const hours = value('duration');
    dosage.route = { coding: [{ system: 'http://snomed.info/sct', code: '47625008', display: 'Intravenous route' }], text: 'IV' };
    dosage.timing = { repeat: { count: 1, ...(rate === undefined && hours !== undefined ? { duration: hours, durationUnit: 'h' } : {}) } };
    dosage.doseAndRate = [{ doseQuantity: { value: dose, unit: 'g', system: UCUM, code: 'g' }, ...(rate !== undefined ? { rateQuantity: { value: rate, unit: 'g/h', system: UCUM, code: 'g/h' } } : {}) }];
  }
  return {
    resourceType: 'MedicationRequest',
    id: DRAFT_ID,
    status: 'draft',
    intent: 'order',
    subject: { reference: `Patient/${patientId}` },
    authoredOn: new Date().toISOString().slice(0, 10),
    medicationCodeableConcept: { text: p.text, coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: p.rxnorm, display: p.text }] },
    dosageInstruction: [dosage],
  };
}

type Rec = Record<string, any>;
/** Dose, rate, infusion time and frequency of a MedicationRequest, as text, for the before/after list. */
function dosageFacts(resource: Rec | undefined): Record<string, string> {
  const d: Rec = resource?.dosageInstruction?.[0] ?? {};
  const dr: Rec = d.doseAndRate?.[0] ?? {};
  const q = (x: Rec | undefined) => (x && x.value !== undefined ? `${x.value} ${x.unit ?? x.code ?? ''}`.trim() : '—');
  const repeat: Rec = d.timing?.repeat ?? {};
  return {
    dose: q(dr.doseQuantity),
    rate: q(dr.rateQuantity),
    'infusion time': repeat.duration !== undefined ? `${repeat.duration} ${repeat.durationUnit ?? ''}`.trim() : '—',
    frequency: repeat.frequency !== undefined ? `${repeat.frequency} per ${repeat.period ?? 1} ${repeat.periodUnit ?? 'd'}` : '—',
    'maximum per period': d.maxDosePerPeriod ? `${q(d.maxDosePerPeriod.numerator)} per ${q(d.maxDosePerPeriod.denominator)}` : '—',
  };
}

function changeLines(action: ViewAction): HTMLElement {
  if (action.type === 'delete') {
    const ids = Array.isArray(action.resourceId) ? action.resourceId : [action.resourceId ?? ''];
    return h('ul', { class: 'change-list' }, h('li', { 'data-change': 'delete' }, `Removes ${ids.join(', ')} from the order.`));
  }
  if (action.type === 'create') {
    const r = action.resource as Rec | undefined;
    const what = r?.dosageInstruction?.[0]?.text ?? r?.code?.text ?? r?.resourceType ?? 'a resource';
    return h('ul', { class: 'change-list' }, h('li', { 'data-change': 'create' }, `Adds a new draft ${r?.resourceType ?? ''}: ${what}`));
  }
  const before = dosageFacts(state.draft);
  const after = dosageFacts(action.resource as Rec);
  const changed = Object.keys(after).filter((k) => before[k] !== after[k]);
  return h(
    'ul',
    { class: 'change-list' },
    ...(changed.length === 0 ? [h('li', {}, 'No change to dose, rate or frequency.')] : changed.map((k) => h('li', { 'data-change': k }, `${k}: ${before[k]} → ${after[k]}`))),
  );
}

function showChange(card: ViewCard, suggestion: ViewSuggestion): void {
  const panel = byId('change');
  panel.replaceChildren(
    h('h2', {}, 'What this suggestion would change'),
    h('p', { class: 'muted' }, `"${suggestion.label}" on the ${card.indicator} card. An EHR would apply it to the order being signed; the demo only shows it.`),
    ...(suggestion.actions ?? []).map((a) =>
      h('section', { class: 'draft', 'data-action-type': a.type }, h('h3', {}, `${a.type}: ${a.description ?? ''}`), changeLines(a), h('pre', { class: 'json' }, prettyJson(a.resource ?? { resourceId: a.resourceId }))),
    ),
  );
  panel.hidden = false;
}

async function feedback(item: Record<string, unknown>, status: HTMLElement): Promise<void> {
  if (!state.serviceUrl) return;
  const result = await postJson(`${state.serviceUrl}/feedback`, { feedback: [item] });
  status.textContent = result.ok ? `Feedback recorded (HTTP ${result.status})` : `Feedback failed: ${problemText(result)}`;
  status.dataset.feedback = result.ok ? 'ok' : 'error';
}

const handlers = {
  onSuggestion(card: ViewCard, suggestion: ViewSuggestion, status: HTMLElement) {
    showChange(card, suggestion);
    if (card.uuid && suggestion.uuid) void feedback({ card: card.uuid, outcome: 'accepted', acceptedSuggestions: [{ id: suggestion.uuid }], outcomeTimestamp: new Date().toISOString() }, status);
  },
  onDismiss(card: ViewCard, reason: { system?: string; code: string } | undefined, status: HTMLElement) {
    if (!card.uuid) return;
    status.closest('.cds-card')?.classList.add('dismissed');
    void feedback({ card: card.uuid, outcome: 'overridden', outcomeTimestamp: new Date().toISOString(), ...(reason ? { overrideReason: { reason: { ...(reason.system ? { system: reason.system } : {}), code: reason.code } } } : {}) }, status);
  },
};

async function check(): Promise<void> {
  const entry = state.patients.find((p) => p.id === byId<HTMLSelectElement>('patient').value);
  const hook = byId<HTMLSelectElement>('hook').value;
  const serviceId = state.services.get(hook);
  if (!entry || !serviceId) return setStatus(`No service for ${hook}, or no patient chosen.`, 'error');
  const cards = byId('cards');
  cards.dataset.checked = '';
  byId('change').hidden = true;
  setStatus('Checking the order…', 'busy');
  const file = await getJson(entry.url);
  if (!file.ok) return setStatus(`Could not load the sample patient: ${problemText(file)}`, 'error');
  const fixture = resolvePlaceholders((file.body as DemoPatientFile).request, new Date());
  const patientId = String(fixture.context.patientId);
  state.draft = draftFromForm(patientId);
  const request = {
    hookInstance: uuid(),
    hook,
    context: {
      userId: String(fixture.context.userId ?? 'Practitioner/demo-clinician'),
      patientId,
      ...(hook === 'order-select' ? { selections: [`MedicationRequest/${DRAFT_ID}`] } : {}),
      draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: state.draft }] },
    },
    prefetch: fixture.prefetch,
  };
  state.serviceUrl = `${location.origin}/cds-services/${encodeURIComponent(serviceId)}`;
  byId('service').textContent = `${serviceId} · ${hook}`;
  byId('request-url').textContent = `POST ${state.serviceUrl}`;
  byId('request').textContent = prettyJson(request);
  const result = await postJson(state.serviceUrl, request);
  byId('response').textContent = prettyJson(result.body);
  byId('response-status').textContent = `HTTP ${result.status} in ${result.ms} ms`;
  if (!result.ok) {
    cards.replaceChildren(h('p', { class: 'error' }, `The service answered ${problemText(result)}`));
    setStatus('The order check failed', 'error');
  } else {
    renderCards(cards, result.body as ViewResponse, handlers);
    const n = (result.body as ViewResponse).cards.length;
    setStatus(`${entry.title}: ${n} card${n === 1 ? '' : 's'} for ${product().text}`, 'ok');
  }
  cards.dataset.checked = 'true';
}

async function start(): Promise<void> {
  const discovery = await getJson('/cds-services');
  if (!discovery.ok) return setStatus(`Discovery failed: ${problemText(discovery)}`, 'error');
  for (const s of (discovery.body as ViewDiscovery).services) if (s.hook === 'order-select' || s.hook === 'order-sign') state.services.set(s.hook, s.id);
  if (state.services.size === 0) return setStatus('Discovery lists no order-select or order-sign service.', 'error');
  const index = await getJson('/demo/patients.json');
  if (!index.ok) return setStatus(`Could not list the sample patients: ${problemText(index)}`, 'error');
  state.patients = (index.body as { patients: DemoPatientIndexEntry[] }).patients;
  byId('patient').replaceChildren(...state.patients.map((p) => h('option', { value: p.id }, `${p.title}: ${p.summary}`)));
  byId('product').replaceChildren(...PRODUCTS.map((p) => h('option', { value: p.id }, p.text)));
  byId('product').addEventListener('change', showRouteFields);
  showRouteFields();
  byId('order-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void check();
  });
  setStatus('Choose a patient and an order, then "Check order".', 'ok');
  document.body.dataset.ready = 'true';
}

start().catch((error: unknown) => setStatus(`Unexpected error: ${(error as Error).message}`, 'error'));
