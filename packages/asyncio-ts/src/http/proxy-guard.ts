/**
 * `AddressGuard`: a defence against server-side request forgery (SSRF) for code
 * that fetches URLs it was given. It refuses to connect to loopback, private,
 * link-local, cloud-metadata and other reserved addresses, checked on the address
 * actually connected to (after DNS resolution, on every connection, so on every
 * redirect too), unless an allowlist says otherwise.
 *
 * @module
 */
import * as dns from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { buildConnector } from './undici.js';
import type { Connector, TlsOptions } from './dispatcher.js';
import { RequestRefusedError } from './errors.js';

/** Why an address is refused (or `public` when it is not). */
export type AddressCategory =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'metadata'
  | 'unspecified'
  | 'shared'
  | 'multicast'
  | 'reserved';

/** Options of {@link AddressGuard}. */
export interface AddressGuardOptions {
  /**
   * Addresses allowed although not public: IPs or CIDR blocks (`127.0.0.1`,
   * `10.0.0.0/8`, `fd00::/8`). Checked on resolved addresses, never on names.
   */
  allow?: readonly string[];
  /** The DNS lookup to check (default `dns.lookup`); tests use it to fake DNS answers. */
  lookup?: LookupFunction;
}

type Rule = [AddressCategory, string, number, 'ipv4' | 'ipv6'];

// Order matters: the first matching rule names the category.
const RULES: Rule[] = [
  ['metadata', '169.254.169.254', 32, 'ipv4'],
  ['metadata', '169.254.170.2', 32, 'ipv4'],
  ['metadata', '100.100.100.200', 32, 'ipv4'],
  ['metadata', 'fd00:ec2::254', 128, 'ipv6'],
  ['unspecified', '0.0.0.0', 8, 'ipv4'],
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  ['link-local', '169.254.0.0', 16, 'ipv4'],
  ['shared', '100.64.0.0', 10, 'ipv4'],
  ['reserved', '192.0.0.0', 24, 'ipv4'],
  ['reserved', '192.0.2.0', 24, 'ipv4'],
  ['reserved', '198.18.0.0', 15, 'ipv4'],
  ['reserved', '198.51.100.0', 24, 'ipv4'],
  ['reserved', '203.0.113.0', 24, 'ipv4'],
  ['multicast', '224.0.0.0', 4, 'ipv4'],
  ['reserved', '240.0.0.0', 4, 'ipv4'],
  ['unspecified', '::', 128, 'ipv6'],
  ['loopback', '::1', 128, 'ipv6'],
  ['private', 'fc00::', 7, 'ipv6'],
  ['link-local', 'fe80::', 10, 'ipv6'],
  ['multicast', 'ff00::', 8, 'ipv6'],
  ['reserved', '2001:db8::', 32, 'ipv6'],
  ['reserved', '100::', 64, 'ipv6'],
];

const LISTS = new Map<AddressCategory, BlockList>();
for (const [cat, net, prefix, family] of RULES) {
  let l = LISTS.get(cat);
  if (l === undefined) LISTS.set(cat, (l = new BlockList()));
  l.addSubnet(net, prefix, family);
}
const ORDER: AddressCategory[] = [
  'metadata',
  'unspecified',
  'loopback',
  'private',
  'link-local',
  'shared',
  'multicast',
  'reserved',
];

/** The IPv4 address embedded in an IPv4-mapped, NAT64 or 6to4 IPv6 address, if any. */
function embeddedV4(ip: string): string | null {
  const lower = ip.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted !== null) return dotted[1]!;
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex !== null) {
    const hi = parseInt(hex[1]!, 16);
    const lo = parseInt(hex[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  const six = /^2002:([0-9a-f]{1,4}):([0-9a-f]{1,4}):/.exec(lower);
  if (six !== null) {
    const hi = parseInt(six[1]!, 16);
    const lo = parseInt(six[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return null;
}

/**
 * The category of an IP address: `public`, or why it is not (`loopback`,
 * `private`, `link-local`, `metadata`, `unspecified`, `shared`, `multicast`,
 * `reserved`). IPv4 addresses embedded in IPv6 ones are judged as IPv4.
 *
 * @example
 * ```ts
 * classifyAddress('169.254.169.254'); // 'metadata'
 * classifyAddress('::ffff:10.0.0.1'); // 'private'
 * ```
 *
 * @throws {TypeError} when `address` is not an IP address
 *
 * Cancellation: not applicable (synchronous).
 */
export function classifyAddress(address: string): AddressCategory {
  const ip = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(ip);
  if (family === 0) throw new TypeError(`not an IP address: '${address}'`);
  if (family === 6) {
    const v4 = embeddedV4(ip);
    if (v4 !== null) return classifyAddress(v4);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const cat of ORDER) if (LISTS.get(cat)!.check(ip, type)) return cat;
  return 'public';
}

/**
 * Refuses connections to addresses that are not public (loopback, private,
 * link-local, metadata, reserved...) unless allowlisted. Hand its `connector()` to
 * a session: every connection the session opens, for the first URL and for every
 * redirect, is checked on the address actually used, after DNS resolution.
 *
 * @example
 * ```ts
 * const guard = new AddressGuard({ allow: ['10.1.2.0/24'] });
 * const session = new ClientSession({ connect: guard.connector(), maxBodySize: 5_000_000 });
 * await session.get('http://169.254.169.254/latest/meta-data/'); // RequestRefusedError
 * ```
 *
 * Cancellation: the checks run inside the connection attempt, which the request's
 * cancellation aborts.
 */
export class AddressGuard {
  readonly #allow = new BlockList();
  readonly #resolve: LookupFunction;

  /** @throws {TypeError} for an allowlist entry that is not an IP or a CIDR block */
  constructor(opts: AddressGuardOptions = {}) {
    for (const entry of opts.allow ?? []) {
      const [ip, bits] = entry.split('/');
      const family = isIP(ip ?? '');
      if (family === 0)
        throw new TypeError(`allow: '${entry}' is not an IP address or a CIDR block`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) this.#allow.addAddress(ip!, type);
      else this.#allow.addSubnet(ip!, Number(bits), type);
    }
    this.#resolve = opts.lookup ?? dns.lookup;
  }

  /** True when connecting to `address` (an IP) is allowed. */
  isAllowed(address: string): boolean {
    return this.#refusal(address) === null;
  }

  /**
   * Throws {@link RequestRefusedError} when `address` (the IP that `host` resolved
   * to) may not be connected to.
   */
  check(host: string, address: string): void {
    const cat = this.#refusal(address);
    if (cat !== null) throw new RequestRefusedError(host, address, cat);
  }

  /**
   * A DNS lookup for `net.connect` that resolves, then refuses when any address of
   * the answer is refused (a name that mixes public and private addresses is a
   * rebinding trick).
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.#resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err !== null) {
        callback(err, '', 4);
        return;
      }
      const list = Array.isArray(addresses) ? addresses : [{ address: addresses, family: 4 }];
      for (const a of list) {
        const cat = this.#refusal(a.address);
        if (cat !== null) {
          callback(new RequestRefusedError(hostname, a.address, cat), '', 4);
          return;
        }
      }
      if (options.all === true) callback(null, list);
      else callback(null, list[0]!.address, list[0]!.family);
    });
  };

  /**
   * A connector for `new ClientSession({ connect })`: checks IP literals at once
   * and host names through {@link AddressGuard.lookup}.
   */
  connector(opts: { timeout?: number | null; tls?: TlsOptions } = {}): Connector {
    const inner = buildConnector({
      ...(opts.tls ?? {}),
      timeout: opts.timeout ?? 10_000,
      lookup: this.lookup,
    });
    return (options, callback) => {
      const host = options.hostname.startsWith('[')
        ? options.hostname.slice(1, -1)
        : options.hostname;
      if (isIP(host) !== 0) {
        const cat = this.#refusal(host);
        if (cat !== null) {
          callback(new RequestRefusedError(host, host, cat), null);
          return;
        }
      }
      inner(options, callback);
    };
  }

  #refusal(address: string): AddressCategory | null {
    const ip = address.startsWith('[') ? address.slice(1, -1) : address;
    const family = isIP(ip);
    if (family === 0) return 'reserved';
    if (this.#allow.check(ip, family === 4 ? 'ipv4' : 'ipv6')) return null;
    const v4 = family === 6 ? embeddedV4(ip) : null;
    if (v4 !== null && this.#allow.check(v4, 'ipv4')) return null;
    const cat = classifyAddress(ip);
    return cat === 'public' ? null : cat;
  }
}
