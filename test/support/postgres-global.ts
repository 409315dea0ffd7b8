import type { TestProject } from 'vitest/node';
import { startCluster } from '../../bench/postgres-cluster.js';

/** Vitest global setup of the `postgres` project: one cluster per run, only when its tests run. */
export default function setup(project: TestProject) {
  const cluster = startCluster();
  project.provide('postgres', cluster.info);
  return cluster.stop;
}
