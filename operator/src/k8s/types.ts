/**
 * The Kubernetes object shapes the operator reads and writes, kept minimal: the controller and
 * the builders see plain JSON objects, never client-node classes, so they stay pure and testable.
 */
import type { ObjectMeta } from '../api/types.js';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeMeta extends ObjectMeta {
  ownerReferences?: OwnerReference[];
  managedFields?: unknown[];
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeMeta;
  [field: string]: unknown;
}

/** What the adapter needs to address a resource type. */
export interface ResourceType {
  apiVersion: string;
  kind: string;
  /** The plural in the URL path. */
  plural: string;
  namespaced: boolean;
}

export const MODEL_MONITOR: ResourceType = { apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', plural: 'modelmonitors', namespaced: true };
export const CRON_JOB: ResourceType = { apiVersion: 'batch/v1', kind: 'CronJob', plural: 'cronjobs', namespaced: true };
export const SERVICE_ACCOUNT: ResourceType = { apiVersion: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true };
export const ROLE: ResourceType = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', plural: 'roles', namespaced: true };
export const ROLE_BINDING: ResourceType = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', plural: 'rolebindings', namespaced: true };
export const SECRET: ResourceType = { apiVersion: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true };
export const LEASE: ResourceType = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', plural: 'leases', namespaced: true };
export const EVENT: ResourceType = { apiVersion: 'v1', kind: 'Event', plural: 'events', namespaced: true };

/** The URL path of a collection (namespace undefined: across all namespaces). */
export function collectionPath(type: ResourceType, namespace?: string): string {
  const base = type.apiVersion.includes('/') ? `/apis/${type.apiVersion}` : `/api/${type.apiVersion}`;
  return namespace !== undefined && type.namespaced
    ? `${base}/namespaces/${encodeURIComponent(namespace)}/${type.plural}`
    : `${base}/${type.plural}`;
}

export function objectPath(type: ResourceType, namespace: string, name: string): string {
  return `${collectionPath(type, namespace)}/${encodeURIComponent(name)}`;
}

/** The `namespace/name` key of an object, the unit of work of the controller. */
export function keyOf(obj: { metadata: { namespace?: string; name: string } }): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
