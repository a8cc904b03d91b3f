import pino from 'pino';

export type Logger = pino.Logger;

/** Whatever a log line carries, these never reach the output (issue 11): credentials in headers, bodies and errors. */
const REDACT = [
  'authorization', '*.authorization', 'req.headers.authorization', 'req.headers.cookie',
  'password', '*.password', 'token', '*.token', 'refreshToken', '*.refreshToken', 'jwtSecret', '*.jwtSecret', 'metricsToken', '*.metricsToken',
];

export function createLogger(level: string, name = 'sync-server'): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor: '[redacted]' } });
}
