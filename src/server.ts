import type { Server } from 'node:http';
import { ConfigError, loadConfig, type AppConfig } from './config';
import { createApp } from './app';
import { createAppServer } from './http/app-server';
import { createLogger, type Logger } from './logging';
import { loadRuleConfig } from './rules/config';
import { createSecurity, type Security } from './security';
import { createFeedbackStore } from './feedback/factory';
import { startRetention } from './feedback/retention';
import { createMetrics, type AppMetrics } from './observability/metrics';
import { storeObserver } from './observability/store-observer';
import { createMetricsApp } from './observability/metrics-endpoint';

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
  const { replayStore, ...authHooks } = security;
  const app = createApp({ config, rules, logger, feedbackStore, metrics, ...authHooks });
  // Slow clients cannot hold sockets open for long; the timeouts are checked every second
  // (Node's default check interval of 30 s would let a slow client stay twice as long).
  const server = createAppServer(app, { connectionsCheckingInterval: 1_000 });
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

  const metricsServer = listenForMetrics(config, metrics, logger);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    metricsServer?.close();
    server.close(() => {
      // Queued issued-card records get written before the store closes.
      stopRetention();
      void replayStore?.close().catch(() => undefined);
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

/**
 * Metrics on their own port when METRICS_PORT is set (bound to HOST, like the service); otherwise
 * they are on the public port or, in production without METRICS_TOKEN, nowhere: say so.
 */
function listenForMetrics(config: AppConfig, metrics: AppMetrics, logger: Logger): Server | undefined {
  if (!config.metricsEnabled) return undefined;
  if (config.metrics.port === undefined) {
    if (config.metrics.onPublicPort) logger.info({ metrics: 'public port', tokenRequired: config.metrics.token !== undefined }, 'metrics on /metrics');
    else logger.warn('metrics are not exposed: in production set METRICS_PORT (a port Prometheus scrapes) or METRICS_TOKEN');
    return undefined;
  }
  const server = createAppServer(createMetricsApp(config, metrics, logger));
  server.on('error', (error) => {
    logger.fatal({ err: { message: error.message }, port: config.metrics.port }, 'metrics port cannot be opened');
    process.exit(2);
  });
  server.listen(config.metrics.port, config.host, () => {
    logger.info({ metrics: 'separate port', port: config.metrics.port, host: config.host, tokenRequired: config.metrics.token !== undefined }, 'metrics on /metrics');
  });
  return server;
}

main().catch((error: unknown) => {
  // An unexpected start-up failure: say what it was, without a stack trace, and stop.
  process.stderr.write(`Start-up failed: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(1);
});
