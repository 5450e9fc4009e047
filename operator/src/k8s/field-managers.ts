/**
 * The server-side apply field managers: the operator owns the children it builds and the Ready
 * part of the status; the job owns the rest of the status (docs/architecture.md).
 */
export const FIELD_MANAGER = 'alertiger-operator';
export const JOB_FIELD_MANAGER = 'alertiger-job';
