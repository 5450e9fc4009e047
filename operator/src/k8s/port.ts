/**
 * The narrow port between the controller and the API server: exactly the calls the controller
 * makes, in plain JSON. k8s/client.ts implements it with @kubernetes/client-node; unit tests
 * implement it in memory. The operator's objects are created and replaced whole (a replace drops
 * fields other clients added), the status is written by server-side apply with the operator's
 * field manager, Events are created and the Lease is replaced optimistically.
 */
import type { KubeObject, ResourceType } from './types.js';

/** A read-only view of an informer's cache. */
export interface ObjectStore<T extends KubeObject = KubeObject> {
  get(namespace: string, name: string): T | undefined;
  list(): T[];
}

export interface InformerHandlers<T extends KubeObject = KubeObject> {
  /** Added or changed (also for every object of a re-list). */
  upsert?(obj: T): void;
  delete?(obj: T): void;
}

export interface Informer<T extends KubeObject = KubeObject> extends ObjectStore<T> {
  /** Starts listing and watching; resolves once the first list is in the cache. Restarts itself after errors. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** True once every underlying list has completed. */
  synced(): boolean;
}

export interface InformerOptions {
  /** Namespaces to watch; empty means all namespaces. */
  namespaces: readonly string[];
  labelSelector?: string;
  /**
   * What the cache keeps of each listed or watched object (default: all of it but
   * `metadata.managedFields`, which only the API server's field ownership needs).
   */
  transform?: (obj: KubeObject) => KubeObject;
}

/** An object without its managed fields (the default transform of informers). */
export function withoutManagedFields(obj: KubeObject): KubeObject {
  if (obj.metadata?.managedFields === undefined) return obj;
  const { managedFields: _fields, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/** Counts of requests the port made, by kind (the benchmark reports them per monitor). */
export interface RequestStats {
  reads: number;
  lists: number;
  watches: number;
  /** Writes to anything but the leader Lease. */
  writes: number;
  leaseWrites: number;
  /** Writes by resource kind (e.g. CronJob, ModelMonitor/status, Event). */
  writesByKind: Record<string, number>;
}

export interface KubePort {
  informer<T extends KubeObject>(type: ResourceType, options: InformerOptions, handlers: InformerHandlers<T>): Informer<T>;
  /** One object, or undefined when it does not exist. */
  get<T extends KubeObject>(type: ResourceType, namespace: string, name: string): Promise<T | undefined>;
  /** Server-side apply (force) to the status subresource; `obj` carries only the fields we own. */
  applyStatus(type: ResourceType, obj: KubeObject): Promise<void>;
  /** Create; a KubeApiError with status 409 when the name exists. */
  create(type: ResourceType, obj: KubeObject): Promise<KubeObject>;
  /**
   * Create, or replace the whole object unconditionally when it exists: fields other clients set
   * are gone afterwards. `exists` says which to try first (the cache's view), so the usual case
   * is one request; the other is the fallback on 409 (create) or 404 (replace).
   */
  createOrReplace(type: ResourceType, obj: KubeObject, options?: { exists?: boolean }): Promise<void>;
  /** Delete; an object already gone is not an error. */
  delete(type: ResourceType, namespace: string, name: string): Promise<void>;
  /** Replace with optimistic locking on metadata.resourceVersion (409 when it moved on). */
  replace(type: ResourceType, obj: KubeObject): Promise<KubeObject>;
  stats(): RequestStats;
}

export function emptyStats(): RequestStats {
  return { reads: 0, lists: 0, watches: 0, writes: 0, leaseWrites: 0, writesByKind: {} };
}
