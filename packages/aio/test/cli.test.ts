// The aio command line: help, version, and the exit code of bad input. Each test
// runs the built CLI (packages/aio/dist/cli.js) in a child process, as a user would.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// This file runs from packages/aio/.test-build/test/.
const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

function aio(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('aio --help', () => {
  it('prints the usage, the commands and the exit codes, and exits 0', () => {
    const r = aio('--help');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^Usage: aio \[options\] <command>/m);
    for (const command of ['fetch', 'crawl', 'demo', 'report', 'export', 'ps']) {
      assert.match(r.stdout, new RegExp(`^  ${command} +\\w`, 'm'));
      // Each command has its own help, with examples.
      const own = aio(command, '--help');
      assert.equal(own.status, 0);
      assert.match(own.stdout, new RegExp(`^Usage: aio ${command}`, 'm'));
    }
    assert.doesNotMatch(r.stdout, /coming/);
    assert.match(r.stdout, /^Exit codes:$/m);
    assert.match(r.stdout, /^ {2}2 +bad input/m);
    assert.match(r.stdout, /^ {2}130 +interrupted/m);
    assert.equal(r.stderr, '');
  });

  it('-h and `aio help` print the same help', () => {
    const long = aio('--help').stdout;
    assert.equal(aio('-h').stdout, long);
    assert.equal(aio('help').stdout, long);
  });
});

describe('aio --version', () => {
  it('prints the version of packages/aio/package.json and exits 0', () => {
    const r = aio('--version');
    assert.equal(r.status, 0);
    assert.equal(r.stdout, `${pkg.version}\n`);
    assert.equal(aio('-V').stdout, `${pkg.version}\n`);
  });
});

describe('bad input', () => {
  const cases: [string, string[], RegExp][] = [
    ['an unknown option', ['--frobnicate'], /unknown option '--frobnicate'/],
    ['an unknown short option', ['-x'], /unknown option '-x'/],
    ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['no command at all', [], /no command given/],
    ['a value for a flag', ['--version=2'], /--version' does not take an argument/],
  ];
  for (const [what, args, message] of cases) {
    it(`${what} prints one line to stderr and exits 2`, () => {
      const r = aio(...args);
      assert.equal(r.status, 2);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, `not one line: ${r.stderr}`);
      assert.match(r.stderr, /^aio: .*\(see 'aio --help'\)\n$/);
    });
  }
});
