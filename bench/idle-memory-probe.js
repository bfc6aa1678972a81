// Preloaded (--import) into the servers the idle-memory bench spawns, never into a normal build: over the IPC
// channel it answers `memory` with process.memoryUsage() after two full GCs (--expose-gc) and `snapshot` by
// writing a heap snapshot (writeHeapSnapshot) to the path given.
import { writeHeapSnapshot } from 'node:v8';

if (process.send) {
  process.channel.unref();
  process.on('message', (request) => {
    if (request.type === 'memory') {
      globalThis.gc?.();
      globalThis.gc?.();
      process.send({ id: request.id, memory: process.memoryUsage() });
    } else if (request.type === 'snapshot') {
      globalThis.gc?.();
      process.send({ id: request.id, path: writeHeapSnapshot(request.path) });
    }
  });
}
