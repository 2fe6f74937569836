import { Router, type RequestHandler } from 'express';
import { CdsError } from '../cds/errors';
import { feedbackRequestSchema } from '../cds/schemas';
import { toFeedbackRecord } from '../feedback/store';
import { validationError } from '../services/invoke';
import { findService, requireJsonObject, type AppContext, type CallLog } from './context';

/** Feedback: https://cds-hooks.hl7.org/2.0/#feedback — acknowledged only once stored. */
export function feedbackRoutes(ctx: AppContext, json: RequestHandler): Router {
  const { store, metrics, logger, now } = ctx;
  const router = Router();
  router.post('/cds-services/:id/feedback', ctx.auth('feedback'), json, async (req, res, next) => {
    try {
      const service = findService(ctx, req.params.id as string);
      const call = res.locals.call as CallLog;
      call.serviceId = service.definition.id;
      const body = requireJsonObject(req);
      const parsed = feedbackRequestSchema.safeParse(body);
      if (!parsed.success) throw validationError('Invalid feedback', parsed.error.issues);
      const received = now();
      const records = parsed.data.feedback.map((item) => toFeedbackRecord(service.definition.id, item, received));
      call.feedbackItems = records.length;
      let outcome: { stored: number; duplicates: number };
      try {
        outcome = await store.recordFeedback(records);
      } catch (error) {
        logger.error({ err: { name: (error as Error)?.name, message: (error as Error)?.message } }, 'feedback not stored');
        throw new CdsError('CDS_UNAVAILABLE', 'Feedback could not be stored; retry later.');
      }
      for (const record of records) metrics.feedback(record.outcome);
      metrics.feedbackDuplicates(outcome.duplicates);
      res.json({});
    } catch (error) {
      next(error);
    }
  });
  return router;
}
