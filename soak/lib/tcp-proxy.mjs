// A TCP proxy between the workers and the database that can cut every connection through it at once, as a
// flaky network or a load balancer's idle reaper would: both sides of each pair are destroyed (an RST to the
// client, the server's backend sees its socket close).

import net from 'node:net';

export class TcpProxy {
  constructor({ targetHost = '127.0.0.1', targetPort, listenHost = '127.0.0.1' }) {
    this.target = { host: targetHost, port: targetPort };
    this.listenHost = listenHost;
    this.pairs = new Set();
    this.connections = 0;
    this.cuts = 0;
    this.socketsCut = 0;
    this.server = net.createServer((client) => this.#pipe(client));
  }

  /** Listens on a free port; resolves with it. */
  start() {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, this.listenHost, () => resolve((this.port = this.server.address().port)));
    });
  }

  #pipe(client) {
    this.connections++;
    const upstream = net.connect(this.target);
    const pair = { client, upstream };
    this.pairs.add(pair);
    const close = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      socket.on('error', close);
      socket.on('close', close);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Destroys every open connection; returns how many there were. */
  cutAll() {
    const n = this.pairs.size;
    for (const { client, upstream } of [...this.pairs]) {
      client.resetAndDestroy?.() ?? client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
    this.cuts++;
    this.socketsCut += n;
    return n;
  }

  close() {
    this.cutAll();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
