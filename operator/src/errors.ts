/**
 * Errors with a stable code. The code doubles as a status condition reason and a bounded
 * metric label, so it must stay a short CamelCase word from a fixed set per module.
 */
export class AlertigerError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AlertigerError';
    this.code = code;
  }
}

/** The message of any thrown value, with the chain of causes joined by ': '. */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    const message = current instanceof Error ? current.message : String(current);
    if (!parts.some((p) => p.includes(message))) parts.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ');
}

/** The stable code of an error, or 'Internal' for anything not raised by us. */
export function errorCode(err: unknown): string {
  return err instanceof AlertigerError ? err.code : 'Internal';
}
