// A client runtime (never started) in the benchmark's own process, plus a registry of probed task
// starts reported by worker processes.

import { pino } from 'pino';
import { Runtime } from '@steadfast/core';
import { ALL } from './definitions.mjs';

export function clientRuntime(store, adapterOptions) {
  const client = new Runtime({ storage: store.open(adapterOptions), logger: pino({ level: 'silent' }) });
  client.register(...ALL);
  return client;
}

/** Collects `onStart(id, at, pid)` reports and lets a scenario wait for a set of ids to have started. */
export class StartLog {
  constructor() {
    this.starts = new Map();
    this.waiters = new Set();
  }
  /** The `onStart` callback to hand to startWorker. Keeps every start (a recovered step starts twice). */
  record = (id, at, pid) => {
    const list = this.starts.get(id) ?? [];
    list.push({ at, pid });
    this.starts.set(id, list);
    for (const waiter of [...this.waiters]) waiter();
  };
  /** Resolves once `predicate(starts)` holds, or rejects after `timeoutMs`. */
  until(predicate, timeoutMs, what) {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate(this.starts)) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => (this.waiters.delete(check), reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))), timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
  /** First start of each of `ids`, once all have started. */
  async firstStarts(ids, timeoutMs, what) {
    await this.until((starts) => ids.every((id) => starts.has(id)), timeoutMs, what);
    return ids.map((id) => this.starts.get(id)[0]);
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
