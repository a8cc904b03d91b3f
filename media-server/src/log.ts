import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string, name = 'media-server'): Logger {
  return pino({ name, level });
}
