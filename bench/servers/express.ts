import express from 'express';
import { FIXED_CARDS, portFromEnv } from './fixed-cards';

/**
 * Baseline (b): the same work on the service's stack, express 5 with express.json() and the
 * same explicit body limit as the service, answering fixed cards.
 */
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.get('/{*path}', (_req, res) => {
  res.json({});
});
app.post('/cds-services/:id', express.json({ limit: 5 * 1024 * 1024 }), (_req, res) => {
  res.json(FIXED_CARDS);
});

const server = app.listen(portFromEnv(), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
