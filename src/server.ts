import { createServer } from 'node:http';
import { ConfigError, loadConfig } from './config';
import { createApp } from './app';
import { createLogger } from './logging';
import { loadRuleConfig } from './rules/config';
import { createSecurity, type Security } from './security';
import { createFeedbackStore } from './feedback/factory';
import { startRetention } from './feedback/retention';
import { createMetrics } from './observability/metrics';
import { storeObserver } from './observability/store-observer';

/** Process entry: configuration, listen, graceful shutdown. */
async function main(): Promise<void> {
  let config;
  let rules;
  let security: Security;
  let logger;
  try {
    config = loadConfig();
    rules = loadRuleConfig(config.rulesFile);
    logger = createLogger(config.logLevel);
    security = createSecurity(config, logger);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const metrics = createMetrics();
  let created;
  try {
    created = await createFeedbackStore(config.feedback, storeObserver(metrics, logger));
  } catch (error) {
    // An unusable SQLite file (permissions, corrupt file) is a deployment error: say which.
    process.stderr.write(`Cannot open the feedback store at ${config.feedback.sqlitePath}: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const { store: feedbackStore, kind: storeKind } = created;
  metrics.watchQueue(() => feedbackStore.pendingCount);
  const stopRetention = startRetention(feedbackStore, {
    days: config.feedback.retentionDays,
    onPurged: (removed) => logger.info({ removed, retentionDays: config.feedback.retentionDays }, 'feedback retention purge'),
    onError: (error) => logger.warn({ err: { message: error.message } }, 'feedback retention purge failed'),
  });
  logger.info({ store: storeKind, ...(storeKind === 'sqlite' ? { path: config.feedback.sqlitePath } : {}) }, 'feedback store');
  const app = createApp({ config, rules, logger, feedbackStore, metrics, ...security });
  // Slow clients cannot hold sockets open for long; the timeouts are checked every second
  // (Node's default check interval of 30 s would let a slow client stay twice as long).
  const server = createServer({ connectionsCheckingInterval: 1_000 }, app);
  server.headersTimeout = config.server.headersTimeoutMs;
  server.requestTimeout = config.server.requestTimeoutMs;
  server.keepAliveTimeout = 5_000;

  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const base = config.publicUrl ?? `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
    logger.info({ port, host: config.host, rules: rules.version }, 'magnesium CDS service listening');
    process.stdout.write(`Discovery: ${base}/cds-services\n`);
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    server.close(() => {
      // Queued issued-card records get written before the store closes.
      stopRetention();
      feedbackStore.close().then(
        () => {
          logger.info('stopped');
          process.exit(0);
        },
        (error: Error) => {
          logger.error({ err: { message: error.message } }, 'feedback store did not close cleanly');
          process.exit(1);
        },
      );
    });
    // Keep-alive sockets freed by finished requests are closed as they go idle, not after keepAliveTimeout.
    server.closeIdleConnections();
    setInterval(() => server.closeIdleConnections(), 200).unref();
    setTimeout(() => {
      logger.warn('grace period over, closing remaining connections');
      server.closeAllConnections();
      process.exit(1);
    }, config.shutdownGraceMs).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  // An unexpected start-up failure: say what it was, without a stack trace, and stop.
  process.stderr.write(`Start-up failed: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(1);
});
