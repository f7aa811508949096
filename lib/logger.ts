/** Structured logging (pino). Log events carry an `event` field; the seed's messages are kept. */
import pino from 'pino';
import { env } from './env';

export const logger = pino({
  level: env().LOG_LEVEL,
  base: { service: 'holdfast' },
  timestamp: pino.stdTimeFunctions.isoTime,
});
