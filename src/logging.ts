import pino, { type Logger, type DestinationStream } from 'pino';

/**
 * Structured logs without PHI or secrets. The service never logs request bodies; these redaction
 * paths are a second line of defence for anything that slips into a log object by mistake.
 */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'fhirAuthorization',
  '*.fhirAuthorization',
  'access_token',
  '*.access_token',
  'prefetch',
  '*.prefetch',
  'context',
  '*.context',
  'patientId',
  '*.patientId',
  'token',
  '*.token',
];

const CENSOR = '[redacted]';

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'magnesium-cds' },
      redact: { paths: redactedPaths, censor: CENSOR },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** The paths without a leading wildcard: checking those costs next to nothing. */
const topLevelPaths = redactedPaths.filter((path) => !path.startsWith('*.'));

/**
 * The logger for the one line per call (src/http/call-log.ts). That line is the typed, flat
 * CallLog, whose only nested object is the provenance by prefetch key, so the wildcard paths that
 * guard the untyped objects of other lines have nothing to find in it; they were about 20 µs of
 * each line (29 against 10 µs). The top-level paths stay.
 */
export function callLineLogger(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: topLevelPaths, censor: CENSOR } });
}

export type { Logger };
