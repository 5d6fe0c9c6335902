/**
 * How the syslog sink reaches a collector: one UDP datagram per message (RFC 5426), or frames
 * written to a kept TCP (RFC 6587) or TLS (RFC 5425) connection that is reopened when it ends. The
 * connection goes to the address the guard checked; every connect and write has a timeout.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import type { TargetGuard } from '../../http.js';

const CONNECT_TIMEOUT_MS = 10_000;
const WRITE_TIMEOUT_MS = 15_000;
/** A kept TCP/TLS connection is closed after this long without a delivery. */
const IDLE_MS = 60_000;

/** Send `msg` as one datagram to `target` (already checked by the guard): RFC 5426. */
export function sendDatagram(
  msg: Buffer,
  port: number,
  target: { address: string; family: 4 | 6 },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(target.family === 6 ? 'udp6' : 'udp4');
    let done = false;
    const finish = (err?: Error | null) => {
      if (done) return;
      done = true;
      sock.close();
      if (err) reject(err);
      else resolve();
    };
    sock.once('error', finish);
    sock.send(msg, port, target.address, finish);
  });
}

/** A kept TCP or TLS connection: reconnects when the last one ended or failed. */
export interface StreamSender {
  send(frame: Buffer): Promise<void>;
  close(): Promise<void>;
}

/** Opens a TCP or TLS connection to a checked address, and names the event that says it is up. */
export type Opener = (address: string) => {
  socket: net.Socket;
  ready: 'connect' | 'secureConnect';
};

/** What a TLS connection checks: the CA(s) the collector's certificate chains to, and its name. */
export interface TlsCheck {
  readonly ca: Buffer | undefined;
  readonly servername: string | undefined;
  readonly rejectUnauthorized: boolean;
}

/** The {@link Opener} for plain TCP to `port`, or for TLS checked as `check` says. */
export function streamOpener(port: number, check?: TlsCheck): Opener {
  if (check === undefined)
    return (address) => ({ socket: net.connect({ host: address, port }), ready: 'connect' });
  const { ca, servername, rejectUnauthorized } = check;
  return (address) => ({
    socket: tls.connect({
      host: address,
      port,
      rejectUnauthorized,
      ...(servername === undefined ? {} : { servername }),
      ...(ca === undefined ? {} : { ca }),
    }),
    ready: 'secureConnect',
  });
}

/**
 * A sender over kept TCP or TLS connections to `host:port`: each connection is opened to the
 * address `guard` allows, sends go one at a time, and a connection that ended, failed or sat idle
 * for a minute is replaced by a new one on the next send. A failed write rejects; nothing is
 * resent (the dispatcher retries the delivery).
 */
export function createStreamSender(
  host: string,
  port: number,
  guard: TargetGuard,
  open: Opener,
): StreamSender {
  const sockets = new Set<net.Socket>();
  let current: net.Socket | undefined;
  let chain: Promise<unknown> = Promise.resolve();

  async function connect(): Promise<net.Socket> {
    const target = await guard(host);
    const { socket, ready } = open(target.address);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // Any error ends this connection (the next delivery opens another); the delivery in flight
    // learns of it from its own listener.
    socket.on('error', () => socket.destroy());
    let connected = false;
    socket.on('timeout', () => {
      // Idle: close it quietly (a stalled write has its own timer in write()).
      if (connected) socket.end();
      else socket.destroy(new Error(`no connection within ${CONNECT_TIMEOUT_MS} ms`));
    });
    socket.setTimeout(CONNECT_TIMEOUT_MS);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.once(ready, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    connected = true;
    socket.setTimeout(IDLE_MS);
    // Read (and drop) what the collector sends, so its closing is seen.
    socket.resume();
    return socket;
  }

  function write(socket: net.Socket, frame: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      const fail = (err: Error) => {
        clearTimeout(timer);
        socket.off('close', closed);
        reject(err);
      };
      const closed = () => fail(new Error(`connection to ${host}:${port} closed during the write`));
      const timer = setTimeout(
        () => fail(new Error(`write to ${host}:${port} not done within ${WRITE_TIMEOUT_MS} ms`)),
        WRITE_TIMEOUT_MS,
      );
      socket.once('close', closed);
      socket.write(frame, (err) => {
        if (err) return fail(err);
        clearTimeout(timer);
        socket.off('close', closed);
        resolve();
      });
    });
  }

  const usable = (s: net.Socket): boolean => !s.destroyed && s.writable && s.readyState === 'open';

  async function sendNow(frame: Buffer): Promise<void> {
    let socket = current;
    if (socket === undefined || !usable(socket)) {
      socket?.destroy();
      current = undefined;
      socket = current = await connect();
    }
    try {
      await write(socket, frame);
    } catch (err) {
      socket.destroy();
      if (current === socket) current = undefined;
      throw err;
    }
  }

  return {
    // One delivery at a time, so a reconnect is never raced.
    send(frame) {
      const run = chain.then(() => sendNow(frame));
      chain = run.catch(() => undefined);
      return run;
    },
    async close() {
      await chain;
      current = undefined;
      await Promise.all(
        [...sockets].map(
          (s) =>
            new Promise<void>((resolve) => {
              if (s.destroyed) return resolve();
              s.once('close', () => resolve());
              s.end();
              setTimeout(() => s.destroy(), 1000).unref();
            }),
        ),
      );
    },
  };
}
