/**
 * What `/proc` (Linux) tells about another process without touching it: the TCP
 * ports it listens on, the inspector flags it was started with, its executable, and
 * whether it catches a signal. Elsewhere every function answers `null` (unknown).
 *
 * @module
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';

/** A listening TCP socket: the address to connect to, and its port. */
export interface Endpoint {
  /** An IPv4 or IPv6 address (no brackets). */
  host: string;
  port: number;
}

/** `host:port` for a URL (`[::1]:9229` for IPv6). */
export function hostPort(e: Endpoint): string {
  return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

/** The TCP sockets process `pid` listens on, or `null` when `/proc` cannot tell. */
export function listeningSockets(pid: number): Endpoint[] | null {
  let inodes: Set<string>;
  try {
    inodes = new Set();
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue; // closed meanwhile
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m !== null) inodes.add(m[1]!);
    }
  } catch {
    return null; // no /proc, or another user's process
  }
  const out: Endpoint[] = [];
  for (const [file, v6] of [
    ['tcp', false],
    ['tcp6', true],
  ] as const) {
    let table: string;
    try {
      table = readFileSync(`/proc/${pid}/net/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of table.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // sl local_address rem_address st ... inode (the 10th field); 0A is LISTEN
      if (f.length < 10 || f[3] !== '0A' || !inodes.has(f[9]!)) continue;
      const [addr, port] = f[1]!.split(':') as [string, string];
      out.push({ host: v6 ? ipv6(addr) : ipv4(addr), port: parseInt(port, 16) });
    }
  }
  return out;
}

/** `0100007F` (little-endian hex) → `127.0.0.1`; the wildcard address → loopback. */
function ipv4(hex: string): string {
  if (/^0+$/.test(hex)) return '127.0.0.1';
  const n = parseInt(hex, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.');
}

/** Four little-endian 32-bit words of hex → `a:b:...`; the wildcard address → `::1`. */
function ipv6(hex: string): string {
  if (/^0+$/.test(hex)) return '::1';
  const groups: string[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    const bytes = word.match(/../g)!.reverse().join('');
    groups.push(bytes.slice(0, 4), bytes.slice(4, 8));
  }
  const v4 = /^0000:0000:0000:0000:0000:ffff:(..)(..):(..)(..)$/i.exec(groups.join(':'));
  if (v4 !== null)
    return v4
      .slice(1)
      .map((b) => parseInt(b, 16))
      .join('.');
  return groups.map((g) => g.replace(/^0+(?=.)/, '')).join(':');
}

/** The file name of process `pid`'s executable (`node`), or `null` when `/proc` cannot tell. */
export function executableName(pid: number): string | null {
  try {
    return basename(readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, ''));
  } catch {
    return null;
  }
}

/**
 * True when process `pid` catches signal number `signo` (its `SigCgt` mask), false
 * when it does not (the signal's default action applies: for SIGUSR1, termination),
 * `null` when `/proc` cannot tell.
 */
export function catchesSignal(pid: number, signo: number): boolean | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const m = /^SigCgt:\s*([0-9a-f]+)$/im.exec(status);
  if (m === null) return null;
  return ((BigInt(`0x${m[1]}`) >> BigInt(signo - 1)) & 1n) === 1n;
}

/** The inspector ports process `pid` was started with. */
export interface InspectFlags {
  /** Ports named by `--inspect*` options (command line or NODE_OPTIONS), 9229 by default. */
  ports: number[];
  /** True when a flag asked for a random port (`--inspect=0`): any socket may be it. */
  anyPort: boolean;
}

/** The inspector options of process `pid`, read from `/proc`; `null` when it cannot tell. */
export function inspectFlags(pid: number): InspectFlags | null {
  let args: string[];
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return null;
  }
  try {
    const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const options = env.find((e) => e.startsWith('NODE_OPTIONS='));
    if (options !== undefined) args.push(...options.slice('NODE_OPTIONS='.length).split(/\s+/));
  } catch {
    // the environment of another user's process is not readable: the command line will do
  }
  const ports = new Set([9229]);
  let anyPort = false;
  for (const a of args) {
    const m = /^--inspect(?:-brk|-wait|-port)?=(?:.*:)?(\d+)$/.exec(a);
    if (m === null) continue;
    const port = Number(m[1]);
    if (port === 0) anyPort = true;
    else ports.add(port);
  }
  return { ports: [...ports], anyPort };
}
