import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TrickledConnection {
  openedAt: number;
  /** When the client gave up on it; undefined while it is still open. */
  closedAt?: number;
}

/**
 * A webhook receiver at its worst, on loopback: it reads the request, then answers one byte of
 * `HTTP/1.1 200 OK` every `everyMs`, so the status line never completes and an idle timeout never fires.
 */
export async function startTrickleServer(everyMs: number) {
  const connections: TrickledConnection[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    const connection: TrickledConnection = { openedAt: Date.now() };
    connections.push(connection);
    sockets.add(socket);
    const answer = Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < answer.length) socket.write(answer.subarray(sent, ++sent));
    }, everyMs);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      sockets.delete(socket);
      connection.closedAt = Date.now();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    connections,
    /** The longest any connection was held, counting those still open until now. */
    longestHeldMs: (now = Date.now()) => Math.max(0, ...connections.map((c) => (c.closedAt ?? now) - c.openedAt)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
