// Admin page: asks for the admin token, fetches feedback/summary with it and draws the report.
// Plain browser JavaScript, no dependencies; the token stays in this tab's sessionStorage.
'use strict';

(function () {
  const SVG = 'http://www.w3.org/2000/svg';
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const pct = (part, whole) => (whole > 0 ? `${Math.round((part / whole) * 100)} %` : '–');

  function status(text, isError) {
    const node = $('status');
    node.textContent = text;
    node.className = isError ? 'error' : '';
  }

  function renderTotals(t) {
    const box = $('totals');
    box.replaceChildren();
    for (const [key, label] of [['issued', 'Cards issued'], ['accepted', 'Accepted'], ['overridden', 'Overridden'], ['ignored', 'Ignored']]) {
      const tile = el('div', { 'data-metric': key });
      tile.append(el('dt', {}, label));
      const dd = el('dd', {}, String(t[key]));
      if (key !== 'issued') dd.append(' ', el('small', {}, pct(t[key], t.issued)));
      tile.append(dd);
      box.append(tile);
    }
  }

  // Rule titles and override reason displays (assets/labels.json); codes are shown only as a fallback.
  let labels = { rules: {}, overrideReasons: {} };
  async function loadLabels() {
    try {
      const response = await fetch('assets/labels.json');
      if (response.ok) labels = await response.json();
    } catch {
      // Without labels the page still works and shows the codes.
    }
  }
  const reasonName = (key) => labels.overrideReasons[key] || key.slice(key.lastIndexOf('|') + 1);

  function listOf(record, name) {
    const entries = Object.entries(record).sort((a, b) => b[1] - a[1]);
    if (entries.length === 0) return document.createTextNode('–');
    const ul = el('ul');
    for (const [key, count] of entries) {
      const li = el('li', {}, `${name(key)}: ${count}`);
      if (name(key) !== key) li.title = key;
      ul.append(li);
    }
    return ul;
  }

  const COLUMNS = ['Rule', 'Indicator', 'Issued', 'Accepted', 'Overridden', 'Ignored', 'Accepted suggestion', 'Override reason'];
  function cell(index, attrs, content) {
    const td = el('td', { ...attrs, 'data-label': COLUMNS[index] });
    if (typeof content === 'string') td.textContent = content;
    else td.append(content);
    return td;
  }

  function renderRules(rules) {
    const body = $('rules').querySelector('tbody');
    body.replaceChildren();
    if (rules.length === 0) {
      const row = el('tr');
      row.append(el('td', { colspan: '8' }, 'No cards issued in this window.'));
      body.append(row);
      return;
    }
    for (const r of rules) {
      const row = el('tr', { 'data-rule': r.ruleId, 'data-indicator': r.indicator });
      const rule = el('span', {});
      rule.append(el('code', { class: 'rule-id' }, r.ruleId));
      if (labels.rules[r.ruleId]) rule.append(' ', el('span', { class: 'rule-title' }, labels.rules[r.ruleId]));
      row.append(cell(0, { 'data-col': 'rule' }, rule));
      row.append(cell(1, { class: `indicator-${r.indicator}` }, r.indicator));
      row.append(cell(2, { class: 'num', 'data-col': 'issued' }, String(r.issued)));
      row.append(cell(3, { class: 'num', 'data-col': 'accepted' }, `${r.accepted} (${pct(r.accepted, r.issued)})`));
      row.append(cell(4, { class: 'num', 'data-col': 'overridden' }, `${r.overridden} (${pct(r.overridden, r.issued)})`));
      row.append(cell(5, { class: 'num', 'data-col': 'ignored' }, `${r.ignored} (${pct(r.ignored, r.issued)})`));
      row.append(cell(6, { 'data-col': 'by-suggestion' }, listOf(r.acceptedBySuggestion, (key) => key)));
      row.append(cell(7, { 'data-col': 'by-reason' }, listOf(r.overriddenByReason, reasonName)));
      body.append(row);
    }
  }

  // Stacked bars per day: accepted at the bottom, then overridden, then ignored.
  function renderChart(series) {
    const width = 960;
    const height = 260;
    const pad = { left: 40, right: 10, top: 10, bottom: 28 };
    const plotW = width - pad.left - pad.right;
    const plotH = height - pad.top - pad.bottom;
    const max = Math.max(1, ...series.map((d) => d.issued));
    const step = plotW / Math.max(1, series.length);
    const barW = Math.max(1, step * 0.8);
    const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'Cards per day by outcome' });
    root.append(svg('line', { class: 'axis', x1: pad.left, y1: pad.top + plotH, x2: width - pad.right, y2: pad.top + plotH }));
    root.append(svg('text', { x: pad.left - 6, y: pad.top + 10, 'text-anchor': 'end' }, String(max)));
    root.append(svg('text', { x: pad.left - 6, y: pad.top + plotH, 'text-anchor': 'end' }, '0'));
    const labelEvery = Math.max(1, Math.ceil(series.length / 10));
    series.forEach((d, i) => {
      const x = pad.left + i * step + (step - barW) / 2;
      let y = pad.top + plotH;
      for (const key of ['accepted', 'overridden', 'ignored']) {
        const h = (d[key] / max) * plotH;
        if (h <= 0) continue;
        y -= h;
        const bar = svg('rect', { class: key, x: x.toFixed(1), y: y.toFixed(1), width: barW.toFixed(1), height: h.toFixed(1), 'data-day': d.day, 'data-count': d[key] });
        bar.append(svg('title', {}, `${d.day}: ${d[key]} ${key}`));
        root.append(bar);
      }
      if (i % labelEvery === 0) root.append(svg('text', { x: (x + barW / 2).toFixed(1), y: height - 8, 'text-anchor': 'middle' }, d.day.slice(5)));
    });
    $('chart').replaceChildren(root);
  }

  async function load(event) {
    if (event) event.preventDefault();
    const token = $('token').value.trim();
    if (!token) {
      status('Enter the admin token.', true);
      return;
    }
    sessionStorage.setItem('adminToken', token);
    status('Loading…');
    let response;
    try {
      response = await fetch(`feedback/summary?days=${encodeURIComponent($('days').value)}`, { headers: { Authorization: `Bearer ${token}` } });
    } catch {
      status('The service did not answer.', true);
      return;
    }
    if (response.status === 401) {
      $('report').hidden = true;
      status('The admin token was refused.', true);
      return;
    }
    if (!response.ok) {
      status(`The service answered ${response.status}.`, true);
      return;
    }
    const summary = await response.json();
    renderTotals(summary.totals);
    renderChart(summary.series);
    renderRules(summary.rules);
    $('report').hidden = false;
    status(`Cards issued from ${summary.from.slice(0, 10)} to ${summary.to.slice(0, 10)} (UTC).`);
  }

  document.addEventListener('DOMContentLoaded', async () => {
    await loadLabels();
    $('controls').addEventListener('submit', load);
    const saved = sessionStorage.getItem('adminToken');
    if (saved) {
      $('token').value = saved;
      load();
    }
  });
})();
