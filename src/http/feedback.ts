import { Router, type RequestHandler } from 'express';
import { Counter } from 'prom-client';
import { CdsError } from '../cds/errors';
import { feedbackRequestSchema } from '../cds/schemas';
import { FeedbackRefusedError, toFeedbackRecord, type FeedbackOutcome } from '../feedback/store';
import { validationError } from '../services/invoke';
import { serviceCall, type AppContext } from './context';

/** Feedback: https://cds-hooks.hl7.org/2.0/#feedback — acknowledged only once stored. */
export function feedbackRoutes(ctx: AppContext, json: RequestHandler): Router {
  const { store, metrics, logger, now } = ctx;
  // Feedback whose card this service has no record of: never issued here, or its issued-card
  // row was lost (a process killed within one flush interval of issuing it).
  const unknownCards = new Counter({
    name: 'cds_feedback_unknown_card_total',
    help: 'Feedback items for a card with no issued-card record',
    registers: [metrics.registry],
  });
  const router = Router();
  router.post('/cds-services/:id/feedback', ctx.auth('feedback'), json, async (req, res, next) => {
    try {
      const { service, call, body } = serviceCall(ctx, req, res);
      const parsed = feedbackRequestSchema.safeParse(body);
      if (!parsed.success) throw validationError('Invalid feedback', parsed.error.issues);
      const received = now();
      const records = parsed.data.feedback.map((item) => toFeedbackRecord(service.definition.id, item, received));
      call.feedbackItems = records.length;
      let outcome: FeedbackOutcome;
      let refused: number[] = [];
      try {
        outcome = await store.recordFeedback(records);
      } catch (error) {
        if (!(error instanceof FeedbackRefusedError)) {
          logger.error({ err: { name: (error as Error)?.name, message: (error as Error)?.message } }, 'feedback not stored');
          throw new CdsError('CDS_UNAVAILABLE', 'Feedback could not be stored; retry later.');
        }
        // The database refused some items for their content: they fail alone, the rest is stored.
        ({ outcome, refused } = error);
      }
      const unknown = new Set(outcome.unknownCards);
      records.forEach((record, index) => {
        if (refused.includes(index)) return;
        metrics.feedback(record.outcome);
        if (unknown.has(record.cardUuid)) unknownCards.inc();
      });
      metrics.feedbackDuplicates(outcome.duplicates);
      if (refused.length > 0) {
        const fields = refused.map((index) => `feedback.${index}`);
        throw new CdsError('CDS_INVALID_REQUEST', `Invalid feedback: the store refused ${fields.join(', ')}; the other items were stored.`, fields);
      }
      res.json({});
    } catch (error) {
      next(error);
    }
  });
  return router;
}
