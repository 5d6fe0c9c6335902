import dgram from 'node:dgram';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { TargetGuard } from '../../http.js';
import { TargetRefused } from '../../http.js';
import { createStreamSender, sendDatagram, streamOpener } from './syslog-transport.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

const loopback: TargetGuard = () => Promise.resolve({ address: '127.0.0.1', family: 4 });

/** A TCP server that keeps every connection and the bytes each one got. */
async function tcpServer() {
  const conns: { socket: net.Socket; data: string }[] = [];
  const server = net.createServer((socket) => {
    const conn = { socket, data: '' };
    conns.push(conn);
    socket.on('data', (d: Buffer) => (conn.data += d.toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    for (const c of conns) c.socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as AddressInfo).port, conns };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
}

describe('sendDatagram', () => {
  it('sends the message as one datagram to the checked address', async () => {
    const sock = dgram.createSocket('udp4');
    const got: string[] = [];
    sock.on('message', (m) => got.push(m.toString('utf8')));
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => sock.close(() => resolve())));
    await sendDatagram(Buffer.from('<82>1 hello'), sock.address().port, {
      address: '127.0.0.1',
      family: 4,
    });
    await until(() => got.length === 1);
    expect(got).toEqual(['<82>1 hello']);
  });
});

describe('createStreamSender', () => {
  it('writes frames in order on one kept connection, and reconnects once it is closed', async () => {
    const tcp = await tcpServer();
    const sender = createStreamSender('127.0.0.1', tcp.port, loopback, streamOpener(tcp.port));
    closers.push(() => sender.close());
    await Promise.all([sender.send(Buffer.from('a ')), sender.send(Buffer.from('b '))]);
    await until(() => tcp.conns[0]?.data === 'a b ');
    const first = tcp.conns[0]!.socket;
    const closed = new Promise((resolve) => first.once('close', resolve));
    first.end();
    await closed;
    await sender.send(Buffer.from('c '));
    await until(() => tcp.conns[1]?.data === 'c ');
    expect(tcp.conns).toHaveLength(2);
  });

  it('connects to nothing when the guard refuses the host', async () => {
    const tcp = await tcpServer();
    const refuse: TargetGuard = (host) => Promise.reject(new TargetRefused(host, host, 'loopback'));
    const sender = createStreamSender('127.0.0.1', tcp.port, refuse, streamOpener(tcp.port));
    await expect(sender.send(Buffer.from('x'))).rejects.toBeInstanceOf(TargetRefused);
    await sender.close();
    expect(tcp.conns).toEqual([]);
  });

  it('rejects a send when nothing listens', async () => {
    const tcp = await tcpServer();
    await closers.pop()!();
    const sender = createStreamSender('127.0.0.1', tcp.port, loopback, streamOpener(tcp.port));
    await expect(sender.send(Buffer.from('x'))).rejects.toThrow(/ECONNREFUSED/);
    await sender.close();
  });
});
