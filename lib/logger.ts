/** Structured logging (pino). Log events carry an `event` field; the seed's messages are kept. */
import pino from 'pino';
import { env } from './env';

/**
 * pino's error serializer without the fields that hold objects: a driver's error can carry its
 * whole connection (node-postgres puts the client on it), kilobytes of one log line. The message
 * and stack (with the cause's, as pino folds them in), the SQLSTATE and the detail stay.
 */
export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const out = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(out)) {
    if (value !== null && typeof value === 'object' && key !== 'aggregateErrors') delete out[key];
  }
  return out;
}

export const logger = pino({
  level: env().LOG_LEVEL,
  base: { service: 'holdfast' },
  timestamp: pino.stdTimeFunctions.isoTime,
  serializers: { err: serializeError },
});
