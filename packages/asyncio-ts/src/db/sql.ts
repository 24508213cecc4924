/**
 * SQL as tagged templates: values become parameters in each dialect's placeholder
 * style (`$1` for PostgreSQL, `?` for MySQL and SQLite) and are never spliced into
 * the SQL text; identifiers go through {@link identifier}; fragments compose.
 *
 * @example
 * ```ts
 * const where = sql`status = ${status} AND created_at > ${since}`;
 * const q = sql`SELECT * FROM ${identifier('orders')} WHERE ${where} ORDER BY id`;
 * // PostgreSQL: SELECT * FROM "orders" WHERE status = $1 AND created_at > $2 ORDER BY id
 * ```
 *
 * @module
 */
import { inspect } from 'node:util';
import type { Dialect } from './driver.js';

const IDENT = Symbol('identifier');

/** A quoted identifier (table, column, schema name), made by {@link identifier}. */
export interface Identifier {
  readonly [IDENT]: readonly string[];
}

type Part = string | Identifier | { readonly value: unknown };

/**
 * A piece of SQL with its parameters, made by the {@link sql} tag. Put a fragment
 * inside another `sql` template to compose them.
 */
export class Sql {
  #parts: readonly Part[] | null;
  /**
   * @internal A template whose values are all plain (no fragment, no identifier):
   * its strings and values, kept as they came so that compiling it takes the text
   * cached for its call site (see {@link compile}). Null for other fragments.
   */
  readonly _template: { strings: TemplateStringsArray; values: unknown[] } | null;

  /** @internal */
  constructor(
    parts: readonly Part[] | null,
    template: { strings: TemplateStringsArray; values: unknown[] } | null = null,
  ) {
    this.#parts = parts;
    this._template = template;
  }

  /** @internal text, identifiers and parameters, in order */
  get _parts(): readonly Part[] {
    if (this.#parts === null) {
      const { strings, values } = this._template!;
      const parts: Part[] = [];
      for (let i = 0; i < strings.length; i++) {
        if (strings[i] !== '') parts.push(strings[i]!);
        if (i < values.length) parts.push({ value: values[i] });
      }
      this.#parts = parts;
    }
    return this.#parts;
  }

  /** The parameter values, in order. */
  get values(): unknown[] {
    const out: unknown[] = [];
    for (const p of this._parts) if (typeof p === 'object' && 'value' in p) out.push(p.value);
    return out;
  }

  /** The statement as a dialect would receive it: `{ text, values }`. */
  compile(dialect: Dialect): CompiledSql {
    return compile(this, dialect);
  }

  /** The PostgreSQL form, for logs (`<Sql SELECT ... $1>`). */
  toString(): string {
    return `<Sql ${compile(this, 'postgres').text}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** A statement ready for a driver. */
export interface CompiledSql {
  readonly text: string;
  readonly values: unknown[];
}

function isIdentifier(v: unknown): v is Identifier {
  return typeof v === 'object' && v !== null && IDENT in v;
}

/** True when no value is a fragment or an identifier (all become parameters). */
function isPlain(values: readonly unknown[]): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'object' && v !== null && (v instanceof Sql || IDENT in v)) return false;
  }
  return true;
}

/**
 * The SQL tag: `` sql`SELECT * FROM t WHERE id = ${id}` ``. Each `${value}` becomes
 * a parameter; a `${fragment}` made by `sql`, {@link identifier} or {@link join} is
 * inserted as SQL.
 *
 * @example
 * ```ts
 * const byEmail = (email: string) => sql`email = ${email}`;
 * await db.query(sql`SELECT id FROM users WHERE ${byEmail("o'brien@example.com")}`);
 * ```
 */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  if (isPlain(values)) return new Sql(null, { strings, values });
  const parts: Part[] = [];
  for (let i = 0; i < strings.length; i++) {
    const s = strings[i]!;
    if (s !== '') parts.push(s);
    if (i < values.length) pushValue(parts, values[i]);
  }
  return new Sql(parts);
}

function pushValue(parts: Part[], v: unknown): void {
  if (v instanceof Sql) for (const p of v._parts) parts.push(p);
  else if (isIdentifier(v)) parts.push(v);
  else parts.push({ value: v });
}

/**
 * A quoted identifier: `identifier('users')`, or qualified:
 * `identifier('app', 'users')` (`"app"."users"`). Quotes inside a name are
 * doubled, so any string is safe.
 *
 * @throws {TypeError} for an empty name or one containing a NUL character
 */
export function identifier(...names: string[]): Identifier {
  if (names.length === 0) throw new TypeError('identifier() needs at least one name');
  for (const n of names) {
    if (typeof n !== 'string' || n === '' || n.includes('\0')) {
      throw new TypeError(
        `an identifier must be a non-empty string without NUL, got ${inspect(n)}`,
      );
    }
  }
  return { [IDENT]: names };
}

/**
 * Joins fragments (or values, which become parameters) with a separator fragment
 * (default `, `): `sql`WHERE id IN (${join(ids)})``.
 */
export function join(items: readonly unknown[], separator: Sql = COMMA): Sql {
  const parts: Part[] = [];
  for (let i = 0; i < items.length; i++) {
    if (i > 0) for (const p of separator._parts) parts.push(p);
    pushValue(parts, items[i]);
  }
  return new Sql(parts);
}

const COMMA = new Sql([', ']);

/**
 * The rows of a multi-row `VALUES` list: `(a, b), (c, d)`, every cell a parameter
 * (a cell may also be a fragment). Every row must have the same number of cells.
 *
 * @example
 * ```ts
 * const rows = users.map((u) => [u.id, u.name]);
 * await db.execute`INSERT INTO users (id, name) VALUES ${values(rows)}`;
 * ```
 *
 * @throws {TypeError} when there is no row, a row is empty, or rows differ in length
 */
export function values(rows: readonly (readonly unknown[])[]): Sql {
  if (rows.length === 0) throw new TypeError('values() needs at least one row');
  const width = rows[0]!.length;
  const parts: Part[] = [];
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    if (row.length !== width || width === 0) {
      throw new TypeError(
        width === 0
          ? 'values(): a row needs at least one value'
          : `values(): row ${r} has ${row.length} values where row 0 has ${width}`,
      );
    }
    parts.push(r === 0 ? '(' : '), (');
    for (let c = 0; c < width; c++) {
      if (c > 0) parts.push(', ');
      pushValue(parts, row[c]);
    }
  }
  parts.push(')');
  return new Sql(parts);
}

/** @internal SQL text the library itself writes (keywords, never user input). */
export function trusted(text: string): Sql {
  return new Sql([text]);
}

function quote(name: string, dialect: Dialect): string {
  return dialect === 'mysql'
    ? '`' + name.replaceAll('`', '``') + '`'
    : '"' + name.replaceAll('"', '""') + '"';
}

/** @internal */
export function compile(q: Sql, dialect: Dialect): CompiledSql {
  const t = q._template;
  if (t !== null) return { text: templateText(t.strings, dialect), values: t.values };
  let text = '';
  const values: unknown[] = [];
  for (const p of q._parts) {
    if (typeof p === 'string') text += p;
    else if (isIdentifier(p)) text += p[IDENT].map((n) => quote(n, dialect)).join('.');
    else {
      values.push(p.value);
      text += dialect === 'postgres' ? `$${values.length}` : '?';
    }
  }
  return { text, values };
}

// The text of a tagged template whose values are all plain values depends only on
// its strings (one frozen array per call site) and the dialect: cache it.
const textCache: Record<Dialect, WeakMap<TemplateStringsArray, string>> = {
  postgres: new WeakMap(),
  mysql: new WeakMap(),
  sqlite: new WeakMap(),
};

/** @internal Compiles a tagged-template call directly, with the text cached per call site. */
export function compileTemplate(
  strings: TemplateStringsArray,
  values: readonly unknown[],
  dialect: Dialect,
): CompiledSql {
  if (!isPlain(values)) return compile(sql(strings, ...values), dialect);
  return { text: templateText(strings, dialect), values: values as unknown[] };
}

/** The text of a template of plain values, cached per call site and dialect. */
function templateText(strings: TemplateStringsArray, dialect: Dialect): string {
  const cache = textCache[dialect];
  let text = cache.get(strings);
  if (text === undefined) {
    text = strings[0]!;
    for (let i = 1; i < strings.length; i++)
      text += (dialect === 'postgres' ? `$${i}` : '?') + strings[i]!;
    cache.set(strings, text);
  }
  return text;
}

/** @internal Builds a `Sql` from a tagged-template call or passes a `Sql` through. */
export function toSql(first: TemplateStringsArray | Sql, rest: readonly unknown[]): Sql {
  if (first instanceof Sql) return first;
  if (Array.isArray(first) && 'raw' in first) return sql(first, ...rest);
  throw new TypeError(
    'queries are tagged templates (db.query`SELECT ...`) or sql`...` fragments; plain strings are refused so that values are never spliced into SQL',
  );
}
