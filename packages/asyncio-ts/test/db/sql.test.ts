// src/db/sql.ts: tagged templates compile to parameterised statements in each
// dialect; identifiers are quoted; fragments compose; plain strings are refused.
// Also checks that src/db/index.ts exports exactly the documented names.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import * as db from '../../src/db/index.js';
import { identifier, join, sql, values } from '../../src/db/index.js';
import { HOSTILE } from './suite.js';

describe('sql', () => {
  it('values become placeholders in each dialect, never text', () => {
    for (const s of HOSTILE) {
      const q = sql`SELECT * FROM t WHERE a = ${s} AND b = ${1}`;
      assert.deepEqual(q.compile('postgres'), {
        text: 'SELECT * FROM t WHERE a = $1 AND b = $2',
        values: [s, 1],
      });
      assert.deepEqual(q.compile('mysql'), {
        text: 'SELECT * FROM t WHERE a = ? AND b = ?',
        values: [s, 1],
      });
      assert.deepEqual(q.compile('sqlite'), {
        text: 'SELECT * FROM t WHERE a = ? AND b = ?',
        values: [s, 1],
      });
    }
  });

  it('fragments compose and number their parameters in order', () => {
    const where = sql`x = ${'a'} AND ${sql`y IN (${join([1, 2, 3])})`}`;
    const q = sql`SELECT ${0} FROM t WHERE ${where} LIMIT ${5}`;
    assert.deepEqual(q.compile('postgres'), {
      text: 'SELECT $1 FROM t WHERE x = $2 AND y IN ($3, $4, $5) LIMIT $6',
      values: [0, 'a', 1, 2, 3, 5],
    });
    assert.deepEqual(q.values, [0, 'a', 1, 2, 3, 5]);
  });

  it('a template of plain values compiles from the text cached for its call site and still composes', () => {
    const row = (a: unknown, b: unknown): db.Sql => sql`(${a}, ${b})`;
    const one = row(1, 'x');
    const two = row(2, null);
    assert.deepEqual(one.compile('postgres'), { text: '($1, $2)', values: [1, 'x'] });
    assert.deepEqual(two.compile('sqlite'), { text: '(?, ?)', values: [2, null] });
    assert.deepEqual(two.compile('sqlite'), { text: '(?, ?)', values: [2, null] });
    assert.deepEqual(sql`VALUES ${one}, ${two}`.compile('postgres'), {
      text: 'VALUES ($1, $2), ($3, $4)',
      values: [1, 'x', 2, null],
    });
    assert.deepEqual(two.values, [2, null]);
    assert.equal(String(one), '<Sql ($1, $2)>');
    assert.deepEqual(sql`SELECT 1`.compile('mysql'), { text: 'SELECT 1', values: [] });
  });

  it('identifiers are quoted per dialect, with quotes doubled', () => {
    const q = sql`SELECT ${identifier('we"ird`name')} FROM ${identifier('s', 't')}`;
    assert.equal(q.compile('postgres').text, 'SELECT "we""ird`name" FROM "s"."t"');
    assert.equal(q.compile('mysql').text, 'SELECT `we"ird``name` FROM `s`.`t`');
    assert.throws(() => identifier(''), TypeError);
    assert.throws(() => identifier('a\0b'), TypeError);
  });

  it('join() takes a separator fragment; toString() and inspect show the PostgreSQL form', () => {
    const q = join([sql`a = ${1}`, sql`b = ${2}`], sql` OR `);
    assert.equal(q.compile('sqlite').text, 'a = ? OR b = ?');
    assert.equal(String(q), '<Sql a = $1 OR b = $2>');
    assert.equal(inspect(q), '<Sql a = $1 OR b = $2>');
  });

  it('values() makes a multi-row VALUES list of parameters, fragments kept as SQL', () => {
    const q = sql`INSERT INTO t (a, b) VALUES ${values([
      [1, HOSTILE[0]],
      [sql`now()`, null],
      [3, HOSTILE[1]],
    ])}`;
    assert.deepEqual(q.compile('postgres'), {
      text: 'INSERT INTO t (a, b) VALUES ($1, $2), (now(), $3), ($4, $5)',
      values: [1, HOSTILE[0], null, 3, HOSTILE[1]],
    });
    assert.equal(values([['x']]).compile('sqlite').text, '(?)');
    assert.throws(() => values([]), /at least one row/);
    assert.throws(() => values([[]]), /at least one value/);
    assert.throws(() => values([[1, 2], [3]]), /row 1 has 1 values where row 0 has 2/);
  });

  it('the entry point exports exactly the documented names', () => {
    assert.deepEqual(Object.keys(db).sort(), [
      'AcquireTimeoutError',
      'ConnectionLostError',
      'Database',
      'DatabaseError',
      'DeadlockError',
      'DriverMissingError',
      'ForeignKeyViolationError',
      'NoRowsError',
      'NotNullViolationError',
      'PoolClosedError',
      'QueryError',
      'Queryable',
      'RowStream',
      'Sql',
      'TooManyRowsError',
      'Transaction',
      'UniqueViolationError',
      'connect',
      'identifier',
      'join',
      'sql',
      'values',
    ]);
  });

  it('connect() refuses an unknown scheme and plain-string queries are refused', async () => {
    await assert.rejects(db.connect('oracle://x'), /unknown database URL scheme/);
    const conn = await db.connect('sqlite::memory:');
    try {
      await assert.rejects(
        conn.query('SELECT 1' as unknown as TemplateStringsArray),
        /plain strings are refused/,
      );
    } finally {
      await conn.close();
    }
  });
});
