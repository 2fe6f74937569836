import type { RequestHandler } from 'express';
import { CdsError } from '../cds/errors';

/**
 * A request that declares a body over the limit gets 413 at once, before anything is read.
 * The JSON parser would refuse it too, but only after waiting for the whole body to arrive
 * (up to the request timeout), holding the connection all that time. The connection is closed
 * after the answer, so the unread body is never drained.
 */
export function declaredBodyLimit(limitBytes: number): RequestHandler {
  return (req, res, next) => {
    const declared = req.headers['content-length'];
    if (declared === undefined || !/^\d+$/.test(declared) || Number(declared) <= limitBytes) return next();
    res.set('Connection', 'close');
    next(new CdsError('CDS_BODY_TOO_LARGE', `Request body of ${declared} bytes is larger than this service accepts (${limitBytes} bytes).`));
  };
}
