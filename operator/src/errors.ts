/**
 * Errors with a stable code. The code doubles as a status condition reason and a bounded
 * metric label, so it comes from this one table: a new code is added here, with what it means.
 */
export const ERROR_CODES = {
  // Input a person gave: arguments, files, resources.
  InvalidArguments: 'a command line argument is missing or malformed',
  InvalidOptions: 'an option of a library call is out of range',
  InvalidConfig: 'an operator or job setting (flag or environment) is invalid',
  InvalidMonitor: 'a ModelMonitor file does not validate',
  InvalidSpec: 'a ModelMonitor spec the API server accepted but the operator refuses',
  InvalidCsv: 'a series CSV is malformed',
  InvalidSeries: 'a series handed to the detector is malformed',
  InvalidIncident: 'a synthetic incident is malformed',
  FileNotFound: 'a file named by the user does not exist or cannot be read',
  InputUnreadable: 'an input file cannot be read',
  // Detection settings.
  InvalidThreshold: 'a stage-2 threshold outside (0, 1)',
  InvalidSensitivity: 'a sensitivity that is no word and no number in (0, 1)',
  InvalidSeverity: 'a negative minSeverity',
  InvalidDuration: 'a duration filter without 1 <= min <= window',
  InvalidCombine: 'a combine that is neither And nor Or',
  InvalidConcurrency: 'a maxConcurrentFraction outside (0, 1]',
  InvalidTrafficRatio: 'a minTrafficRatio outside [0, 1]',
  // The detector.
  GranularityUnknown: 'a series whose spacing is neither daily nor hourly',
  GranularityUnsupported: 'a granularity the loaded model has no detector for',
  NotEnoughData: 'too little data to train',
  NothingScored: 'no point has enough history to be scored',
  SeriesTooShort: 'a series shorter than the detector window',
  ModelNotFound: 'no detector model at the path given',
  ModelInvalid: 'a detector model that does not load',
  InvalidBackend: 'an unknown TensorFlow.js backend was asked for',
  BackendUnavailable: 'the TensorFlow.js backend asked for cannot start',
  // The inference log.
  SourceNotFound: 'the inference log does not exist',
  SourcePermissionDenied: 'the inference log exists but this process may not read it',
  SourceInvalid: 'the inference log cannot be parsed or queried as configured',
  SourceUnavailable: 'the inference log cannot be reached (network, server)',
  TimestampFieldMissing: 'no row of the log has the timestamp field',
  // Dependencies of a run.
  InfluxUnavailable: 'InfluxDB cannot be reached',
  InfluxRejected: 'InfluxDB refused a write or a query',
  StoreUnavailable: 'the embedded store cannot be read or written',
  StoreCorrupt: 'an embedded store file is not valid JSON',
  AlertmanagerUnavailable: 'Alertmanager cannot be reached',
  AlertmanagerRejected: 'Alertmanager refused the alerts',
  CredentialsUnavailable: 'the configured credentials Secret cannot be used',
  ShardsIncomplete: 'a sharded run lacks the summaries of some of its shards (failed, late or of another plan)',
  // The Kubernetes API (k8s/errors.ts), by HTTP status.
  BadRequest: 'the API server answered 400',
  Unauthorized: 'the API server answered 401',
  Forbidden: 'the API server answered 403 (RBAC)',
  NotFound: 'the API server answered 404',
  Conflict: 'the API server answered 409',
  Gone: 'the API server answered 410 (a watch fell behind)',
  Invalid: 'the API server answered 422',
  TooManyRequests: 'the API server answered 429',
  ApiUnavailable: 'the API server cannot be reached or answered 5xx',
  ApiError: 'the API server answered another error',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AlertigerError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
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
export function errorCode(err: unknown): ErrorCode | 'Internal' {
  return err instanceof AlertigerError ? err.code : 'Internal';
}
