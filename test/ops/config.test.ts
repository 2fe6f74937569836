import { ConfigError, loadConfig } from '../../src/config';

describe('operations settings', () => {
  test('defaults: SQLite in ./data, one year of retention, metrics on, admin off', () => {
    const config = loadConfig({});
    expect(config.feedback).toEqual({ databaseUrl: undefined, sqlitePath: './data/feedback.sqlite', retentionDays: 365 });
    expect(config.metricsEnabled).toBe(true);
    expect(config.adminToken).toBeUndefined();
  });

  test.each(['postgres://cds:secret@db.internal:5432/cds', 'postgresql://cds@127.0.0.1/cds?sslmode=require'])('accepts DATABASE_URL %s', (url) => {
    expect(loadConfig({ DATABASE_URL: url }).feedback.databaseUrl).toBe(url);
  });

  test('rejects every bad operations setting at once, naming each', () => {
    try {
      loadConfig({ DATABASE_URL: 'mysql://db/cds', FEEDBACK_RETENTION_DAYS: '-1', ADMIN_TOKEN: 'short', METRICS_ENABLED: 'yes' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.map((p) => p.split(':')[0]);
      expect(problems.sort()).toEqual(['ADMIN_TOKEN', 'DATABASE_URL', 'FEEDBACK_RETENTION_DAYS', 'METRICS_ENABLED']);
    }
  });
});
