/** The monitor report page: data type, renderer, and the escaping it relies on. */
export { renderReport, rankAnomalies, MAX_RUNS_SHOWN } from './render.js';
export type { ReportData, ReportAnomaly, ReportSeries, ReportRun, ReportMonitor } from './types.js';
export { escapeHtml } from './escape.js';
