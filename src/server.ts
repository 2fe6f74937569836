import { createServer } from 'node:http';
import { ConfigError, loadConfig } from './config';
import { createApp } from './app';
import { createLogger } from './logging';
import { loadRuleConfig } from './rules/config';
import { createSecurity, type Security } from './security';

/** Process entry: configuration, listen, graceful shutdown. */
function main(): void {
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
  const app = createApp({ config, rules, logger, ...security });
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
      logger.info('stopped');
      process.exit(0);
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

main();
