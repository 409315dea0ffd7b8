// A worker thread's entry. Node 20 gives a worker none of the main thread's module hooks,
// so TypeScript modules need the loader registered again (as bin/tanu.js does) before the
// module `workerData.module` names is imported.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
