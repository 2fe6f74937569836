import type { StoreObserver } from '../feedback/queue';
import type { Logger } from '../logging';
import type { AppMetrics } from './metrics';

/** Store failures are counted and logged (message only: errors from drivers never carry PHI here). */
export function storeObserver(metrics: AppMetrics, logger: Logger): StoreObserver {
  return {
    error(operation, error) {
      metrics.store.error(operation, error);
      logger.warn({ operation, err: { name: error.name, message: error.message } }, 'feedback store error');
    },
    dropped(count) {
      metrics.store.dropped(count);
      logger.warn({ count }, 'issued-card records dropped');
    },
  };
}
