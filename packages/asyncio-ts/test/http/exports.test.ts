// The public surface of asyncio-ts/http (and the test server in asyncio-ts/testing)
// is exactly the documented names.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
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

  it('asyncio-ts/testing exports the test server (its class as a type only)', () => {
    assert.equal(typeof testing.startTestServer, 'function');
    assert.equal('TestServer' in testing, false);
  });
});
