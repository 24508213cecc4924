// The public surface of asyncio-ts/http (and the test server in asyncio-ts/testing)
// is exactly the documented names.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as http from '../../src/http/index.js';
import * as testing from '../../src/testing/index.js';

describe('asyncio-ts/http exports', () => {
  it('exports exactly the documented values', () => {
    assert.deepEqual(Object.keys(http).sort(), [
      'AddressGuard',
      'BodyTooLargeError',
      'ClientSession',
      'ConnectionError',
      'CookieJar',
      'HttpError',
      'HttpServer',
      'HttpStatusError',
      'HttpTimeoutError',
      'InvalidUrlError',
      'RequestRefusedError',
      'Response',
      'ResponseError',
      'SessionClosedError',
      'SessionEvents',
      'TooManyRedirectsError',
      'classifyAddress',
      'currentRequest',
      'parseRetryAfter',
      'requestContext',
      'serve',
    ]);
  });

  it("loads undici's dispatchers without its entry point (fetch, WebSocket, mocks...)", () => {
    // In a fresh process: the entry point is most of undici's start-up time.
    const script = `
      await import(${JSON.stringify(new URL('../../src/http/index.js', import.meta.url).href)});
      const { createRequire } = await import('node:module');
      const files = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify({
        entry: files.some((f) => f.endsWith(${JSON.stringify(join('undici', 'index.js'))})),
        agent: files.some((f) => f.endsWith(${JSON.stringify(join('undici', 'lib', 'dispatcher', 'agent.js'))})),
      }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    assert.deepEqual(JSON.parse(out), { entry: false, agent: true });
  });

  it('asyncio-ts/testing exports the test server (its class as a type only)', () => {
    assert.equal(typeof testing.startTestServer, 'function');
    assert.equal('TestServer' in testing, false);
  });
});
