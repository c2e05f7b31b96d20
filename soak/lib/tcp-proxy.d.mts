/** A TCP proxy that can cut every connection through it at once (see tcp-proxy.mjs). */
export class TcpProxy {
  constructor(options: { targetHost?: string; targetPort: number; listenHost?: string });
  port: number;
  connections: number;
  cuts: number;
  socketsCut: number;
  start(): Promise<number>;
  cutAll(): number;
  close(): Promise<void>;
}
