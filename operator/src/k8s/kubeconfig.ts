/**
 * client-node's KubeConfig, for the commands that use client-node's typed APIs (the job's status
 * writes and workload reads, `train --feedback`). The operator does not: it connects through
 * connection.ts.
 */
import { KubeConfig } from '@kubernetes/client-node';

/** A KubeConfig from a kubeconfig file, or the in-cluster service account when none is given. */
export function loadKubeConfig(kubeconfig: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfig !== undefined) kc.loadFromFile(kubeconfig);
  else kc.loadFromCluster();
  return kc;
}
