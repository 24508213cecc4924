// The one AsyncLocalStorage of the library: its store is the running Task. It is
// what lets sleep(), queue.get() and friends find the task they block, after any
// number of awaits, including awaits on foreign promises.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Task } from '../tasks.js';

/** @internal */
export const taskStorage = new AsyncLocalStorage<Task<unknown>>();
