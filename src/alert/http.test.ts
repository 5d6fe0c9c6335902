import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGuard,
  createHttpClient,
  deliverHttp,
  refusedBecause,
  retryAfterMs,
} from './http.js';

describe('the target guard (security default, pinned)', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['fe80::1', 'link-local'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['100.100.100.200', 'cloud metadata'],
    ['::ffff:169.254.169.254', 'link-local (cloud metadata), as 169.254.169.254'],
    ['::ffff:127.0.0.1', 'loopback, as 127.0.0.1'],
    ['::ffff:7f00:1', 'loopback, as 127.0.0.1'],
    ['0:0:0:0:0:ffff:a9fe:a9fe', 'link-local (cloud metadata), as 169.254.169.254'],
    ['::ffff:0:7f00:1', 'loopback, as 127.0.0.1'],
    ['::7f00:1', 'loopback, as 127.0.0.1'],
    ['64:ff9b::a9fe:a9fe', 'link-local (cloud metadata), as 169.254.169.254'],
    ['2002:7f00:1::', 'loopback, as 127.0.0.1'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
  ])('refuses %s (%s)', (address, why) => {
    expect(refusedBecause(address)).toBe(why);
  });

  it.each(['10.1.2.3', '192.168.1.10', '172.16.0.5', '8.8.8.8', '2001:db8::1'])(
    'allows %s',
    (a) => {
      expect(refusedBecause(a)).toBeUndefined();
    },
  );

  it('refuses a name that resolves to loopback, and allows it only when the sink says so', async () => {
    await expect(createGuard(false)('localhost')).rejects.toThrow(
      /refused localhost \((127\.0\.0\.1|::1)\): loopback/,
    );
    await expect(createGuard(true)('localhost')).resolves.toMatchObject({
      family: expect.any(Number),
    });
    await expect(createGuard(false)('[::1]')).rejects.toThrow(/loopback/);
    // The URL parser writes a mapped address in hex; the guard sees through it.
    const host = new URL('http://[::ffff:169.254.169.254]/').hostname;
    expect(host).toBe('[::ffff:a9fe:a9fe]');
    await expect(createGuard(false)(host)).rejects.toThrow(/cloud metadata/);
  });
});

describe('guarded HTTP', () => {
  const server = createServer((req, res) => {
    if (req.url === '/drip') {
      // Headers at once, then a byte every 100 ms, never ending: idle never, complete never.
      res.writeHead(200, { 'content-type': 'text/plain' });
      const t = setInterval(() => res.write('.'), 100);
      res.on('close', () => clearInterval(t));
      return;
    }
    if (req.url === '/redirect') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
      res.end();
      return;
    }
    res.writeHead(200);
    res.end('ok');
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const now = new Date('2026-11-30T12:00:00Z');

  it('does not follow a redirect: the delivery is refused, naming where it pointed', async () => {
    const r = await deliverHttp(
      createHttpClient(createGuard(true)),
      { url: `${url}/redirect`, body: '{}' },
      now,
    );
    expect(r).toEqual({
      kind: 'rejected',
      reason: 'HTTP 302 (redirect to http://169.254.169.254/latest/meta-data/ not followed)',
    });
  });

  it('refuses 127.0.0.1 by default, before sending anything', async () => {
    const r = await deliverHttp(
      createHttpClient(createGuard(false)),
      { url: `${url}/in`, body: '{}' },
      now,
    );
    expect(r.kind).toBe('rejected');
    expect(r.kind === 'rejected' && r.reason).toMatch(
      /refused 127\.0\.0\.1 \(127\.0\.0\.1\): loopback; set allowPrivateTargets/,
    );
  });

  it('gives up on a receiver that drips its answer past the deadline (may pass later)', async () => {
    const r = await deliverHttp(
      createHttpClient(createGuard(true), 600),
      { url: `${url}/drip`, body: '{}' },
      now,
    );
    expect(r).toEqual({ kind: 'indeterminate', error: 'no complete response within 600 ms' });
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('30', now)).toBe(30_000);
    expect(retryAfterMs('Mon, 30 Nov 2026 12:01:00 GMT', now)).toBe(60_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs('99999999', now)).toBe(86_400_000);
  });
});
