/**
 * The KubePort over node:https, in plain JSON: informers (ListWatch, restarted by
 * RestartingInformer), reads, creates, replaces and deletes of whole objects (field manager
 * `alertiger-operator`) and server-side apply of the status subresource. Every request is
 * counted. Credentials come from connection.ts; @kubernetes/client-node is not loaded here (its
 * import alone costs the operator about 70 MB, connection.ts says why).
 */
import { Agent, request } from 'node:https';
import type { Logger } from '../log.js';
import type { ApiConnection } from './connection.js';
import { FIELD_MANAGER } from './field-managers.js';
import { isConflict, isNotFound, KubeApiError, retryOnConflict, toKubeError } from './errors.js';
import { RestartingInformer } from './informer.js';
import { ListWatch, type WatchEventHandler, type WatchHandle } from './list-watch.js';
import { emptyStats, withoutManagedFields, type Informer, type InformerHandlers, type InformerOptions, type KubePort, type RequestStats } from './port.js';
import { collectionPath, LEASE, objectPath, type KubeObject, type ResourceType } from './types.js';

export interface ClientOptions {
  log: Logger;
  /** Per-request timeout (for a watch, until its response begins); a hung request must not hold a worker forever. */
  timeoutMs?: number;
  /** Page size of informer lists. */
  pageSize?: number;
}

export class HttpKubePort implements KubePort {
  private readonly counts: RequestStats = emptyStats();
  private readonly timeoutMs: number;

  private readonly http: Connection;

  constructor(connection: ApiConnection, private readonly options: ClientOptions) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.http = new Connection(connection, this.timeoutMs);
  }

  stats(): RequestStats {
    return { ...this.counts, writesByKind: { ...this.counts.writesByKind } };
  }

  informer<T extends KubeObject>(type: ResourceType, options: InformerOptions, handlers: InformerHandlers<T>): Informer<T> {
    const namespaces: (string | undefined)[] = options.namespaces.length > 0 ? [...options.namespaces] : [undefined];
    const transform = options.transform ?? withoutManagedFields;
    const raws = namespaces.map((namespace) => {
      const list = async (): Promise<{ resourceVersion: string; items: T[] }> => {
        const all = await this.listAll<T>(type, namespace, options.labelSelector);
        return { resourceVersion: all.metadata.resourceVersion ?? '', items: all.items.map((item) => transform(item) as T) };
      };
      const watch = (resourceVersion: string, onEvent: WatchEventHandler, done: (err?: unknown) => void): Promise<WatchHandle> => {
        this.counts.watches++;
        // Objects are trimmed before the cache sees them; bookmarks and errors pass as they are.
        const trimmed: WatchEventHandler = (phase, obj) =>
          onEvent(phase, phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED' ? transform(obj) : obj);
        return this.http.watch(collectionPath(type, namespace), { resourceVersion, labelSelector: options.labelSelector }, trimmed, done);
      };
      return new ListWatch<T>(list, watch);
    });
    return new RestartingInformer<T>(raws, handlers, { log: this.options.log, name: type.kind });
  }

  async get<T extends KubeObject>(type: ResourceType, namespace: string, name: string): Promise<T | undefined> {
    this.counts.reads++;
    try {
      return await this.call(`get ${type.kind} ${namespace}/${name}`, () => this.http.getJson<T>(objectPath(type, namespace, name)));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  applyStatus(type: ResourceType, obj: KubeObject): Promise<void> {
    const namespace = obj.metadata.namespace ?? '';
    const path = `${objectPath(type, namespace, obj.metadata.name)}/status?${new URLSearchParams({ fieldManager: FIELD_MANAGER, force: 'true' })}`;
    return retryOnConflict(async () => {
      this.countWrite(`${type.kind}/status`);
      // JSON is YAML: the apply body goes as is.
      await this.call(`apply ${type.kind}/status ${namespace}/${obj.metadata.name}`, () =>
        this.http.send('PATCH', path, obj, { contentType: 'application/apply-patch+yaml', answer: 'none' }));
    });
  }

  async create(type: ResourceType, obj: KubeObject): Promise<KubeObject> {
    return (await this.createAnswering(type, obj, 'object'))!;
  }

  private createAnswering(type: ResourceType, obj: KubeObject, answer: Answer): Promise<KubeObject | undefined> {
    this.countWrite(type.kind);
    const path = `${collectionPath(type, obj.metadata.namespace)}?${new URLSearchParams({ fieldManager: FIELD_MANAGER })}`;
    return this.call(`create ${type.kind} ${obj.metadata.namespace}/${obj.metadata.name}`, () =>
      this.http.send<KubeObject>('POST', path, obj, { answer }));
  }

  createOrReplace(type: ResourceType, obj: KubeObject, options: { exists?: boolean } = {}): Promise<void> {
    // No resourceVersion: an unconditional update of an object only we write.
    const { resourceVersion: _rv, ...metadata } = obj.metadata;
    const bare = { ...obj, metadata };
    // The answer (the whole object) is not read, so not parsed either.
    return retryOnConflict(async () => {
      if (options.exists === true) {
        try {
          await this.replaceAnswering(type, bare, 'none');
          return;
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        await this.createAnswering(type, bare, 'none');
        return;
      }
      try {
        await this.createAnswering(type, bare, 'none');
        return;
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
      // A 404 here (deleted in between) fails this pass; the work queue's retry creates it.
      await this.replaceAnswering(type, bare, 'none');
    });
  }

  async delete(type: ResourceType, namespace: string, name: string): Promise<void> {
    this.countWrite(type.kind);
    try {
      await this.call(`delete ${type.kind} ${namespace}/${name}`, () => this.http.send('DELETE', objectPath(type, namespace, name), undefined, { answer: 'none' }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async replace(type: ResourceType, obj: KubeObject): Promise<KubeObject> {
    return (await this.replaceAnswering(type, obj, 'object'))!;
  }

  private replaceAnswering(type: ResourceType, obj: KubeObject, answer: Answer): Promise<KubeObject | undefined> {
    this.countWrite(type.kind);
    const path = `${objectPath(type, obj.metadata.namespace ?? '', obj.metadata.name)}?${new URLSearchParams({ fieldManager: FIELD_MANAGER })}`;
    return this.call(`replace ${type.kind} ${obj.metadata.namespace}/${obj.metadata.name}`, () =>
      this.http.send<KubeObject>('PUT', path, obj, { answer }));
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

  /** Runs one request with a timeout, its errors as KubeApiErrors that name the request. */
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
 * The HTTPS side: one keep-alive agent for every request (a fresh TCP and TLS handshake per call
 * was most of the operator's CPU at 2,000 monitors), and one more for watches, which hold their
 * connection for minutes and must not take the requests' sockets. Credentials are asked for per
 * request, so a rotated token is picked up.
 */
class Connection {
  private agents: Promise<{ requests: Agent; watches: Agent }> | undefined;

  /** `answerTimeoutMs`: how long a watch may wait for its response to begin (its events may then be minutes apart). */
  constructor(private readonly connection: ApiConnection, private readonly answerTimeoutMs: number) {}

  private async options(): Promise<{ requests: Agent; watches: Agent; headers: Record<string, string> }> {
    this.agents ??= this.connection.tls().then((tls) => ({
      requests: new Agent({ ...tls, keepAlive: true, maxSockets: 32 }),
      watches: new Agent({ ...tls, keepAlive: true }),
    }));
    const [agents, headers] = await Promise.all([this.agents, this.connection.headers()]);
    return { ...agents, headers };
  }

  /** GET a path as JSON; an error with the status and the server's answer otherwise (see httpError). */
  getJson<T>(path: string): Promise<T> {
    return this.send<T>('GET', path, undefined, { answer: 'object' }) as Promise<T>;
  }

  /**
   * One request with a JSON body (or none). With `answer: 'none'` the caller does not read the
   * answer, and it is drained unparsed. (Asking for its metadata alone, as=PartialObjectMetadata,
   * saved the API server no measurable CPU: 1.85 vs 1.80 ms per CronJob create, medians of 6.)
   */
  async send<T>(method: string, path: string, body: unknown, options: { answer: Answer; contentType?: string }): Promise<T | undefined> {
    const { requests: agent, headers } = await this.options();
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<T | undefined>((resolve, reject) => {
      const req = request(`${this.connection.server}${path}`, {
        method, agent,
        headers: { ...headers, accept: 'application/json', ...(payload !== undefined ? { 'content-type': options.contentType ?? 'application/json' } : {}) },
      }, (res) => {
        const status = res.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        res.on('error', reject);
        if (ok && options.answer === 'none') {
          res.on('end', () => resolve(undefined));
          res.resume();
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (!ok) {
            reject(httpError(status, text));
            return;
          }
          try {
            resolve(JSON.parse(text) as T);
          } catch (err) {
            reject(err);
          }
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  /**
   * A watch: one JSON event per line. The server is asked to end it after 5 to 10 minutes (as
   * client-go does), since a connection that died without a FIN would leave the cache stale
   * forever; bookmarks keep the version to resume from fresh. TCP keep-alive notices a dead peer
   * in between.
   */
  async watch(path: string, query: { resourceVersion: string; labelSelector?: string }, onEvent: WatchEventHandler, done: (err?: unknown) => void): Promise<WatchHandle> {
    const { watches: agent, headers } = await this.options();
    const params = new URLSearchParams({ watch: 'true', allowWatchBookmarks: 'true', timeoutSeconds: String(300 + Math.floor(Math.random() * 300)) });
    if (query.resourceVersion !== '') params.set('resourceVersion', query.resourceVersion);
    if (query.labelSelector !== undefined) params.set('labelSelector', query.labelSelector);
    let finished = false;
    const finish = (err?: unknown): void => {
      if (finished) return;
      finished = true;
      done(err);
    };
    return new Promise<WatchHandle>((resolve) => {
      const req = request(`${this.connection.server}${path}?${params}`, { method: 'GET', agent, headers: { ...headers, accept: 'application/json' } }, (res) => {
        clearTimeout(unanswered);
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => finish(toKubeError(`watch ${path}`, httpError(status, text))));
          res.on('error', finish);
          resolve(handle);
          return;
        }
        res.socket.setKeepAlive(true, 30_000);
        let rest = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const lines = (rest + chunk).split('\n');
          rest = lines.pop() ?? '';
          for (const line of lines) {
            if (line.trim() === '') continue;
            let event: { type?: string; object?: KubeObject & { code?: number } };
            try {
              event = JSON.parse(line) as typeof event;
            } catch {
              finish(new Error(`watch ${path}: a line that is not JSON: ${line.slice(0, 200)}`));
              req.destroy();
              return;
            }
            if (event.type !== undefined && event.object !== undefined) onEvent(event.type, event.object);
          }
        });
        res.on('end', () => finish());
        res.on('error', finish);
        res.on('close', () => finish());
        resolve(handle);
      });
      const handle: WatchHandle = {
        abort: () => {
          finished = true;
          clearTimeout(unanswered);
          req.destroy();
        },
      };
      // A server that takes the connection and never answers must not hold start() forever.
      const unanswered = setTimeout(() => req.destroy(new Error(`watch ${path}: no answer within ${this.answerTimeoutMs} ms`)), this.answerTimeoutMs);
      req.on('error', (err) => {
        clearTimeout(unanswered);
        finish(err);
        resolve(handle);
      });
      req.end();
    });
  }
}

/** Whether a write's answer is read ('object') or only awaited ('none'). */
type Answer = 'object' | 'none';

/**
 * An unsuccessful answer in the shape of client-node's ApiException (a numeric code and the
 * body), so that toKubeError (errors.ts) reads the server's message out of it for every client.
 */
function httpError(status: number, body: string): Error {
  return Object.assign(new Error(`HTTP ${status}`), { code: status, body: body || `HTTP ${status}` });
}
