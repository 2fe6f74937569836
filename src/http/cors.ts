import cors from 'cors';
import type { RequestHandler } from 'express';

/** CH-53: browser clients (the CDS Hooks sandbox) call cross-origin with an Authorization header. */
export function corsPolicy(): RequestHandler {
  return cors({
    origin: '*',
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Accept'],
    maxAge: 600,
  });
}
