import type { RequestHandler } from 'express';
import { CdsError } from '../cds/errors';

/**
 * A request that declares a body over the limit is refused before anything is buffered or
 * parsed. A body declared more than twice the limit gets 413 at once and is never read: the
 * connection closes after the answer. A body a little over the limit (a client that simply sent
 * too much) is discarded as it arrives and answered 413 when it ends, so that client reads its
 * answer instead of a broken pipe; the request timeout bounds it like any slow request.
 */
export function declaredBodyLimit(limitBytes: number): RequestHandler {
  return (req, res, next) => {
    const header = req.headers['content-length'];
    if (header === undefined || !/^\d+$/.test(header)) return next();
    const declared = Number(header);
    if (declared <= limitBytes) return next();
    const refusal = new CdsError('CDS_BODY_TOO_LARGE', `Request body of ${declared} bytes is larger than this service accepts (${limitBytes} bytes).`);
    if (declared > 2 * limitBytes) {
      res.set('Connection', 'close');
      return next(refusal);
    }
    req.once('end', () => next(refusal));
    req.resume();
  };
}
