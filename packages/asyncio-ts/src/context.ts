/**
 * Context variables: values that follow tasks (asyncio's `contextvars`).
 *
 * @module
 */
import { inspect } from 'node:util';
import { InvalidStateError } from './errors.js';
import { taskStorage } from './_internal/current.js';
import { rootContext, type ContextMap, type Task } from './tasks.js';

const MISSING: unique symbol = Symbol('missing');

/** What `ContextVar.set` returns: hand it to `reset` to restore the previous value. */
export class Token<T> {
  /** The variable this token belongs to. */
  readonly var: ContextVar<T>;
  /** @internal */ readonly _old: T | typeof MISSING;
  /** @internal the task (or the root context) it was made in */
  readonly _owner: object;
  /** @internal */ _used = false;
  /** @internal */
  constructor(v: ContextVar<T>, old: T | typeof MISSING, owner: object) {
    this.var = v;
    this._old = old;
    this._owner = owner;
  }
  /** The value before `set`, or `Token.MISSING`. */
  get oldValue(): T | typeof MISSING {
    return this._old;
  }
  /** Marks "there was no value" in `oldValue`. */
  static readonly MISSING: typeof MISSING = MISSING;
}

/** The context the caller is in: its task, or the root (outside any task). */
function currentOwner(): Task<unknown> | typeof rootContext {
  return taskStorage.getStore() ?? rootContext;
}

function currentMap(write: boolean): ContextMap {
  const task = taskStorage.getStore();
  if (task === undefined) {
    if (write && !rootContext.own) {
      rootContext.map = new Map(rootContext.map);
      rootContext.own = true;
    }
    return rootContext.map;
  }
  if (write && !task._ownContext) {
    task._context = new Map(task._context);
    task._ownContext = true;
  }
  return task._context;
}

/**
 * A variable whose value depends on the task that reads it. A new task starts with a
 * copy of its creator's values; a task's `set` is never seen by its parent or
 * siblings.
 *
 * @example
 * ```ts
 * const requestId = new ContextVar<string>('requestId', { default: '-' });
 * requestId.set('r-42');
 * createTask(async () => log(requestId.get())); // 'r-42'
 * ```
 */
export class ContextVar<T> {
  /** The variable's name (for diagnostics). */
  readonly name: string;
  readonly #default: T | typeof MISSING;

  constructor(name: string, opts?: { default?: T }) {
    if (typeof name !== 'string') throw new TypeError('ContextVar needs a name (a string)');
    this.name = name;
    this.#default = opts !== undefined && 'default' in opts ? (opts.default as T) : MISSING;
  }

  /**
   * The value in the current task (or outside any task, the root value).
   *
   * @throws {InvalidStateError} when it has no value and no default
   */
  get(): T;
  /** The value, or `fallback` when it has none. */
  get<D>(fallback: D): T | D;
  get<D>(...args: [D?]): T | D {
    const m = currentMap(false);
    if (m.has(this)) return m.get(this) as T;
    if (args.length > 0) return args[0] as D;
    if (this.#default !== MISSING) return this.#default;
    throw new InvalidStateError(`ContextVar '${this.name}' has no value and no default`);
  }

  /** Sets the value for the current task; returns a token for `reset`. */
  set(value: T): Token<T> {
    const m = currentMap(true);
    const old = m.has(this) ? (m.get(this) as T) : MISSING;
    m.set(this, value);
    return new Token(this, old, currentOwner());
  }

  /**
   * Restores the value from before `set(token)`.
   *
   * @throws {InvalidStateError} when the token was used already, belongs to another
   *   variable, or was made in another task's context
   */
  reset(token: Token<T>): void {
    if (!(token instanceof Token)) throw new TypeError('reset() needs a Token returned by set()');
    if (token._used)
      throw new InvalidStateError(`this Token of ContextVar '${this.name}' was already used`);
    if (token.var !== this) {
      throw new InvalidStateError(
        `the Token belongs to ContextVar '${token.var.name}', not '${this.name}'`,
      );
    }
    if (token._owner !== currentOwner()) {
      throw new InvalidStateError(
        `the Token of ContextVar '${this.name}' was created in a different context`,
      );
    }
    const m = currentMap(true);
    token._used = true;
    if (token._old === MISSING) m.delete(this);
    else m.set(this, token._old);
  }

  toString(): string {
    return `<ContextVar '${this.name}'>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
