// Helpers of the HTTP benchmarks: the server child process and one-shot children.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const here = path.dirname(fileURLToPath(import.meta.url));

/** Starts server.mjs (with `args`) in a child process; resolves with { url, stop() }. */
export function startServer(args = []) {
  const child = spawn(process.execPath, [path.join(here, 'server.mjs'), ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        const { url } = JSON.parse(out.slice(0, nl));
        resolve({
          url,
          stop: () =>
            new Promise((r) => {
              child.on('exit', r);
              child.stdin.end();
            }),
        });
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`the server exited with ${code}`)));
  });
}

/** Runs `node <file> ...args` and resolves with its last JSON line. */
export function runChild(file, args, timeoutMs = 300_000) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, file), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop();
      if (code !== 0 || !line) reject(new Error(`${file} ${args.join(' ')} failed (exit ${code})`));
      else resolve(JSON.parse(line));
    });
  });
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
