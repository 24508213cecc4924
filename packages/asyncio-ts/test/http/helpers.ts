// Shared helpers of the HTTP tests: a test server and a session around a run(),
// and the checks every test makes on the way out (no dangling socket, no
// unhandled rejection).
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { getRunningLoop, run, type Clock, type EventLoop } from '../../src/index.js';
import { ClientSession, type ClientSessionOptions } from '../../src/http/index.js';
import {
  startTestServer,
  type TestServer,
  type TestServerOptions,
} from '../../src/testing/index.js';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (e) => unhandled.push(e));

/** Registers the end-of-file check: no unhandled rejection happened. */
export function checkNoUnhandledRejections(): void {
  after(() => {
    assert.deepEqual(unhandled, [], 'no unhandled rejection');
  });
}

export interface Scene {
  server: TestServer;
  session: ClientSession;
  loop: EventLoop;
}

export interface SceneOptions {
  session?: ClientSessionOptions;
  server?: TestServerOptions;
  clock?: Clock;
}

/**
 * Runs `fn` inside run() with a fresh test server and session; then closes the
 * session and checks that the server sees every connection closed.
 */
export async function scene(
  fn: (s: Scene) => Promise<void>,
  opts: SceneOptions = {},
): Promise<void> {
  const server = await startTestServer(opts.server);
  try {
    await run(
      async () => {
        const session = new ClientSession(opts.session);
        try {
          await fn({ server, session, loop: getRunningLoop() });
        } finally {
          await session.close();
        }
      },
      opts.clock !== undefined ? { clock: opts.clock } : {},
    );
    await server.waitForConnections(0, 3000);
  } finally {
    await server.close();
  }
}

/** Asserts `e` is an instance of `cls` with `code`; returns true for assert.rejects. */
export function isError(
  cls: abstract new (...args: never[]) => Error,
  code?: string,
): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    if (code !== undefined) assert.equal((e as { code?: string }).code, code);
    return true;
  };
}
