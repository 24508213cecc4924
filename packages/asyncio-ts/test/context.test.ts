// Tests of src/context.ts: ContextVar and Token (asyncio's contextvars).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ContextVar,
  InvalidStateError,
  Token,
  createTask,
  gather,
  run,
  sleep,
  type Task,
} from '../src/index.js';
import { VirtualClock } from '../src/testing/index.js';

const vrun = <T>(main: () => Promise<T> | T): Promise<T> =>
  run(main, { clock: new VirtualClock() });

function isInvalidState(re: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof InvalidStateError, `expected InvalidStateError, got ${String(e)}`);
    assert.equal(e.name, 'InvalidStateError');
    assert.match(e.message, re);
    return true;
  };
}

describe('ContextVar', () => {
  it('values are copied into a task when it is created', async () => {
    const v = new ContextVar<string>('request');
    await vrun(async () => {
      v.set('parent-1');
      const child = createTask(async () => {
        const first = v.get();
        await sleep(10);
        return [first, v.get()];
      });
      // The parent changes its value after the child was created (the child has
      // not started yet): the child keeps the copy taken at creation.
      v.set('parent-2');
      assert.deepEqual(await child, ['parent-1', 'parent-1']);
      assert.equal(v.get(), 'parent-2');
    });
  });

  it('a task created before any set in its parent keeps seeing the parent values of that moment', async () => {
    const v = new ContextVar<number>('n', { default: 0 });
    await vrun(async () => {
      const child = createTask(async () => {
        await sleep(10);
        return v.get();
      });
      v.set(5);
      assert.equal(await child, 0);
      assert.equal(v.get(), 5);
    });
  });

  it('a grandchild gets the values of its creator (the child), not of main', async () => {
    const v = new ContextVar<string>('who', { default: 'none' });
    await vrun(async () => {
      v.set('main');
      const child = createTask(() => {
        assert.equal(v.get(), 'main');
        v.set('child');
        const grandchild = createTask(async () => {
          await sleep(5);
          return v.get();
        });
        v.set('child-later');
        return { grandchild }; // wrapped: an async function would adopt a returned task
      });
      const { grandchild } = await child;
      assert.equal(await grandchild, 'child');
      assert.equal(v.get(), 'main');
    });
  });

  it("a task's set never leaks to its parent or siblings", async () => {
    const v = new ContextVar<string>('v', { default: 'root' });
    await vrun(async () => {
      v.set('main');
      const seen: string[] = [];
      const a = createTask(async () => {
        v.set('a');
        await sleep(10);
        seen.push(`a:${v.get()}`);
      });
      const b = createTask(async () => {
        await sleep(5);
        seen.push(`b:${v.get()}`); // a already set its value at time 0
        v.set('b');
        await sleep(10);
        seen.push(`b:${v.get()}`);
      });
      await gather([a, b]);
      assert.deepEqual(seen, ['b:main', 'a:a', 'b:b']);
      assert.equal(v.get(), 'main');
    });
  });

  it('a task created outside any task gets a copy of the values of that moment', async () => {
    const v = new ContextVar<string>('top-level', { default: 'none' });
    const tok = v.set('before');
    try {
      const t = createTask(async () => {
        await sleep(0);
        return v.get();
      });
      v.set('after');
      assert.equal(await t, 'before');
    } finally {
      v.reset(tok);
    }
    assert.equal(v.get(), 'none');
  });

  it('main gets a copy of the values set before run()', async () => {
    const v = new ContextVar<string>('before-run', { default: 'none' });
    const tok = v.set('outside');
    try {
      await vrun(() => {
        assert.equal(v.get(), 'outside');
        v.set('inside main');
      });
      assert.equal(v.get(), 'outside');
    } finally {
      v.reset(tok);
    }
  });

  it('default: get() returns the default when no value was set', async () => {
    const v = new ContextVar<number>('withDefault', { default: 7 });
    await vrun(async () => {
      assert.equal(v.get(), 7);
      assert.equal(await createTask(() => v.get()), 7);
      v.set(8);
      assert.equal(v.get(), 8);
    });
    // An explicit undefined default is a default too.
    const u = new ContextVar<number | undefined>('undefinedDefault', { default: undefined });
    assert.equal(u.get(), undefined);
  });

  it('get(fallback) returns the fallback when there is no value (even with a default), the value otherwise', async () => {
    const plain = new ContextVar<number>('plain');
    const withDefault = new ContextVar<number>('withDefault2', { default: 1 });
    await vrun(() => {
      assert.equal(plain.get(42), 42);
      assert.equal(plain.get(null), null);
      assert.equal(withDefault.get(2), 2);
      plain.set(3);
      withDefault.set(4);
      assert.equal(plain.get(42), 3);
      assert.equal(withDefault.get(2), 4);
    });
  });

  it('get() with no value and no default throws InvalidStateError naming the variable', async () => {
    const v = new ContextVar<number>('lonely');
    await vrun(async () => {
      assert.throws(() => v.get(), isInvalidState(/'lonely'.*no value and no default/));
      await assert.rejects(
        async () => {
          await createTask(() => v.get());
        },
        isInvalidState(/lonely/),
      );
    });
    assert.throws(() => v.get(), isInvalidState(/lonely/));
  });

  it('reset restores the previous value, or no value at all', async () => {
    const v = new ContextVar<string>('r');
    const d = new ContextVar<string>('rd', { default: 'dflt' });
    await vrun(() => {
      const t1 = v.set('one');
      assert.equal(t1.oldValue, Token.MISSING);
      assert.equal(t1.var, v);
      const t2 = v.set('two');
      assert.equal(t2.oldValue, 'one');
      assert.equal(v.get(), 'two');
      v.reset(t2);
      assert.equal(v.get(), 'one');
      v.reset(t1);
      assert.throws(() => v.get(), InvalidStateError);
      assert.equal(v.get('fb'), 'fb');

      const td = d.set('x');
      d.reset(td);
      assert.equal(d.get(), 'dflt');
    });
  });

  it('reset inside a task restores only that task', async () => {
    const v = new ContextVar<string>('scoped', { default: 'root' });
    await vrun(async () => {
      v.set('main');
      await createTask(async () => {
        const tok = v.set('child');
        await sleep(1);
        v.reset(tok);
        assert.equal(v.get(), 'main');
      });
      assert.equal(v.get(), 'main');
    });
  });

  it('reusing a token throws InvalidStateError', async () => {
    const v = new ContextVar<number>('once');
    await vrun(() => {
      const tok = v.set(1);
      v.reset(tok);
      assert.throws(() => v.reset(tok), isInvalidState(/already used/));
    });
  });

  it('a token of another var throws InvalidStateError (and changes nothing)', async () => {
    const a = new ContextVar<number>('a');
    const b = new ContextVar<number>('b');
    await vrun(() => {
      const ta = a.set(1);
      b.set(2);
      assert.throws(() => b.reset(ta), isInvalidState(/'a'.*'b'/));
      assert.equal(a.get(), 1);
      assert.equal(b.get(), 2);
      a.reset(ta); // still usable with its own variable
      assert.throws(() => a.get(), InvalidStateError);
    });
  });

  it("a token from a child task's context throws InvalidStateError in the parent", async () => {
    const v = new ContextVar<string>('foreign', { default: 'root' });
    await vrun(async () => {
      v.set('main');
      const tok = await createTask(() => v.set('child'));
      assert.throws(() => v.reset(tok), isInvalidState(/different context/));
      assert.equal(v.get(), 'main');
    });
  });

  it("a token from the parent's context throws InvalidStateError in a child", async () => {
    const v = new ContextVar<string>('foreign2', { default: 'root' });
    await vrun(async () => {
      v.set('main-1');
      const tok = v.set('main-2');
      const child: Task<unknown> = createTask(() => {
        assert.equal(v.get(), 'main-2');
        assert.throws(() => v.reset(tok), isInvalidState(/different context/));
        return v.get();
      });
      assert.equal(await child, 'main-2');
      // The parent's value was not touched by the child's failed reset.
      assert.equal(v.get(), 'main-2');
      v.reset(tok);
      assert.equal(v.get(), 'main-1');
    });
  });

  it("a token from a sibling task's context throws InvalidStateError", async () => {
    const v = new ContextVar<string>('sibling', { default: 'root' });
    await vrun(async () => {
      const tok = await createTask(() => v.set('a'));
      await createTask(() => {
        v.set('b');
        assert.throws(() => v.reset(tok), isInvalidState(/different context/));
        assert.equal(v.get(), 'b');
      });
    });
  });

  it('reset needs a Token (TypeError otherwise); toString names the variable', () => {
    const v = new ContextVar<number>('typed');
    assert.throws(() => v.reset({} as Token<number>), TypeError);
    assert.equal(String(v), "<ContextVar 'typed'>");
    assert.equal(v.name, 'typed');
  });
});
