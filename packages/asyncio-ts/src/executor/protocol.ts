// The messages between a pool and its workers (one job at a time per worker).
import type { SerializedError } from './errors.js';

/** @internal A function exported by a module, by URL and name. */
export const MODULE = 0;
/** @internal A self-contained function sent as source text. */
export const SOURCE = 1;

/** @internal pool -> worker */
export interface JobMessage {
  id: number;
  kind: typeof MODULE | typeof SOURCE;
  /** the module URL, or the function's source */
  target: string;
  /** the export's name (MODULE) */
  name: string;
  args: unknown[];
}

/** @internal worker -> pool */
export interface ResultMessage {
  id: number;
  ok: boolean;
  value: unknown;
  error: SerializedError | undefined;
}

/** @internal What a worker gets at start. */
export interface WorkerInit {
  /** An Int32Array(1) over it is the abort flag of the running job. */
  flag: SharedArrayBuffer;
}
