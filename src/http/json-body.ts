import { StringDecoder } from 'node:string_decoder';
import express, { type RequestHandler } from 'express';
import { bodyIncomplete, bodyNotJson, bodyTooLarge } from '../cds/errors';

/**
 * Parses every request body as JSON, whatever its declared type: a mislabelled body still gets a
 * precise 400 for what is wrong with it, not a silent empty object.
 *
 * A plain body (no Content-Encoding, charset absent or utf-8: what EHRs send) is read here. Its
 * chunks stay the Buffers the socket delivered, outside the V8 heap, until the body is complete,
 * and are decoded once. `express.json()` decodes each chunk into a heap string as it arrives;
 * with several large bodies arriving at once, those strings survived young-generation
 * collections, and about one server process in five at 250 KB bodies settled into promoting
 * them, with ten times the full collections and about 1.5 times the CPU per call
 * (docs/performance.md, *A leaner body reader*). Compressed bodies and other charsets go to
 * `express.json()`, which owns that handling and its errors.
 *
 * Same results as `express.json({ strict: false })` for plain bodies: no body leaves `req.body`
 * undefined, an empty one gives `{}`, a leading byte order mark is dropped, malformed UTF-8
 * becomes U+FFFD, more than `limitBytes` is a 413 once the body has been read off.
 */
export function jsonBody(limitBytes: number): RequestHandler {
  const general = express.json({ limit: limitBytes, type: () => true, strict: false });
  return (req, res, next) => {
    if (!hasBody(req.headers)) return next();
    if (!isPlainUtf8(req.headers)) return general(req, res, next);

    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      next(error);
    };
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      // Beyond the limit the rest is read off and dropped, so the client reads its 413.
      if (received <= limitBytes) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('end', () => {
      if (received > limitBytes) return settle(bodyTooLarge());
      const decoder = new StringDecoder('utf8');
      let text = '';
      for (const chunk of chunks) text += decoder.write(chunk);
      text += decoder.end();
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.length === 0) {
        req.body = {};
        return settle();
      }
      try {
        req.body = JSON.parse(text);
      } catch {
        return settle(bodyNotJson());
      }
      settle();
    });
    // A client that goes away mid-body gets no answer; the chunks are let go.
    req.on('error', () => settle(bodyIncomplete()));
  };
}

/** As type-is `hasBody`: a body is announced by Transfer-Encoding or a numeric Content-Length. */
function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  return headers['transfer-encoding'] !== undefined || (typeof headers['content-length'] === 'string' && !Number.isNaN(Number(headers['content-length'])));
}

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)"?\s*(?:;|$)/i;

function isPlainUtf8(headers: Record<string, string | string[] | undefined>): boolean {
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && (typeof encoding !== 'string' || encoding.trim().toLowerCase() !== 'identity')) return false;
  const type = headers['content-type'];
  if (type === undefined) return true;
  if (typeof type !== 'string') return false;
  if (!/charset/i.test(type)) return true;
  const charset = CHARSET.exec(type)?.[1];
  return charset !== undefined && charset.toLowerCase() === 'utf-8';
}
