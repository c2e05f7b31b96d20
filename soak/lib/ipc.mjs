// Helper processes of the soak (the fault proxy, the disk filler) are forked with IPC and answer messages.

import { fork } from 'node:child_process';

/** Forks `script` with `args`; `next(type)` resolves with the next message of that type it sends. */
export function forkHelper(script, args) {
  const child = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map();
  child.on('message', (message) => {
    const resolve = waiting.get(message.type);
    waiting.delete(message.type);
    resolve?.(message);
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const next = (type, timeoutMs = 60_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${script}: no '${type}' message within ${timeoutMs} ms`)), timeoutMs);
      waiting.set(type, (message) => (clearTimeout(timer), resolve(message)));
      exited.then(({ code, signal }) => reject(new Error(`${script} exited (${code ?? signal}) before sending '${type}'`)));
    });
  return {
    child,
    next,
    /** Sends `message` and resolves with the reply of type `replyType`. */
    request(message, replyType, timeoutMs) {
      const reply = next(replyType, timeoutMs);
      child.send(message);
      return reply;
    },
    send: (message) => child.send(message),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
