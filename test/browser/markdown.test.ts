import { escapeHtml, renderMarkdown } from '../../web/src/markdown';

describe('card markdown renderer (demo page)', () => {
  test('escapes raw HTML and keeps only paired <sub>/<sup>', () => {
    const html = renderMarkdown('<script>alert(1)</script> <img src=x onerror=alert(1)> <sub onclick="x">a</sub> <sub>ok</sub> <sup>2</sup>');
    expect(html).not.toMatch(/<script|<img|onclick="x"/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;sub onclick=&quot;x&quot;&gt;a&lt;/sub&gt;');
    expect(html).toContain('<sub>ok</sub>');
    expect(html).toContain('<sup>2</sup>');
  });

  test('links only for http(s) URLs, with the URL attribute-escaped', () => {
    expect(renderMarkdown('[x](javascript:alert(1))')).not.toContain('<a');
    expect(renderMarkdown('[d](data:text/html,hi)')).not.toContain('<a');
    expect(renderMarkdown('[guide](https://example.org/a?b=1&c="2")')).toBe(
      '<p><a href="https://example.org/a?b=1&amp;c=&quot;2&quot;" target="_blank" rel="noopener noreferrer">guide</a></p>',
    );
  });

  test('bold, emphasis and code; a paragraph followed by a list without a blank line', () => {
    expect(renderMarkdown('**Plan** and *soon*, `x<y`\n- one\n- **two**')).toBe(
      '<p><strong>Plan</strong> and <em>soon</em>, <code>x&lt;y</code></p>\n<ul><li>one</li><li><strong>two</strong></li></ul>',
    );
    expect(renderMarkdown('1. first\n2. second')).toBe('<ol><li>first</li><li>second</li></ol>');
  });

  test('a GFM table right after a bold line, with an empty header cell and escaped content', () => {
    const html = renderMarkdown('**Evidence**\n| Result | Value | |\n|---|---:|---|\n| Mg | < 1.2 mg/dL | 2 h ago |');
    expect(html).toBe(
      '<p><strong>Evidence</strong></p>\n<table><thead><tr><th>Result</th><th style="text-align:right">Value</th><th></th></tr></thead>' +
        '<tbody><tr><td>Mg</td><td style="text-align:right">&lt; 1.2 mg/dL</td><td>2 h ago</td></tr></tbody></table>',
    );
  });

  test('blockquotes, thematic break and the card footer', () => {
    expect(renderMarkdown('> **Not checked**: conditions\n\n---\n<sub>Rules: R-CLS-4</sub>')).toBe(
      '<blockquote><p><strong>Not checked</strong>: conditions</p></blockquote>\n<hr>\n<p><sub>Rules: R-CLS-4</sub></p>',
    );
  });

  test('escapeHtml covers the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});
