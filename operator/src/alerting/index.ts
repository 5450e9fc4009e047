/** Alerts to Alertmanager (docs/design.md §7): pure payload builders and the HTTP client. */
export {
  ALERTNAME_ANOMALY, ALERTNAME_INPUT_SHIFT, CRITICAL_SEVERITY,
  alertFor, alertLabels, alertsForStatus, alertTarget, anomalyKey, monitorReportUrl, runAlertLifetime, resolvedAlerts, severityLevel,
  type AlertOptions, type PostableAlert,
} from './payload.js';
export { postAlerts, type PostOptions } from './client.js';
