// Tests of src/http/cookies.ts: the jar on its own and inside a session.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getRunningLoop, run, sleep } from '../../src/index.js';
import { ClientSession, CookieJar } from '../../src/http/index.js';
import { VirtualClock, startTestServer } from '../../src/testing/index.js';
import { checkNoUnhandledRejections, scene } from './helpers.js';

checkNoUnhandledRejections();

describe('CookieJar', () => {
  it('sends host-only cookies to their host only, domain cookies to subdomains', async () => {
    await run(() => {
      const jar = new CookieJar();
      assert.equal(jar.setCookie('a=1', 'http://example.com/'), true);
      assert.equal(jar.setCookie('b=2; Domain=example.com', 'http://www.example.com/'), true);
      assert.equal(jar.cookieHeader('http://example.com/x'), 'a=1; b=2');
      assert.equal(jar.cookieHeader('http://www.example.com/'), 'b=2');
      assert.equal(jar.cookieHeader('http://other.com/'), '');
      assert.equal(
        jar.setCookie('c=3; Domain=other.com', 'http://example.com/'),
        false,
        'a foreign domain',
      );
      assert.equal(
        jar.setCookie('d=4; Domain=com', 'http://example.com/'),
        false,
        'a top-level domain',
      );
    });
  });

  it('matches paths, keeps Secure cookies to https, sorts longer paths first', async () => {
    await run(() => {
      const jar = new CookieJar();
      jar.setCookie('root=r; Path=/', 'http://h.test/');
      jar.setCookie('deep=d; Path=/a/b', 'http://h.test/');
      jar.setCookie('s=1; Secure; HttpOnly', 'https://h.test/');
      assert.equal(jar.cookieHeader('http://h.test/a/b/c'), 'deep=d; root=r');
      assert.equal(jar.cookieHeader('http://h.test/a/bc'), 'root=r');
      assert.equal(jar.cookieHeader('https://h.test/'), 'root=r; s=1');
      assert.equal(jar.cookies('https://h.test/').find((c) => c.name === 's')?.httpOnly, true);
    });
  });

  it('expires cookies on the loop clock (Max-Age), and Max-Age=0 deletes', async () => {
    await run(
      async () => {
        const jar = new CookieJar();
        jar.setCookie('t=1; Max-Age=60', 'http://h.test/');
        jar.setCookie('u=2; Expires=Wed, 21 Oct 2015 07:28:00 GMT', 'http://h.test/');
        assert.equal(jar.cookieHeader('http://h.test/'), 't=1');
        await sleep(59_000);
        assert.equal(jar.cookies().length, 1);
        await sleep(2000);
        assert.equal(jar.cookieHeader('http://h.test/'), '', 'expired after 60 s of loop time');
        jar.setCookie('v=1', 'http://h.test/');
        jar.setCookie('v=; Max-Age=0', 'http://h.test/');
        assert.equal(jar.size, 0);
        assert.ok(getRunningLoop().time() >= 61_000);
        assert.equal(String(jar), '<CookieJar 0 cookies>');
      },
      { clock: new VirtualClock() },
    );
  });
});

describe('the cookies option', () => {
  it('keeps cookies across requests and redirects', async () => {
    await scene(
      async ({ server, session }) => {
        const r = await session.get(`${server.url}/cookies/set?theme=dark&lang=en`);
        assert.equal(r.url, `${server.url}/cookies`, 'followed the redirect');
        assert.deepEqual(await r.json(), { cookies: { theme: 'dark', lang: 'en' } });
        assert.ok(session.cookies instanceof CookieJar);
        assert.equal(session.cookies.cookieHeader(`${server.url}/`), 'theme=dark; lang=en');
        await session.get(`${server.url}/cookies/delete?theme`);
        assert.deepEqual(await (await session.get(`${server.url}/cookies`)).json(), {
          cookies: { lang: 'en' },
        });
      },
      { session: { cookies: true } },
    );
  });

  it('does not send a host’s cookies to another host, and can share a jar', async () => {
    await using other = await startTestServer({ host: '127.0.0.2' }).catch(() => null);
    await scene(async ({ server }) => {
      const jar = new CookieJar();
      const a = new ClientSession({ cookies: jar });
      const b = new ClientSession({ cookies: jar });
      try {
        await a.get(`${server.url}/cookies/set?k=v`);
        assert.deepEqual(await (await b.get(`${server.url}/cookies`)).json(), {
          cookies: { k: 'v' },
        });
        if (other !== null) {
          assert.deepEqual(await (await b.get(`${other.url}/cookies`)).json(), { cookies: {} });
        }
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
});
