// The messages between a SQLite client (event-loop thread) and its worker thread.

/** @internal What the worker is started with. */
export interface SqliteInit {
  path: string;
  wal: boolean;
  busyTimeoutMs: number;
}

/** @internal A request to the worker; `id` pairs it with its reply. */
export type SqliteRequest =
  | { op: 'run'; id: number; sql: string; values: unknown[] }
  | { op: 'open'; id: number; sql: string; values: unknown[]; cursor: number }
  | { op: 'next'; id: number; cursor: number; batchSize: number }
  | { op: 'close'; id: number; cursor: number }
  | { op: 'shutdown'; id: number };

/** @internal A reply (or the `ready` / `failed` report after start-up). */
export type SqliteReply =
  | {
      id: number;
      ok: true;
      rows: Record<string, unknown>[];
      rowCount: number;
      lastInsertId: number | bigint | null;
    }
  | { id: number; ok: false; error: { message: string; code: string | undefined; name: string } };
