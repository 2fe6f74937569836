import type { Bundle, Observation } from 'fhir/r4';

/**
 * Serum magnesium trend for the patient banner: the results in the request's prefetch, in mg/dL,
 * drawn as an inline SVG with the service's thresholds. Display only: the service decides.
 */

/**
 * The service's magnesium thresholds in mg/dL (rules defaults `magnesium.*`; a test keeps the two
 * in step). The page shows these lines; it never classifies with them.
 */
export const MAGNESIUM_THRESHOLDS = { lowBelowMgDl: 1.8, severeBelowMgDl: 1.2, highAboveMgDl: 2.6 } as const;

const SERUM_MAGNESIUM_LOINC = ['19123-9', '2601-3'];
const ACCEPTED_STATUS = ['final', 'amended', 'corrected'];
/** mg/dL per unit; 1 mmol/L = 2.4305 mg/dL, 1 meq/L = 0.5 mmol/L. */
const TO_MG_DL: Record<string, number> = { 'mg/dl': 1, 'mmol/l': 2.4305, 'meq/l': 1.21525 };

export interface TrendPoint {
  at: Date;
  mgDl: number;
  reported: string;
}

function resourcesOf(value: unknown): unknown[] {
  if (!value || typeof value !== 'object') return [];
  const bundle = value as Bundle;
  if (bundle.resourceType === 'Bundle') return (bundle.entry ?? []).map((e) => e.resource);
  return [value];
}

/** Accepted serum magnesium results found anywhere in the prefetch, oldest first. */
export function magnesiumSeries(prefetch: Record<string, unknown> | undefined): TrendPoint[] {
  const points: TrendPoint[] = [];
  for (const value of Object.values(prefetch ?? {})) {
    for (const resource of resourcesOf(value)) {
      const o = resource as Observation;
      if (o?.resourceType !== 'Observation' || !ACCEPTED_STATUS.includes(o.status)) continue;
      if (!o.code?.coding?.some((c) => c.system === 'http://loinc.org' && SERUM_MAGNESIUM_LOINC.includes(c.code ?? ''))) continue;
      const q = o.valueQuantity;
      const factor = TO_MG_DL[(q?.code ?? '').toLowerCase()];
      const when = o.effectiveDateTime ?? o.issued;
      if (typeof q?.value !== 'number' || factor === undefined || !when || q.comparator) continue;
      const at = new Date(when);
      if (Number.isNaN(at.getTime())) continue;
      points.push({ at, mgDl: Math.round(q.value * factor * 100) / 100, reported: `${q.value} ${q.unit ?? q.code}` });
    }
  }
  return points.sort((a, b) => a.at.getTime() - b.at.getTime());
}

const SVG_NS = 'http://www.w3.org/2000/svg';

function el(name: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function tierClass(mgDl: number): string {
  const t = MAGNESIUM_THRESHOLDS;
  if (mgDl < t.severeBelowMgDl) return 'pt-severe';
  if (mgDl < t.lowBelowMgDl) return 'pt-low';
  if (mgDl > t.highAboveMgDl) return 'pt-high';
  return 'pt-normal';
}

const shortDate = (d: Date) => d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });

/** The chart, or undefined when there are fewer than two results to compare. */
export function trendChart(points: TrendPoint[], now: Date): SVGSVGElement | undefined {
  if (points.length < 2) return undefined;
  const W = 440;
  const H = 190;
  const m = { left: 44, right: 86, top: 14, bottom: 30 };
  const t = MAGNESIUM_THRESHOLDS;
  const values = points.map((p) => p.mgDl);
  const yMin = Math.min(0.6, ...values.map((v) => v - 0.2));
  const yMax = Math.max(2.8, ...values.map((v) => v + 0.2));
  const first = points[0]!.at.getTime();
  const last = Math.max(now.getTime(), points[points.length - 1]!.at.getTime());
  const span = Math.max(last - first, 3_600_000);
  const x = (d: Date) => m.left + ((d.getTime() - first) / span) * (W - m.left - m.right);
  const y = (v: number) => m.top + ((yMax - v) / (yMax - yMin)) * (H - m.top - m.bottom);

  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, class: 'trend', role: 'img', 'aria-label': `Serum magnesium trend, ${points.length} results` }) as SVGSVGElement;
  svg.appendChild(el('rect', { x: m.left, y: y(t.highAboveMgDl), width: W - m.left - m.right, height: y(t.lowBelowMgDl) - y(t.highAboveMgDl), class: 'band-normal' }));
  const line = (v: number, cls: string, label: string) => {
    svg.appendChild(el('line', { x1: m.left, x2: W - m.right, y1: y(v), y2: y(v), class: cls }));
    svg.appendChild(el('text', { x: W - m.right + 4, y: y(v) + 4, class: `${cls}-label` }, label));
  };
  line(t.lowBelowMgDl, 'th-low', `low < ${t.lowBelowMgDl}`);
  line(t.severeBelowMgDl, 'th-severe', `severe < ${t.severeBelowMgDl}`);
  svg.appendChild(el('line', { x1: m.left, x2: m.left, y1: m.top, y2: H - m.bottom, class: 'axis' }));
  svg.appendChild(el('line', { x1: m.left, x2: W - m.right, y1: H - m.bottom, y2: H - m.bottom, class: 'axis' }));
  for (const v of [1, 2]) svg.appendChild(el('text', { x: m.left - 6, y: y(v) + 4, class: 'tick', 'text-anchor': 'end' }, v.toFixed(1)));
  svg.appendChild(el('text', { x: 4, y: m.top + 4, class: 'tick' }, 'mg/dL'));
  svg.appendChild(el('text', { x: m.left, y: H - 10, class: 'tick' }, shortDate(points[0]!.at)));
  svg.appendChild(el('text', { x: W - m.right, y: H - 10, class: 'tick', 'text-anchor': 'end' }, `now (${shortDate(now)})`));
  svg.appendChild(el('polyline', { points: points.map((p) => `${x(p.at).toFixed(1)},${y(p.mgDl).toFixed(1)}`).join(' '), class: 'series' }));
  const lineYs = [y(t.lowBelowMgDl), y(t.severeBelowMgDl)];
  for (const p of points) {
    const px = x(p.at);
    const py = y(p.mgDl);
    const dot = el('circle', { cx: px.toFixed(1), cy: py.toFixed(1), r: 4.5, class: tierClass(p.mgDl) });
    dot.appendChild(el('title', {}, `${p.reported} · ${p.at.toLocaleString()}`));
    svg.appendChild(dot);
    const label = valueLabelPlace(px, py, lineYs, { left: m.left, right: W - m.right, top: m.top, bottom: H - m.bottom });
    svg.appendChild(el('text', { x: label.x.toFixed(1), y: label.y.toFixed(1), class: 'value', 'text-anchor': label.anchor }, p.mgDl.toFixed(2).replace(/0$/, '')));
  }
  return svg;
}

/** Half the height of a value label, and how close (px) its middle may come to a threshold line. */
const LABEL_HALF = 6.5;
const LINE_CLEARANCE = 3;

/**
 * Where a point's value label goes: above the point unless that crosses a threshold line or the
 * top edge, else below it (unless that reaches the time axis); anchored inwards near the left and
 * right edges, so it never runs into the axis ticks or the threshold labels in the right margin.
 */
export function valueLabelPlace(px: number, py: number, lineYs: number[], plot: { left: number; right: number; top: number; bottom: number }): { x: number; y: number; anchor: 'start' | 'middle' | 'end' } {
  const anchor = px < plot.left + 14 ? 'start' : px > plot.right - 14 ? 'end' : 'middle';
  const x = anchor === 'start' ? px + 2 : anchor === 'end' ? px - 2 : px;
  // Text y is its baseline; its middle is about LABEL_HALF - 1 above.
  const clear = (baseline: number) => {
    const top = baseline - 2 * LABEL_HALF;
    return top >= plot.top - 4 && baseline <= plot.bottom - 2 && lineYs.every((ly) => ly < top - LINE_CLEARANCE || ly > baseline + LINE_CLEARANCE);
  };
  const above = py - 8;
  const below = py + 17;
  if (clear(above)) return { x, y: above, anchor };
  if (clear(below)) return { x, y: below, anchor };
  // Both sides cross a line (a point right between two close lines): keep it above, off the dot.
  return { x, y: above, anchor };
}
