import type { Pool, PoolConfig } from 'pg';

/**
 * A pg connection pool, with the driver loaded when the first pool is built. Only a deployment
 * that sets DATABASE_URL builds one (the feedback store and the replay store); the embedded
 * SQLite default never loads pg, which would add about 4.5 MB to every process's RSS.
 */
export function createPgPool(config: PoolConfig): Pool {
  // A plain require: under CommonJS a static import would load pg at start-up.
  const pg = require('pg') as typeof import('pg');
  return new pg.Pool(config);
}
