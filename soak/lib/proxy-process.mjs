// The fault proxy in a process of its own (so the driver's work cannot delay the workers' traffic):
// `node proxy-process.mjs '{"targetPort":5432,"cutEveryMs":500}'`, forked with IPC.
//   -> { type: 'listening', port }
//   <- { type: 'cuts', on: boolean }   starts or stops cutting every cutEveryMs (jittered by ±20 %)
//   <- { type: 'stop' }                -> { type: 'figures', connections, cuts, socketsCut }, then exits

import { TcpProxy } from './tcp-proxy.mjs';

const { targetPort, targetHost, cutEveryMs } = JSON.parse(process.argv[2]);
const proxy = new TcpProxy({ targetPort, targetHost });
const port = await proxy.start();
let timer;

function scheduleCut() {
  timer = setTimeout(() => {
    proxy.cutAll();
    scheduleCut();
  }, cutEveryMs * (0.8 + Math.random() * 0.4));
}

process.on('message', async (message) => {
  if (message.type === 'cuts') {
    clearTimeout(timer);
    if (message.on) scheduleCut();
  } else if (message.type === 'stop') {
    clearTimeout(timer);
    const { connections, cuts, socketsCut } = proxy;
    process.send({ type: 'figures', connections, cuts, socketsCut }, () => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'listening', port });
