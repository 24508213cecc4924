/**
 * @internal The parts of undici a session runs on, loaded file by file.
 *
 * undici's entry point also loads fetch, WebSocket, EventSource, the mock agents,
 * the caches and every interceptor: 110 files and 60-80 ms of every start-up here,
 * where the dispatchers a session uses need 28 files and about 25 ms. undici is
 * pinned to one exact version (package.json), whose files these are; every part is
 * exercised against real servers by the tests, so a moved file fails them at once.
 * The rarely used parts (the proxy agent, which needs the request API undici's entry
 * point adds to its dispatchers, and undici's FormData) load the whole of undici on
 * first use. Types come from undici's own declarations.
 *
 * @module
 */
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

const require = createRequire(import.meta.url);

/** undici's `Agent`: one pool per origin. */
export const Agent = require('undici/lib/dispatcher/agent.js') as typeof Undici.Agent;
/** undici's `Pool`: connections to one origin. */
export const Pool = require('undici/lib/dispatcher/pool.js') as typeof Undici.Pool;
/** undici's `H2CClient`: HTTP/2 over cleartext with prior knowledge. */
export const H2CClient = require('undici/lib/dispatcher/h2c-client.js') as typeof Undici.H2CClient;
/** undici's connector factory (TCP and TLS sockets, with timeouts). */
export const buildConnector = require('undici/lib/core/connect.js') as typeof Undici.buildConnector;
/** undici's parser of raw header lists (`[name, value, name, value...]` buffers). */
export const parseHeaders = (
  require('undici/lib/core/util.js') as { parseHeaders: typeof Undici.util.parseHeaders }
).parseHeaders;

/** The whole of undici, loaded on first use (see the module comment). */
export function undiciFull(): typeof Undici {
  return require('undici') as typeof Undici;
}
