/**
 * A flow worker of the large lane (FlowWorkers): the same work as worker.ts, at a lower CPU priority
 * (src/thread-priority.ts), so that a 30 Mo flow's seconds of reading take the CPU the small flows leave.
 */
import { lowerThreadPriority } from '../../thread-priority.ts';

lowerThreadPriority();
// Loaded once the priority is lowered: loading the worker's modules is work of the large flow too.
await import(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js');
