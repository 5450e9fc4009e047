/**
 * The KubePort on @kubernetes/client-node 1.x: KubernetesObjectApi for server-side apply of whole
 * objects (field manager `alertiger-operator`, force), CustomObjectsApi for the status
 * subresource, ListWatch informers restarted by RestartingInformer. Every request is counted.
 * Responses are turned back into plain JSON (client-node turns timestamps into Dates).
 */
import {
  ApiException, CustomObjectsApi, KubeConfig, KubernetesObjectApi, ListWatch, PatchStrategy, Watch,
  setHeaderOptions, type KubernetesObject,
} from '@kubernetes/client-node';
import type { Logger } from '../log.js';
import { FIELD_MANAGER } from '../jobs/names.js';
import { KubeApiError, retryOnConflict } from './errors.js';
import { RestartingInformer, type RawInformer } from './informer.js';
import { emptyStats, type Informer, type InformerHandlers, type InformerOptions, type KubePort, type RequestStats } from './port.js';
import { collectionPath, LEASE, type KubeObject, type ResourceType } from './types.js';

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

/** Counts watch requests; otherwise client-node's Watch. */
class CountingWatch extends Watch {
  constructor(config: KubeConfig, private readonly onWatch: () => void) {
    super(config);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- client-node's callback signature
  override watch(path: string, query: Record<string, string | number | boolean | undefined>, cb: (phase: string, obj: any, w?: any) => void, done: (err: any) => void): Promise<AbortController> {
    this.onWatch();
    return super.watch(path, { ...query, allowWatchBookmarks: true }, cb, done);
  }
}

export class ClientNodePort implements KubePort {
  private readonly objects: KubernetesObjectApi;
  private readonly custom: CustomObjectsApi;
  private readonly counts: RequestStats = emptyStats();
  private readonly timeoutMs: number;

  constructor(private readonly kc: KubeConfig, private readonly options: ClientOptions) {
    this.objects = KubernetesObjectApi.makeApiClient(kc);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  stats(): RequestStats {
    return { ...this.counts, writesByKind: { ...this.counts.writesByKind } };
  }

  informer<T extends KubeObject>(type: ResourceType, options: InformerOptions, handlers: InformerHandlers<T>): Informer<T> {
    const namespaces: (string | undefined)[] = options.namespaces.length > 0 ? [...options.namespaces] : [undefined];
    const raws = namespaces.map((namespace) => {
      const watch = new CountingWatch(this.kc, () => this.counts.watches++);
      const list = (): Promise<{ metadata: { resourceVersion?: string }; items: T[] }> => this.listAll<T>(type, namespace, options.labelSelector);
      // ListWatch wants client-node's list type; ours has the same shape in plain JSON.
      const listFn = list as unknown as () => Promise<{ metadata?: object; items: KubernetesObject[] }>;
      return new ListWatch<KubernetesObject>(collectionPath(type, namespace), watch, listFn as never, false, options.labelSelector) as unknown as RawInformer<T>;
    });
    return new RestartingInformer<T>(raws, handlers, { log: this.options.log, name: type.kind });
  }

  async get<T extends KubeObject>(type: ResourceType, namespace: string, name: string): Promise<T | undefined> {
    this.counts.reads++;
    try {
      const obj = await this.call(`get ${type.kind} ${namespace}/${name}`, () =>
        this.objects.read({ apiVersion: type.apiVersion, kind: type.kind, metadata: { name, namespace } }));
      return plain(obj) as T;
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  apply(obj: KubeObject): Promise<KubeObject> {
    return retryOnConflict(async () => {
      this.countWrite(obj.kind);
      const applied = await this.call(`apply ${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}`, () =>
        this.objects.patch(obj as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply));
      return plain(applied) as KubeObject;
    });
  }

  applyStatus(type: ResourceType, obj: KubeObject): Promise<KubeObject> {
    const [group, version] = type.apiVersion.split('/') as [string, string];
    const namespace = obj.metadata.namespace ?? '';
    return retryOnConflict(async () => {
      this.countWrite(`${type.kind}/status`);
      const applied = await this.call(`apply ${type.kind}/status ${namespace}/${obj.metadata.name}`, () =>
        this.custom.patchNamespacedCustomObjectStatus(
          { group, version, namespace, plural: type.plural, name: obj.metadata.name, body: obj, fieldManager: FIELD_MANAGER, force: true },
          setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply)));
      return plain(applied) as KubeObject;
    });
  }

  async create(type: ResourceType, obj: KubeObject): Promise<KubeObject> {
    this.countWrite(type.kind);
    const created = await this.call(`create ${type.kind} ${obj.metadata.namespace}/${obj.metadata.name}`, () =>
      this.objects.create(obj as KubernetesObject, undefined, undefined, FIELD_MANAGER));
    return plain(created) as KubeObject;
  }

  createOrReplace(type: ResourceType, obj: KubeObject): Promise<KubeObject> {
    return retryOnConflict(async () => {
      try {
        return await this.create(type, obj);
      } catch (err) {
        if (!(err instanceof KubeApiError) || err.status !== 409) throw err;
      }
      // No resourceVersion: an unconditional update of an object only we write. A 404 here
      // (deleted in between) fails this pass; the work queue's retry creates it.
      const { resourceVersion: _rv, ...metadata } = obj.metadata;
      return this.replace(type, { ...obj, metadata });
    });
  }

  async replace(type: ResourceType, obj: KubeObject): Promise<KubeObject> {
    this.countWrite(type.kind);
    const replaced = await this.call(`replace ${type.kind} ${obj.metadata.namespace}/${obj.metadata.name}`, () =>
      this.objects.replace(obj as KubernetesObject, undefined, undefined, FIELD_MANAGER));
    return plain(replaced) as KubeObject;
  }

  private countWrite(kind: string): void {
    if (kind === LEASE.kind) {
      this.counts.leaseWrites++;
      return;
    }
    this.counts.writes++;
    this.counts.writesByKind[kind] = (this.counts.writesByKind[kind] ?? 0) + 1;
  }

  /** A full list, page by page, as plain JSON. */
  private async listAll<T extends KubeObject>(type: ResourceType, namespace: string | undefined, labelSelector: string | undefined): Promise<{ metadata: { resourceVersion?: string }; items: T[] }> {
    const items: T[] = [];
    let token: string | undefined;
    let resourceVersion: string | undefined;
    do {
      this.counts.lists++;
      const page = await this.call(`list ${type.kind}`, () =>
        this.objects.list(type.apiVersion, type.kind, namespace, undefined, undefined, undefined, undefined, labelSelector, this.options.pageSize ?? 500, token));
      const list = plain(page) as { metadata?: { resourceVersion?: string; _continue?: string; continue?: string }; items: T[] };
      items.push(...list.items.map((item) => ({ ...item, apiVersion: type.apiVersion, kind: type.kind })));
      resourceVersion = list.metadata?.resourceVersion;
      token = list.metadata?._continue ?? list.metadata?.continue;
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

function toKubeError(what: string, err: unknown): KubeApiError {
  if (err instanceof KubeApiError) return err;
  if (err instanceof ApiException) {
    const body = typeof err.body === 'string' ? safeJson(err.body) : err.body;
    const message = (body as { message?: string } | undefined)?.message ?? String(err.body ?? err.message);
    return new KubeApiError(err.code, `${what}: ${message}`, { cause: err });
  }
  return new KubeApiError(0, `${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}

/** client-node's typed objects back to the API's JSON (Dates to RFC 3339 strings). */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}
