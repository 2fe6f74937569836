import type { Patient } from 'fhir/r4';
import { getJson, postJson, problemText, uuid } from './api.js';
import { renderCards } from './cards.js';
import { resolvePlaceholders } from '../../src/demo/time.js';
import { byId, h, prettyJson } from './dom.js';
import { orderSummary } from './order-summary.js';
import { magnesiumSeries, trendChart } from './trend.js';
import type { DemoPatientFile, DemoPatientIndexEntry, ViewCard, ViewCoding, ViewDiscovery, ViewResponse, ViewService, ViewSuggestion } from './types.js';

/**
 * The demo page: pick a sample patient, send its patient-view hook request to the service found
 * by discovery, show the request, the cards, the draft orders of a clicked suggestion, and post
 * feedback. It uses the public endpoints only (GET /cds-services, POST the service and feedback).
 */

interface State {
  service?: ViewService;
  serviceUrl?: string;
  patients: DemoPatientIndexEntry[];
  current?: string;
}

const state: State = { patients: [] };

function setStatus(text: string, kind: 'busy' | 'ok' | 'error' = 'ok'): void {
  const status = byId('status');
  status.textContent = text;
  status.dataset.kind = kind;
}

function ageText(birthDate: string | undefined, now: Date): string {
  if (!birthDate) return 'age unknown';
  const b = new Date(`${birthDate}T00:00:00Z`);
  let years = now.getUTCFullYear() - b.getUTCFullYear();
  if (now.getUTCMonth() < b.getUTCMonth() || (now.getUTCMonth() === b.getUTCMonth() && now.getUTCDate() < b.getUTCDate())) years -= 1;
  return `${years} y`;
}

function renderBanner(patient: Patient | undefined, now: Date): void {
  const banner = byId('banner');
  if (!patient) {
    banner.replaceChildren(h('span', {}, 'No Patient resource in the request'));
    return;
  }
  const name = patient.name?.[0];
  const full = [name?.given?.join(' '), name?.family].filter(Boolean).join(' ') || patient.id || 'Unnamed';
  const mrn = patient.identifier?.find((i) => i.type?.coding?.some((c) => c.code === 'MR'))?.value;
  banner.replaceChildren(
    h('span', { class: 'patient-name' }, full),
    h('span', {}, `${patient.gender ?? 'sex unknown'}, ${ageText(patient.birthDate, now)}`),
    patient.birthDate ? h('span', {}, `born ${patient.birthDate}`) : '',
    // Some EHRs' MRNs already start with "MRN" (MRN-0004): label it once.
    mrn ? h('span', { class: 'mrn' }, /^mrn\b/i.test(mrn) ? mrn : `MRN ${mrn}`) : '',
    h('span', { class: 'patient-id' }, `Patient/${patient.id ?? '?'}`),
  );
}

function renderTrend(prefetch: Record<string, unknown> | undefined, now: Date): void {
  const box = byId('trend');
  const points = magnesiumSeries(prefetch);
  const chart = trendChart(points, now);
  box.replaceChildren(
    h('h2', {}, 'Serum magnesium'),
    chart ?? h('p', { class: 'muted' }, points.length === 1 ? `One result (${points[0]!.reported}): no trend to draw.` : 'No serum magnesium result in the request.'),
  );
  box.dataset.points = String(points.length);
}

function showDrafts(card: ViewCard, suggestion: ViewSuggestion): void {
  const panel = byId('drafts');
  const actions = suggestion.actions ?? [];
  const now = new Date();
  panel.replaceChildren(
    h('h2', {}, 'Draft orders'),
    h('p', { class: 'muted' }, `From "${suggestion.label}" on the ${card.indicator} card. An EHR would open these for review and signature; the demo only shows them.`),
    ...actions.map((a) =>
      h(
        'section',
        { class: 'draft', 'data-resource-type': a.resource?.resourceType },
        h('h3', {}, `${a.type} ${a.resource?.resourceType ?? a.resourceId ?? ''}: ${a.description ?? ''}`),
        // The order in words first; the FHIR resource behind a disclosure for those who need it.
        orderSummary(a.resource, actions.filter((b) => b !== a).map((b) => b.resource), now),
        h('details', { class: 'draft-json' }, h('summary', {}, 'FHIR resource'), h('pre', { class: 'json' }, prettyJson(a.resource ?? { resourceId: a.resourceId }))),
      ),
    ),
  );
  panel.hidden = false;
  panel.scrollIntoView({ block: 'nearest' });
}

async function sendFeedback(item: Record<string, unknown>, status: HTMLElement, what: string): Promise<void> {
  if (!state.serviceUrl) return;
  status.textContent = `Sending ${what} feedback…`;
  const result = await postJson(`${state.serviceUrl}/feedback`, { feedback: [item] });
  status.textContent = result.ok ? `Feedback "${what}" recorded (HTTP ${result.status}, ${result.ms} ms)` : `Feedback failed: ${problemText(result)}`;
  status.dataset.feedback = result.ok ? 'ok' : 'error';
}

const handlers = {
  onSuggestion(card: ViewCard, suggestion: ViewSuggestion, status: HTMLElement) {
    showDrafts(card, suggestion);
    if (!card.uuid || !suggestion.uuid) {
      status.textContent = 'This card or suggestion has no uuid, so no feedback can be sent.';
      return;
    }
    void sendFeedback({ card: card.uuid, outcome: 'accepted', acceptedSuggestions: [{ id: suggestion.uuid }], outcomeTimestamp: new Date().toISOString() }, status, 'accepted');
  },
  onDismiss(card: ViewCard, reason: ViewCoding | undefined, status: HTMLElement) {
    if (!card.uuid) return;
    const element = status.closest('.cds-card');
    element?.classList.add('dismissed');
    const item: Record<string, unknown> = { card: card.uuid, outcome: 'overridden', outcomeTimestamp: new Date().toISOString() };
    if (reason) item.overrideReason = { reason: { ...(reason.system ? { system: reason.system } : {}), code: reason.code } };
    void sendFeedback(item, status, reason ? `overridden: ${reason.display ?? reason.code}` : 'overridden');
  },
};

async function selectPatient(id: string): Promise<void> {
  const entry = state.patients.find((p) => p.id === id);
  if (!entry || !state.serviceUrl) return;
  state.current = id;
  for (const b of document.querySelectorAll<HTMLButtonElement>('#patients button')) b.setAttribute('aria-pressed', String(b.dataset.patient === id));
  const cards = byId('cards');
  cards.dataset.patient = '';
  byId('drafts').hidden = true;
  setStatus(`Loading ${entry.title}…`, 'busy');

  const file = await getJson(entry.url);
  if (!file.ok) return setStatus(`Could not load the sample patient: ${problemText(file)}`, 'error');
  const now = new Date();
  const fixture = file.body as DemoPatientFile;
  // The request sent is pure CDS Hooks 2.0: placeholders resolved, fresh hookInstance, no demo fields.
  const request = { ...resolvePlaceholders(fixture.request, now), hookInstance: uuid() };
  renderBanner(request.prefetch?.patient as Patient | undefined, now);
  renderTrend(request.prefetch, now);
  byId('request-url').textContent = `POST ${state.serviceUrl}`;
  byId('request').textContent = prettyJson(request);

  const result = await postJson(state.serviceUrl, request);
  if (state.current !== id) return;
  byId('response').textContent = prettyJson(result.body);
  byId('response-status').textContent = `HTTP ${result.status} in ${result.ms} ms`;
  if (!result.ok) {
    cards.replaceChildren(h('p', { class: 'error' }, `The service answered ${problemText(result)}`));
    setStatus(`Error for ${entry.title}`, 'error');
  } else {
    renderCards(cards, result.body as ViewResponse, handlers);
    const n = (result.body as ViewResponse).cards.length;
    setStatus(`${entry.title}: ${n} card${n === 1 ? '' : 's'} in ${result.ms} ms`, 'ok');
  }
  cards.dataset.patient = id;
}

const hashPatient = () => decodeURIComponent(location.hash.slice(1));

/** Picking a patient goes through the URL: #id is a deep link, and back/forward walk the patients picked. */
function showPatient(id: string): void {
  if (hashPatient() === id) void selectPatient(id);
  else location.hash = id;
}

window.addEventListener('hashchange', () => {
  const id = hashPatient();
  if (state.patients.some((p) => p.id === id) && id !== state.current) void selectPatient(id);
});

function renderPatientList(): void {
  const list = byId('patients');
  list.replaceChildren(
    ...state.patients.map((p) => {
      const button = h('button', { type: 'button', 'data-patient': p.id, 'aria-pressed': 'false' }, h('span', { class: 'p-title' }, p.title), h('span', { class: 'p-summary' }, p.summary));
      button.addEventListener('click', () => showPatient(p.id));
      return h('li', {}, button);
    }),
  );
}

async function start(): Promise<void> {
  setStatus('Discovering services…', 'busy');
  const discovery = await getJson('/cds-services');
  if (!discovery.ok) return setStatus(`Discovery failed: ${problemText(discovery)}`, 'error');
  const service = (discovery.body as ViewDiscovery).services.find((s) => s.hook === 'patient-view');
  if (!service) return setStatus('Discovery lists no patient-view service.', 'error');
  state.service = service;
  state.serviceUrl = `${location.origin}/cds-services/${encodeURIComponent(service.id)}`;
  byId('service').textContent = `${service.title ?? service.id} · ${service.hook} · /cds-services/${service.id}`;

  const index = await getJson('/demo/patients.json');
  if (!index.ok) return setStatus(`Could not list the sample patients: ${problemText(index)}`, 'error');
  state.patients = (index.body as { patients: DemoPatientIndexEntry[] }).patients;
  renderPatientList();
  const wanted = hashPatient();
  const first = state.patients.some((p) => p.id === wanted) ? wanted : (state.patients[0]?.id ?? '');
  // An empty or unknown hash is replaced, not pushed: back still leaves the page.
  if (wanted !== first) history.replaceState(null, '', `#${first}`);
  await selectPatient(first);
}

start().catch((error: unknown) => setStatus(`Unexpected error: ${(error as Error).message}`, 'error'));
