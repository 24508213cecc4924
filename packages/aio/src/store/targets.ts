/**
 * What an output target names, without loading a driver: `aio fetch -o` loads the
 * SQL store (and `asyncio-ts/db`) only for an SQL target.
 *
 * @module
 */
import { UsageError } from '../command.js';

/**
 * Turns `postgres://...?schema=name` into a URL whose connections use that schema
 * (through the `options` startup parameter) and returns the schema.
 */
export function postgresTarget(url: string): { url: string; schema: string | null } {
  const u = new URL(url);
  const schema = u.searchParams.get('schema');
  if (schema === null) return { url, schema: null };
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(schema)) {
    throw new UsageError(
      `invalid schema name '${schema}' in the database URL: letters, digits and _ only`,
    );
  }
  u.searchParams.delete('schema');
  u.searchParams.set('options', `-c search_path=${schema}`);
  return { url: u.toString(), schema };
}

/** True when `target` names an SQL store (a `.sqlite`/`.db` file or a postgres URL). */
export function isSqlTarget(target: string): boolean {
  return (
    /^postgres(ql)?:\/\//i.test(target) ||
    /\.(sqlite3?|db)$/i.test(target) ||
    target.startsWith('sqlite:')
  );
}
