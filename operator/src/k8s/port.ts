/**
 * The narrow port between the controller and the API server: exactly the calls the controller
 * makes, in plain JSON. k8s/client.ts implements it with @kubernetes/client-node; unit tests
 * implement it in memory. Every write is server-side apply with the operator's field manager,
 * except Events and the Lease (create / optimistic replace).
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
  /** Server-side apply (force) of a whole object we own; creates it when absent. */
  apply(obj: KubeObject): Promise<KubeObject>;
  /** Server-side apply (force) to the status subresource; `obj` carries only the fields we own. */
  applyStatus(type: ResourceType, obj: KubeObject): Promise<KubeObject>;
  /** Create; a KubeApiError with status 409 when the name exists. */
  create(type: ResourceType, obj: KubeObject): Promise<KubeObject>;
  /**
   * Create, or replace unconditionally when it exists. For Secrets: unlike a patch, neither call
   * answers with data the caller did not send, so the operator needs no right that reads Secrets.
   */
  createOrReplace(type: ResourceType, obj: KubeObject): Promise<KubeObject>;
  /** Replace with optimistic locking on metadata.resourceVersion (409 when it moved on). */
  replace(type: ResourceType, obj: KubeObject): Promise<KubeObject>;
  stats(): RequestStats;
}

export function emptyStats(): RequestStats {
  return { reads: 0, lists: 0, watches: 0, writes: 0, leaseWrites: 0, writesByKind: {} };
}
