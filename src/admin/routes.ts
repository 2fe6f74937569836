import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { CdsError } from '../cds/errors';
import { validationError } from '../services/invoke';
import type { FeedbackStore } from '../feedback/store';
import { buildSummary, MAX_SUMMARY_DAYS } from '../feedback/summary';
import { adminLabels } from './labels';

/**
 * Admin routes: the override analytics as JSON and a static page that draws it. Data routes need
 * `Authorization: Bearer <ADMIN_TOKEN>`; the page and its assets carry no data and are public
 * (a browser cannot send a bearer token on navigation: the page asks for it and sends it).
 */

/** Static files of the admin page (src/admin/public; the same path from dist/admin). */
export const ADMIN_PUBLIC_DIR = join(__dirname, '..', '..', 'src', 'admin', 'public');

const ASSETS: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'admin.js': 'text/javascript; charset=utf-8',
  'admin.css': 'text/css; charset=utf-8',
};

const DAY_MS = 86_400_000;

const summaryQuerySchema = z.strictObject({
  /** Start day (UTC, inclusive) or instant. */
  from: z.union([z.iso.date(), z.iso.datetime({ offset: true })]).optional(),
  /** End day (UTC, inclusive) or instant (exclusive). */
  to: z.union([z.iso.date(), z.iso.datetime({ offset: true })]).optional(),
  /** Window length in whole days ending with `to` (default: today), when from is absent. */
  days: z.coerce.number().int().min(1).max(MAX_SUMMARY_DAYS).optional(),
});

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Constant-time bearer check: both sides are hashed to equal length first. */
export function bearerGuard(token: string): RequestHandler {
  const expected = digest(token);
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const given = digest(match?.[1] ?? '');
    if (!match || !timingSafeEqual(given, expected)) {
      res.set('WWW-Authenticate', 'Bearer realm="admin"');
      next(new CdsError('CDS_UNAUTHORIZED', 'Unauthorized'));
      return;
    }
    next();
  };
}

/** Turns the query into a [from, to) window; a plain date `to` includes that whole day. */
export function summaryWindow(query: unknown, now: Date): { from: Date; to: Date } {
  const parsed = summaryQuerySchema.safeParse(query);
  if (!parsed.success) throw validationError('Invalid summary query', parsed.error.issues);
  const { from, to, days } = parsed.data;
  // Without `to`, the window ends at the end of today (UTC): whole days, today included.
  const endOfToday = Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00Z`) + DAY_MS;
  const end = new Date(to ? (to.length === 10 ? Date.parse(`${to}T00:00:00Z`) + DAY_MS : Date.parse(to)) : endOfToday);
  const start = from ? new Date(from.length === 10 ? `${from}T00:00:00Z` : from) : new Date(end.getTime() - (days ?? 30) * DAY_MS);
  // Dates outside 2000-9998 are typos, and some stores cannot represent them.
  const inRange = (d: Date) => Number.isFinite(d.getTime()) && d.getUTCFullYear() >= 2000 && d.getUTCFullYear() <= 9998;
  if (!inRange(end)) throw new CdsError('CDS_INVALID_REQUEST', 'to must lie between the years 2000 and 9998.', ['to']);
  if (!inRange(start)) throw new CdsError('CDS_INVALID_REQUEST', 'from must lie between the years 2000 and 9998.', ['from']);
  if (start >= end) throw new CdsError('CDS_INVALID_REQUEST', 'from must be before to.', ['from']);
  if (end.getTime() - start.getTime() > MAX_SUMMARY_DAYS * DAY_MS) {
    throw new CdsError('CDS_INVALID_REQUEST', `The window may cover at most ${MAX_SUMMARY_DAYS} days.`, ['from']);
  }
  return { from: start, to: end };
}

export function adminRouter(deps: { token: string; store: FeedbackStore; now: () => Date }): Router {
  const router = Router();
  const files = new Map(Object.keys(ASSETS).map((name) => [name, readFileSync(join(ADMIN_PUBLIC_DIR, name))]));
  const send = (name: string): RequestHandler => (_req, res) => {
    res.set({
      'Content-Type': ASSETS[name] as string,
      'Cache-Control': 'no-cache',
      'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    res.send(files.get(name));
  };
  // Relative asset and API URLs in the page need the trailing slash (works under a path prefix).
  router.get('/', (req, res, next) => {
    if (!req.originalUrl.split('?')[0]?.endsWith('/')) {
      res.redirect(301, `${req.baseUrl}/`);
      return;
    }
    send('index.html')(req, res, next);
  });
  router.get('/assets/admin.js', send('admin.js'));
  router.get('/assets/admin.css', send('admin.css'));
  const labels = JSON.stringify(adminLabels());
  router.get('/assets/labels.json', (_req, res) => {
    res.set({ 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' }).type('application/json').send(labels);
  });

  router.get('/feedback/summary', bearerGuard(deps.token), async (req, res, next) => {
    try {
      const window = summaryWindow(req.query, deps.now());
      let source;
      try {
        source = await deps.store.summarySource(window);
      } catch {
        throw new CdsError('CDS_UNAVAILABLE', 'The feedback store is unavailable; retry later.');
      }
      res.set('Cache-Control', 'no-store').json(buildSummary(source, window));
    } catch (error) {
      next(error);
    }
  });
  return router;
}
