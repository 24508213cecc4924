// Tests of src/http/errors.ts: one hierarchy, a stable code per class, clear
// messages, and the errors a session raises for each kind of failure.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { AsyncioError, TimeoutError } from '../../src/index.js';
import {
  BodyTooLargeError,
  ConnectionError,
  HttpError,
  HttpTimeoutError,
  InvalidUrlError,
  RequestRefusedError,
  ResponseError,
  SessionClosedError,
  TooManyRedirectsError,
} from '../../src/http/index.js';
import { checkNoUnhandledRejections, isError, scene } from './helpers.js';

checkNoUnhandledRejections();

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('HTTP errors', () => {
  it('each class has its name and code, and sits in the hierarchy', () => {
    const cases: [Error, string, string][] = [
      [
        new ConnectionError(
          'GET',
          'http://x/',
          Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }),
        ),
        'ConnectionError',
        'ERR_HTTP_CONNECTION',
      ],
      [new InvalidUrlError('nope', 'it does not parse'), 'InvalidUrlError', 'ERR_INVALID_URL'],
      [
        new TooManyRedirectsError('GET', 'http://x/', [], 10),
        'TooManyRedirectsError',
        'ERR_TOO_MANY_REDIRECTS',
      ],
      [new BodyTooLargeError('GET', 'http://x/', 10), 'BodyTooLargeError', 'ERR_BODY_TOO_LARGE'],
      [new ResponseError('GET', 'http://x/', 'bad'), 'ResponseError', 'ERR_HTTP_RESPONSE'],
      [
        new RequestRefusedError('h', '10.0.0.1', 'private'),
        'RequestRefusedError',
        'ERR_REQUEST_REFUSED',
      ],
      [new SessionClosedError(), 'SessionClosedError', 'ERR_SESSION_CLOSED'],
    ];
    for (const [e, name, code] of cases) {
      assert.ok(e instanceof HttpError && e instanceof AsyncioError, name);
      assert.equal(e.name, name);
      assert.equal(e.code, code);
    }
    const t = new HttpTimeoutError('connect', 5, 'GET', 'http://x/');
    assert.ok(t instanceof TimeoutError && t instanceof AsyncioError);
    assert.equal(t.code, 'ERR_TIMEOUT');
    assert.equal(t.phase, 'connect');
    assert.match(t.message, /timed out connecting \(connect timeout: 5 ms\)/);
  });

  it('a refused connection is a ConnectionError whose reason is ECONNREFUSED', async () => {
    const port = await closedPort();
    await scene(async ({ session }) => {
      await assert.rejects(
        session.get(`http://127.0.0.1:${port}/`, { retry: false }),
        (e: unknown) => {
          isError(ConnectionError, 'ERR_HTTP_CONNECTION')(e);
          const c = e as ConnectionError;
          assert.equal(c.reason, 'ECONNREFUSED');
          assert.equal(c.method, 'GET');
          assert.equal(c.url, `http://127.0.0.1:${port}/`);
          assert.ok(c.cause instanceof Error);
          assert.match(c.message, /connection failed \(ECONNREFUSED\)/);
          return true;
        },
      );
    });
  });

  it('a connection closed before the answer is a ConnectionError', async () => {
    await scene(async ({ server, session }) => {
      await assert.rejects(
        session.get(`${server.url}/flaky/1?key=c`, { retry: false }),
        (e: unknown) => {
          isError(ConnectionError)(e);
          assert.match((e as ConnectionError).reason, /^(UND_ERR_SOCKET|ECONNRESET)$/);
          return true;
        },
      );
    });
  });

  it('an unknown host is a ConnectionError (DNS)', async () => {
    await scene(async ({ session }) => {
      await assert.rejects(
        session.get('http://no-such-host.invalid/', { retry: false }),
        (e: unknown) => {
          isError(ConnectionError)(e);
          assert.match((e as ConnectionError).reason, /^(ENOTFOUND|EAI_AGAIN|EAI_FAIL)$/);
          return true;
        },
      );
    });
  });
});
