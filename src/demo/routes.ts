import { join } from 'node:path';
import express, { type RequestHandler, type Router } from 'express';
import { DEMO_PATIENTS_DIR, loadDemoPatients, PROJECT_ROOT } from './patients';

/**
 * The demo page and its sample patients, served by the service itself: GET / (the page built into
 * dist/public by `npm run build`), GET /demo/patients.json (index) and GET /demo/patients/<file>.
 * Static files only; the page calls the public CDS Hooks endpoints like any other client.
 */

export const DEMO_PUBLIC_DIR = join(PROJECT_ROOT, 'dist', 'public');

// The page needs nothing from elsewhere: it works offline and cannot load foreign scripts.
const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  });
  next();
};

export function demoRoutes(options: { publicDir?: string; patientsDir?: string } = {}): Router {
  const publicDir = options.publicDir ?? DEMO_PUBLIC_DIR;
  const patientsDir = options.patientsDir ?? DEMO_PATIENTS_DIR;
  const index = JSON.stringify({ patients: loadDemoPatients(patientsDir) });
  const router = express.Router();
  router.get('/demo/patients.json', securityHeaders, (_req, res) => {
    res.type('application/json').send(index);
  });
  router.use('/demo/patients', securityHeaders, express.static(patientsDir, { index: false, dotfiles: 'ignore', extensions: false }));
  router.use(securityHeaders, express.static(publicDir, { index: 'index.html', dotfiles: 'ignore' }));
  router.get('/', (_req, res) => {
    // Reached only when the page has not been built.
    res.status(404).type('text/plain').send('The demo page is not built. Run `npm run build` (or `npm start`), then reload.\n');
  });
  return router;
}
