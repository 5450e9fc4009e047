/**
 * The operator's InfluxDB credentials, polled from its Secret: the Secret cannot be watched
 * without cluster-wide Secret rights, so the manager re-reads it on every resync. A change
 * (rotation) calls `onChange`, which re-applies every mirror.
 */
import { CREDENTIAL_KEYS } from '../config.js';
import { describeError } from '../errors.js';
import type { KubePort } from '../k8s/port.js';
import { SECRET, type KubeObject } from '../k8s/types.js';
import type { Credentials } from './decide.js';

export interface CredentialsSource {
  port: KubePort;
  operatorNamespace: string;
  /** ALERTIGER_INFLUX_SECRET; undefined: no credentials to mirror. */
  secretName: string | undefined;
  /** Called after a change, not after the first read. */
  onChange(next: Credentials): void;
}

export class CredentialsPoll {
  private current: Credentials = { state: 'none' };
  private hash = '';

  constructor(private readonly source: CredentialsSource) {}

  get(): Credentials {
    return this.current;
  }

  async refresh(): Promise<void> {
    const { secretName } = this.source;
    if (secretName === undefined) return;
    const next = await this.read(secretName);
    if (next === undefined) return;
    const hash = JSON.stringify(next);
    if (hash === this.hash) return;
    const first = this.hash === '';
    this.hash = hash;
    this.current = next;
    if (!first) this.source.onChange(next);
  }

  /** The Secret's credentials; undefined to keep the last good ones through an API outage. */
  private async read(secretName: string): Promise<Credentials | undefined> {
    const { port, operatorNamespace } = this.source;
    const where = `Secret ${operatorNamespace}/${secretName}`;
    try {
      const secret = await port.get<KubeObject & { data?: Record<string, string> }>(SECRET, operatorNamespace, secretName);
      const data: Record<string, string> = {};
      for (const k of CREDENTIAL_KEYS) if (secret?.data?.[k] !== undefined) data[k] = secret.data[k]!;
      if (secret === undefined) return { state: 'unavailable', message: `${where} (ALERTIGER_INFLUX_SECRET) does not exist` };
      if (Object.keys(data).length === 0) {
        return { state: 'unavailable', message: `${where} (ALERTIGER_INFLUX_SECRET) has none of the keys ${CREDENTIAL_KEYS.join(', ')}` };
      }
      return { state: 'ok', data };
    } catch (err) {
      if (this.current.state === 'ok') return undefined;
      return { state: 'unavailable', message: `cannot read ${where}: ${describeError(err)}` };
    }
  }
}
