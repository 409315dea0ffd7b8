import { parentPort, workerData } from 'node:worker_threads';
import { type RegisterJob, answerOf } from './registers.js';

/** The worker thread of `registersInWorker` (export.ts), started through bin/ts-worker.js: makes the register's files and answers once. */
parentPort?.postMessage(await answerOf((workerData as { job: RegisterJob }).job));
