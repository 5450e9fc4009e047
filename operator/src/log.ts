/** JSON-lines logger with child loggers carrying context fields (monitor, run, ...). */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; stderr by default so stdout stays free for command output. */
  write?: (line: string) => void;
  context?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const envLevel = process.env.ALERTIGER_LOG_LEVEL as LogLevel | undefined;
  const min = order[options.level ?? envLevel ?? 'info'] ?? order.info;
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const context = options.context ?? {};
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (order[level] < min) return;
    write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...context, ...fields }));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...options, context: { ...context, ...fields } }),
  };
}

/** A logger that drops everything (tests, quiet commands). */
export const silentLogger: Logger = createLogger({ write: () => undefined });
