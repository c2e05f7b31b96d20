// The soak's driver: starts the workflows at a steady pace from a client runtime (never started: it executes
// nothing), sends each its signal at a random moment after its start, and waits for them all to finish.
// Every call is retried through outages; starts are idempotent by id, so a retried start starts nothing twice.

import { mixed, SIGNAL, signalPayload, workflowId } from './definitions.mjs';
import { pause, retrying } from './retry.mjs';

const SIGNAL_DELAY_MAX_MS = 2_000;
/** A call that still fails after this long is given up on (and the workflow will show up as lost). */
const GIVE_UP_MS = 300_000;

export class Driver {
  constructor({ client, count, phase }) {
    this.client = client;
    this.phase = phase;
    this.ids = Array.from({ length: count }, (_, i) => workflowId(i));
    this.errors = new Map(); // error code or name -> count
    this.signalsSent = 0;
    this.signals = [];
    this.failedCalls = [];
  }

  #failure = (error) => {
    const key = `${this.phase?.current ? `[${this.phase.current}] ` : ''}${error?.code ?? error?.name ?? 'Error'}: ${String(error?.message).replace(/\d+/g, 'N').slice(0, 100)}`;
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  };

  /** Starts workflow i at `startAt + i * windowMs / count`; resolves when all are started. */
  async startAll(windowMs) {
    const t0 = Date.now();
    for (let i = 0; i < this.ids.length; i++) {
      const due = t0 + (i * windowMs) / this.ids.length;
      if (due > Date.now()) await pause(due - Date.now());
      try {
        await retrying(() => this.client.startWorkflow(mixed, [i], { id: this.ids[i] }), { forMs: GIVE_UP_MS, onRetry: this.#failure });
      } catch (error) {
        this.failedCalls.push({ call: 'startWorkflow', id: this.ids[i], error: String(error?.message ?? error) });
        continue;
      }
      this.signals.push(this.#signalLater(i));
    }
  }

  async #signalLater(i) {
    await pause(Math.random() * SIGNAL_DELAY_MAX_MS);
    try {
      await retrying(() => this.client.signal(this.ids[i], SIGNAL, signalPayload(i)), { forMs: GIVE_UP_MS, onRetry: this.#failure });
      this.signalsSent++;
    } catch (error) {
      this.failedCalls.push({ call: 'signal', id: this.ids[i], error: String(error?.message ?? error) });
    }
  }

  /** Resolves once every signal was sent (or given up on). */
  async signalsDone() {
    await Promise.all(this.signals);
  }

  /** How many of the started workflows have finished (-1 if the database cannot say right now). */
  finished(reader) {
    const sql = `SELECT count(*) AS n FROM ${reader.table('workflows')} WHERE parent_id IS NULL AND status IN ('completed', 'failed', 'cancelled')`;
    return reader.query(sql).then((rows) => Number(rows[0].n), () => -1);
  }

  /**
   * Polls until every started workflow is finished, or `timeoutMs` passed; returns when the last finished
   * (Date.now() at the poll that saw it) or undefined on timeout.
   */
  async drain(reader, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if ((await this.finished(reader)) >= this.ids.length) return Date.now();
      if (Date.now() > deadline) return undefined;
      await pause(250);
    }
  }

  /** What the driver's calls failed with (retried), most frequent first. */
  topErrors(limit = 10) {
    return [...this.errors].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([error, count]) => ({ error, count }));
  }

  figures() {
    return {
      signalsSent: this.signalsSent,
      driverCallRetries: [...this.errors.values()].reduce((a, b) => a + b, 0),
      driverCallsGivenUp: this.failedCalls.length,
    };
  }
}
