import pino, { type Logger } from 'pino';

/**
 * One JSON logger for the whole project: pretty when stderr is a terminal, JSON lines otherwise.
 * Anything that looks like a credential is redacted, whatever the field is called.
 */
const REDACT = [
  'apiKey',
  'api_key',
  'authorization',
  'Authorization',
  '*.apiKey',
  '*.api_key',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  '*.headers.authorization',
];

export function createLogger(bindings: Record<string, unknown> = {}, level = process.env.STRAWBERRY_LOG_LEVEL ?? 'info'): Logger {
  const pretty = process.stderr.isTTY && process.env.STRAWBERRY_LOG_FORMAT !== 'json';
  const transport = pretty ? { target: 'pino-pretty', options: { destination: 2, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } : undefined;
  const logger = transport
    ? pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, transport })
    : pino({ level, redact: { paths: REDACT, censor: '[redacted]' } }, pino.destination(2));
  return Object.keys(bindings).length ? logger.child(bindings) : logger;
}

export const log = createLogger();
export type { Logger };
