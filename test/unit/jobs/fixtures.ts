import type { ChildrenInput } from '../../../operator/src/jobs/index.js';

/** A builder input like the operator's for a daily monitor; override parts per case. */
export function childrenInput(overrides: Partial<ChildrenInput> = {}): ChildrenInput {
  return {
    monitor: { name: 'feed-ranker', namespace: 'ml-prod', uid: '6f1c2b9e-0000-4000-8000-000000000001' },
    spec: { schedule: '15 2 * * *', suspend: false, granularity: '1d' },
    job: {
      image: 'ghcr.io/alertiger/alertiger:0.1.0',
      influxUrl: 'http://influxdb.monitoring:8086',
      influxDatabase: 'alertiger',
      alertmanagerUrl: 'http://alertmanager.monitoring:9093',
      reportUrl: 'http://alertiger.alertiger-system:8080',
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
    },
    ...overrides,
  };
}
