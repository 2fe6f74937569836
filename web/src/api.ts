/** The page talks to the service's public endpoints only, with plain fetch. */

export interface HttpResult {
  status: number;
  ok: boolean;
  body: unknown;
  ms: number;
}

async function call(url: string, init: RequestInit): Promise<HttpResult> {
  const started = performance.now();
  const res = await fetch(url, { ...init, headers: { Accept: 'application/json', ...(init.headers ?? {}) } });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Non-JSON error pages are shown as text.
  }
  return { status: res.status, ok: res.ok, body, ms: Math.round(performance.now() - started) };
}

export function getJson(url: string): Promise<HttpResult> {
  return call(url, { method: 'GET' });
}

export function postJson(url: string, body: unknown): Promise<HttpResult> {
  return call(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

/** RFC 4122 v4; crypto.randomUUID needs a secure context, getRandomValues does not. */
export function uuid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** What went wrong, from an OperationOutcome body when there is one. */
export function problemText(result: HttpResult): string {
  const outcome = result.body as { resourceType?: string; issue?: Array<{ details?: { text?: string }; diagnostics?: string }> } | undefined;
  const text = outcome?.resourceType === 'OperationOutcome' ? outcome.issue?.map((i) => i.details?.text ?? i.diagnostics).filter(Boolean).join('; ') : undefined;
  return `HTTP ${result.status}${text ? `: ${text}` : ''}`;
}
