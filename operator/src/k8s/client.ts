/**
 * The KubePort on @kubernetes/client-node 1.x's KubeConfig and ListWatch (informers restarted by
 * RestartingInformer), with its own plain-JSON requests for reads and writes: creates, replaces
 * and deletes of whole objects (field manager `alertiger-operator`) and server-side apply of the
 * status subresource. Every request is counted.
 */
import { Agent, request, type RequestOptions } from 'node:https';
import { ApiException, KubeConfig, ListWatch, Watch, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../log.js';
import { FIELD_MANAGER } from './field-managers.js';
import { KubeApiError, retryOnConflict, toKubeError } from './errors.js';
import { RestartingInformer, type RawInformer } from './informer.js';
import { emptyStats, withoutManagedFields, type Informer, type InformerHandlers, type InformerOptions, type KubePort, type RequestStats } from './port.js';
import { collectionPath, LEASE, objectPath, type KubeObject, type ResourceType } from './types.js';

export interface ClientOptions {
  log: Logger;
  /** Per-request timeout; a hung request must not hold a worker forever. */
  timeoutMs?: number;
  /** Page size of informer lists. */
  pageSize?: number;
}

/** A KubeConfig from a kubeconfig file, or the in-cluster service account when none is given. */
export function loadKubeConfig(kubeconfig: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfig !== undefined) kc.loadFromFile(kubeconfig);
  else kc.loadFromCluster();
  return kc;
}

/**
 * client-node's Watch, counting requests and asking the server to end each watch after 5 to 10
 * minutes (as client-go does): a connection that died without a FIN would otherwise leave the
 * cache silently stale forever. ListWatch re-watches from the last resourceVersion when the
 * server ends a watch, and bookmarks keep that version fresh.
 */
class CountingWatch extends Watch {
  constructor(config: KubeConfig, private readonly onWatch: () => void, private readonly transform: (obj: KubeObject) => KubeObject) {
    super(config);
  }

  override watch(path: string, query: Record<string, string | number | boolean | undefined>, cb: (phase: string, obj: unknown, w?: unknown) => void, done: (err: unknown) => void): Promise<AbortController> {
    this.onWatch();
    const timeoutSeconds = 300 + Math.floor(Math.random() * 300);
    // Objects are trimmed before the cache sees them; bookmarks and errors pass as they are.
    const trimmed = (phase: string, obj: unknown, w?: unknown): void =>
      cb(phase, phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED' ? this.transform(obj as KubeObject) : obj, w);
    return super.watch(path, { ...query, allowWatchBookmarks: true, timeoutSeconds }, trimmed, done);
  }
}

export class ClientNodePort implements KubePort {
  private readonly counts: RequestStats = emptyStats();
  private readonly timeoutMs: number;

  private readonly http: SharedAgent;

  constructor(private readonly kc: KubeConfig, private readonly options: ClientOptions) {
    this.http = new SharedAgent(kc);
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  stats(): RequestStats {
    return { ...this.counts, writesByKind: { ...this.counts.writesByKind } };
  }

  informer<T extends KubeObject>(type: ResourceType, options: InformerOptions, handlers: InformerHandlers<T>): Informer<T> {
    const namespaces: (string | undefined)[] = options.namespaces.length > 0 ? [...options.namespaces] : [undefined];
    const transform = options.transform ?? withoutManagedFields;
    const raws = namespaces.map((namespace) => {
      const watch = new CountingWatch(this.kc, () => this.counts.watches++, transform);
      const list = async (): Promise<{ metadata: { resourceVersion?: string }; items: T[] }> => {
        const all = await this.listAll<T>(type, namespace, options.labelSelector);
        return { metadata: all.metadata, items: all.items.map((item) => transform(item) as T) };
      };
      // ListWatch wants client-node's list type; ours has the same shape in plain JSON.
      const listFn = list as unknown as () => Promise<{ metadata?: object; items: KubernetesObject[] }>;
      return new ListWatch<KubernetesObject>(collectionPath(type, namespace), watch, listFn as never, false, options.labelSelector) as unknown as RawInformer<T>;
    });
    return new RestartingInformer<T>(raws, handlers, { log: this.options.log, name: type.kind });
  }

  async get<T extends KubeObject>(type: ResourceType, namespace: string, name: string): Promise<T | undefined> {
    this.counts.reads++;
    try {
      return await this.call(`get ${type.kind} ${namespace}/${name}`, () => this.http.getJson<T>(objectPath(type, namespace, name)));
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  applyStatus(type: ResourceType, obj: KubeObject): Promise<KubeObject> {
    const namespace = obj.metadata.namespace ?? '';
    const path = `${objectPath(type, namespace, obj.metadata.name)}/status?${new URLSearchParams({ fieldManager: FIELD_MANAGER, force: 'true' })}`;
    return retryOnConflict(async () => {
      this.countWrite(`${type.kind}/status`);
      // JSON is YAML: the apply body goes as is.
      return this.call(`apply ${type.kind}/status ${namespace}/${obj.metadata.name}`, () =>
        this.http.requestJson<KubeObject>('PATCH', path, obj, 'application/apply-patch+yaml'));
    });
  }

  async create(type: ResourceType, obj: KubeObject): Promise<KubeObject> {
    this.countWrite(type.kind);
    const path = `${collectionPath(type, obj.metadata.namespace)}?${new URLSearchParams({ fieldManager: FIELD_MANAGER })}`;
    return this.call(`create ${type.kind} ${obj.metadata.namespace}/${obj.metadata.name}`, () =>
      this.http.requestJson<KubeObject>('POST', path, obj));
  }

  createOrReplace(type: ResourceType, obj: KubeObject, options: { exists?: boolean } = {}): Promise<KubeObject> {
    // No resourceVersion: an unconditional update of an object only we write.
    const { resourceVersion: _rv, ...metadata } = obj.metadata;
    const bare = { ...obj, metadata };
    const status = (err: unknown): number | undefined => (err instanceof KubeApiError ? err.status : undefined);
    return retryOnConflict(async () => {
      if (options.exists === true) {
        try {
          return await this.replace(type, bare);
        } catch (err) {
          if (status(err) !== 404) throw err;
        }
        return this.create(type, bare);
      }
      try {
        return await this.create(type, bare);
      } catch (err) {
        if (status(err) !== 409) throw err;
      }
      // A 404 here (deleted in between) fails this pass; the work queue's retry creates it.
      return this.replace(type, bare);
    });
  }

  async delete(type: ResourceType, namespace: string, name: string): Promise<void> {
    this.countWrite(type.kind);
    try {
      await this.call(`delete ${type.kind} ${namespace}/${name}`, () => this.http.requestJson('DELETE', objectPath(type, namespace, name)));
    } catch (err) {
      if (!(err instanceof KubeApiError) || err.status !== 404) throw err;
    }
  }

  async replace(type: ResourceType, obj: KubeObject): Promise<KubeObject> {
    this.countWrite(type.kind);
    const path = `${objectPath(type, obj.metadata.namespace ?? '', obj.metadata.name)}?${new URLSearchParams({ fieldManager: FIELD_MANAGER })}`;
    return this.call(`replace ${type.kind} ${obj.metadata.namespace}/${obj.metadata.name}`, () =>
      this.http.requestJson<KubeObject>('PUT', path, obj));
  }

  private countWrite(kind: string): void {
    if (kind === LEASE.kind) {
      this.counts.leaseWrites++;
      return;
    }
    this.counts.writes++;
    this.counts.writesByKind[kind] = (this.counts.writesByKind[kind] ?? 0) + 1;
  }

  /**
   * A full list, page by page, as plain JSON. Reads go around client-node's generic list: it
   * deserialises a custom resource list's metadata as ObjectMeta and drops `continue`, which
   * silently truncates any list longer than one page.
   */
  private async listAll<T extends KubeObject>(type: ResourceType, namespace: string | undefined, labelSelector: string | undefined): Promise<{ metadata: { resourceVersion?: string }; items: T[] }> {
    const items: T[] = [];
    let token: string | undefined;
    let resourceVersion: string | undefined;
    do {
      this.counts.lists++;
      const query = new URLSearchParams({ limit: String(this.options.pageSize ?? 500) });
      if (labelSelector !== undefined) query.set('labelSelector', labelSelector);
      if (token !== undefined) query.set('continue', token);
      const list = await this.call(`list ${type.kind}`, () =>
        this.http.getJson<{ metadata?: { resourceVersion?: string; continue?: string }; items: T[] | null }>(`${collectionPath(type, namespace)}?${query}`));
      // List items carry no apiVersion and kind; watch events do.
      items.push(...(list.items ?? []).map((item) => ({ ...item, apiVersion: type.apiVersion, kind: type.kind })));
      resourceVersion = list.metadata?.resourceVersion;
      token = list.metadata?.continue;
    } while (token !== undefined && token !== '');
    return { metadata: { resourceVersion }, items };
  }

  /** Runs one request with a timeout, mapping client-node errors to KubeApiError. */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KubeApiError(0, `${what}: no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      return await Promise.race([fn(), timeout]);
    } catch (err) {
      throw toKubeError(what, err);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * One keep-alive HTTPS agent for every request: client-node 1.x builds a new https.Agent per
 * request, so each call would pay a fresh TCP and TLS handshake (at 2,000 monitors, most of the
 * operator's CPU). Authentication (bearer tokens, exec plugins, client certificates) stays
 * KubeConfig's, applied per request so rotated tokens are picked up.
 */
class SharedAgent {
  private agent: Agent | undefined;
  private readonly server: string;

  constructor(private readonly kc: KubeConfig) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    if (!cluster.server.startsWith('https:') || cluster.proxyUrl) {
      throw new Error(`the operator talks to the API server over HTTPS without a proxy; the kubeconfig says ${cluster.server}${cluster.proxyUrl ? ` via ${cluster.proxyUrl}` : ''}`);
    }
    this.server = cluster.server.replace(/\/+$/, '');
  }

  /** The agent, and the request options (headers) of the current credentials. */
  async options(): Promise<{ agent: Agent; headers: Record<string, string> }> {
    const tls: RequestOptions = {};
    await this.kc.applyToHTTPSOptions(tls);
    this.agent ??= new Agent({
      ca: tls.ca, cert: tls.cert, key: tls.key, pfx: tls.pfx, passphrase: tls.passphrase,
      ...(tls.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
      ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
      keepAlive: true,
      maxSockets: 32,
    });
    return { agent: this.agent, headers: (tls.headers ?? {}) as Record<string, string> };
  }

  /** GET a path as JSON; ApiException-like errors (status and body) otherwise. */
  getJson<T>(path: string): Promise<T> {
    return this.requestJson<T>('GET', path);
  }

  /**
   * One request with a JSON body (or none) and a JSON answer, as plain JSON: client-node's
   * typed (de)serialisation of each answer, which the controller never reads, cost more CPU
   * than the request itself at 10,000 monitors.
   */
  async requestJson<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const { agent, headers } = await this.options();
    const auth = tlsAuth(this.kc);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<T>((resolve, reject) => {
      const req = request(`${this.server}${path}`, {
        method, agent,
        headers: { ...headers, ...auth, accept: 'application/json', ...(payload !== undefined ? { 'content-type': contentType } : {}) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            try {
              resolve(JSON.parse(text) as T);
            } catch (err) {
              reject(err);
            }
          } else {
            reject(new ApiException(status, 'Unsuccessful HTTP Request', text, {}));
          }
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }
}

/** Basic auth from a kubeconfig user, which applyToHTTPSOptions sets as `auth`, not a header. */
function tlsAuth(kc: KubeConfig): Record<string, string> {
  const user = kc.getCurrentUser();
  return user?.username ? { authorization: `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}` } : {};
}
