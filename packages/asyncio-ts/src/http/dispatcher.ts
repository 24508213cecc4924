/**
 * The undici dispatcher behind a session: an `Agent` with one pool per origin, a
 * `ProxyAgent` for the `proxy` option, HTTP/2 (ALPN over TLS, prior knowledge
 * over cleartext) for the `http2` option.
 *
 * @module
 */
import type { ConnectionOptions } from 'node:tls';
import type * as Undici from 'undici';
import type { Dispatcher } from 'undici';
import { Agent, buildConnector, H2CClient, Pool, undiciFull } from './undici.js';

/** TLS settings for https origins (CA to trust, client certificate...). */
export type TlsOptions = Pick<
  ConnectionOptions,
  'ca' | 'cert' | 'key' | 'passphrase' | 'pfx' | 'rejectUnauthorized' | 'servername' | 'minVersion'
>;

/** An HTTP(S) proxy: its URL, and optionally a `Proxy-Authorization` value. */
export interface ProxyOptions {
  /** `http://proxy:3128` or `https://...`; credentials in the URL are used. */
  url: string | URL;
  /** Sent as `Proxy-Authorization` (e.g. `Basic ...`). */
  token?: string;
}

/**
 * A function that opens the sockets of the session (undici's connector). The
 * address guard of `asyncio-ts/http` provides one; most sessions never set it.
 */
export type Connector = Undici.buildConnector.connector;

/**
 * @internal Whether a request of the session waits for a connection to `origin`.
 * undici reconnects after an aborted request (it puts the request back in line
 * before seeing it was aborted); the session opens no connection nobody waits for.
 */
export interface ConnectGate {
  _wantsConnection(origin: string): boolean;
}

const UNWANTED = Object.assign(new Error('no request of the session waits for this connection'), {
  code: 'ERR_CONNECTION_NOT_WANTED',
});

function gated(gate: ConnectGate, inner: Connector): Connector {
  return (opts, callback) => {
    if (!gate._wantsConnection(`${opts.protocol}//${opts.host ?? opts.hostname}`)) {
      // Asynchronously: undici resumes its queue (and settles a pending close())
      // only on a callback that comes after connect() returned.
      process.nextTick(callback, UNWANTED, null);
      return;
    }
    inner(opts, callback);
  };
}

/** @internal */
export interface DispatcherSettings {
  /** connections per origin: the per-host cap, else the overall one (null: none) */
  perHost: number | null;
  connectTimeout: number | null;
  keepAlive: number;
  http2: boolean;
  tls: TlsOptions | undefined;
  proxy: string | URL | ProxyOptions | undefined;
  connect: Connector | undefined;
}

/** @internal Builds the dispatcher of a session. */
export function createDispatcher(s: DispatcherSettings, gate: ConnectGate): Dispatcher {
  const connect = gated(
    gate,
    s.connect ??
      buildConnector({
        ...(s.tls ?? {}),
        timeout: s.connectTimeout ?? 0,
        ...(s.http2 ? { allowH2: true } : {}),
      }),
  );
  const base: Undici.Agent.Options = {
    connections: s.perHost,
    keepAliveTimeout: s.keepAlive,
    // A server's Keep-Alive hint may shorten the idle time, never lengthen it.
    keepAliveMaxTimeout: s.keepAlive,
    headersTimeout: 0,
    bodyTimeout: 0,
    connect,
  };
  if (s.proxy !== undefined) {
    // The proxy agent connects on its own terms (a tunnel per origin): no gate.
    delete base.connect;
    const p = typeof s.proxy === 'string' || s.proxy instanceof URL ? { url: s.proxy } : s.proxy;
    const uri = String(p.url);
    const parsed = new URL(uri);
    let token = p.token;
    if (token === undefined && (parsed.username !== '' || parsed.password !== '')) {
      const user = decodeURIComponent(parsed.username);
      const pass = decodeURIComponent(parsed.password);
      token = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    }
    return new (undiciFull().ProxyAgent)({
      ...base,
      uri,
      ...(token !== undefined ? { token } : {}),
      ...(s.tls !== undefined ? { requestTls: s.tls } : {}),
    });
  }
  if (!s.http2) return new Agent(base);
  const h2c = priorKnowledge(connect);
  return new Agent({
    ...base,
    allowH2: true,
    factory(origin: string | URL, opts: object): Dispatcher {
      if (String(origin).startsWith('http:')) {
        return new H2CClient(origin, {
          keepAliveTimeout: s.keepAlive,
          keepAliveMaxTimeout: s.keepAlive,
          headersTimeout: 0,
          bodyTimeout: 0,
          connect: h2c,
        });
      }
      return new Pool(origin, opts);
    },
  });
}

/** Marks cleartext sockets as HTTP/2 (h2c with prior knowledge: there is no ALPN). */
function priorKnowledge(inner: Connector): Connector {
  return (opts, callback) =>
    inner(opts, (...args) => {
      const socket = args[1];
      if (socket !== null) (socket as { alpnProtocol?: string | false }).alpnProtocol = 'h2';
      callback(...args);
    });
}
