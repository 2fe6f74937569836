import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { bodyNotJson, bodyTooLarge, CdsError, toOperationOutcome } from '../cds/errors';
import type { Logger } from '../logging';

/** Anything no route took: 404 with an OperationOutcome. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new CdsError('CDS_NOT_FOUND', `No route for ${req.method} ${req.path.slice(0, 100)}.`));
};

/** Every error leaves as an OperationOutcome; 5xx are logged without request data; 401 says nothing more. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const cdsError = toCdsError(error);
    // A 503 the service chose (store down, a budget spent) is expected: one warning with its code.
    // Only an error nobody anticipated is logged with its stack.
    if (error instanceof CdsError && cdsError.status >= 500) logger.warn({ code: cdsError.code, status: cdsError.status }, 'service unavailable');
    else if (cdsError.status >= 500) logger.error({ err: { name: (error as Error)?.name, message: (error as Error)?.message, stack: (error as Error)?.stack } }, 'unhandled error');
    if (cdsError.code === 'CDS_METHOD_NOT_ALLOWED') res.set('Allow', 'POST');
    // 401 carries no detail (CH-52).
    const outcome = cdsError.status === 401 ? toOperationOutcome(new CdsError('CDS_UNAUTHORIZED', 'Unauthorized')) : toOperationOutcome(cdsError);
    res.status(cdsError.status).type('application/fhir+json').send(JSON.stringify(outcome));
  };
}

/** Maps body-parser and unknown errors to the catalogue; never exposes internals. */
function toCdsError(error: unknown): CdsError {
  if (error instanceof CdsError) return error;
  const e = error as { status?: number; statusCode?: number; type?: string };
  const status = e?.status ?? e?.statusCode;
  if (e?.type === 'entity.too.large' || status === 413) return bodyTooLarge();
  if (e?.type === 'entity.parse.failed') return bodyNotJson();
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported' || status === 415) {
    return new CdsError('CDS_UNSUPPORTED_MEDIA_TYPE', 'Unsupported request encoding or charset.');
  }
  if (typeof status === 'number' && status >= 400 && status < 500) return new CdsError('CDS_INVALID_REQUEST', 'Invalid request.');
  return new CdsError('CDS_INTERNAL', 'Internal error.');
}
