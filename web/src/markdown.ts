/**
 * A small, safe renderer for the GitHub-flavoured markdown subset that CDS cards use: paragraphs,
 * **bold**, *emphasis*, `code`, [links](https://…), bullet and numbered lists, blockquotes,
 * tables, headings, thematic breaks and the inline <sub>/<sup> tags. Everything is HTML-escaped
 * first; only the tags this module writes itself reach the page, and links only with http(s) URLs.
 * No imports: the page and the tests both load it.
 */

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function unescapeHtml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** Inline markup on already-escaped text. */
function inline(escaped: string): string {
  const codes: string[] = [];
  let s = escaped.replace(/`([^`]+)`/g, (_m, code: string) => {
    codes.push(`<code>${code}</code>`);
    return `\u0000${codes.length - 1}\u0000`;
  });
  s = s.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (whole, label: string, href: string) => {
    const url = unescapeHtml(href);
    if (!/^https?:\/\//i.test(url)) return whole;
    return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${label}</a>`;
  });
  s = s.replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, '<strong>$1</strong>');
  s = s.replace(/(^|[^*\w])\*(?=\S)([^*]*?\S)\*(?![*\w])/g, '$1<em>$2</em>');
  // The only raw HTML cards may use: paired <sub>/<sup> without attributes.
  s = s.replace(/&lt;(sub|sup)&gt;([\s\S]*?)&lt;\/\1&gt;/g, '<$1>$2</$1>');
  s = s.replace(/ {2,}\n/g, '<br>\n');
  return s.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => codes[Number(i)] ?? '');
}

const HR = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const QUOTE = /^ {0,3}&gt; ?/;
const ITEM = /^ {0,3}([-*+]|\d{1,9}[.)])\s+(.*)$/;
const DELIMITER = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

function cells(row: string): string[] {
  let r = row.trim();
  if (r.startsWith('|')) r = r.slice(1);
  if (r.endsWith('|') && !r.endsWith('\\|')) r = r.slice(0, -1);
  return r.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

function isTableStart(lines: string[], i: number): boolean {
  const next = lines[i + 1];
  return (lines[i] ?? '').includes('|') && next !== undefined && next.includes('-') && DELIMITER.test(next);
}

function startsBlock(lines: string[], i: number): boolean {
  const line = lines[i] ?? '';
  return HR.test(line) || HEADING.test(line) || QUOTE.test(line) || ITEM.test(line) || isTableStart(lines, i);
}

function table(lines: string[], start: number): { html: string; end: number } {
  const head = cells(lines[start] ?? '');
  const align = cells(lines[start + 1] ?? '').map((d) => (d.startsWith(':') && d.endsWith(':') ? 'center' : d.endsWith(':') ? 'right' : d.startsWith(':') ? 'left' : ''));
  const attr = (i: number) => (align[i] ? ` style="text-align:${align[i]}"` : '');
  let i = start + 2;
  const body: string[] = [];
  while (i < lines.length && (lines[i] ?? '').trim() !== '' && (lines[i] ?? '').includes('|')) {
    const row = cells(lines[i] ?? '');
    body.push(`<tr>${head.map((_h, c) => `<td${attr(c)}>${inline(row[c] ?? '')}</td>`).join('')}</tr>`);
    i += 1;
  }
  const thead = `<thead><tr>${head.map((h, c) => `<th${attr(c)}>${inline(h)}</th>`).join('')}</tr></thead>`;
  return { html: `<table>${thead}${body.length > 0 ? `<tbody>${body.join('')}</tbody>` : ''}</table>`, end: i };
}

function blocks(lines: string[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    if (line.trim() === '') {
      i += 1;
      continue;
    }
    if (HR.test(line)) {
      out.push('<hr>');
      i += 1;
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      // Card headings sit inside a card: start at h4.
      const level = Math.min(6, (heading[1] ?? '#').length + 3);
      out.push(`<h${level}>${inline(heading[2] ?? '')}</h${level}>`);
      i += 1;
      continue;
    }
    if (isTableStart(lines, i)) {
      const t = table(lines, i);
      out.push(t.html);
      i = t.end;
      continue;
    }
    if (QUOTE.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i] ?? '')) {
        quoted.push((lines[i] ?? '').replace(QUOTE, ''));
        i += 1;
      }
      out.push(`<blockquote>${blocks(quoted)}</blockquote>`);
      continue;
    }
    const first = ITEM.exec(line);
    if (first) {
      const ordered = /\d/.test(first[1] ?? '');
      const items: string[] = [];
      while (i < lines.length) {
        const item = ITEM.exec(lines[i] ?? '');
        if (item && /\d/.test(item[1] ?? '') === ordered) {
          items.push(item[2] ?? '');
          i += 1;
        } else if (items.length > 0 && /^\s+\S/.test(lines[i] ?? '') && !startsBlock(lines, i)) {
          items[items.length - 1] += `\n${(lines[i] ?? '').trim()}`;
          i += 1;
        } else break;
      }
      const tag = ordered ? 'ol' : 'ul';
      out.push(`<${tag}>${items.map((t) => `<li>${inline(t)}</li>`).join('')}</${tag}>`);
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && (lines[i] ?? '').trim() !== '' && (para.length === 0 || !startsBlock(lines, i))) {
      para.push(lines[i] ?? '');
      i += 1;
    }
    out.push(`<p>${inline(para.join('\n'))}</p>`);
  }
  return out.join('\n');
}

/** Markdown → HTML that is safe to assign to innerHTML. */
export function renderMarkdown(markdown: string): string {
  return blocks(escapeHtml(markdown).split(/\r?\n/));
}
