/** pino JSON logs; pretty in a terminal. Every line about a flow carries `flow` (its number) and `partner`. */
import pino from 'pino';
import type { Logger } from 'pino';

export type { Logger };

export function createLogger(level = 'info', pretty = process.stdout.isTTY && !process.env.CI): Logger {
  return pino({
    level,
    base: { app: 'passerelle' },
    redact: { paths: ['password', '*.password', 'passwordHash', '*.passwordHash'], censor: '[secret]' },
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,app' },
          },
        }
      : {}),
  });
}

/** A logger that writes nothing (tests, `analyze`). */
export const silentLogger: Logger = pino({ level: 'silent' });
