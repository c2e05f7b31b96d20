import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

export interface ChangeFeedOptions {
  /** Reads `PRAGMA data_version`, which changes whenever another connection commits. */
  version(): Promise<number>;
  /** The database file, whose WAL is watched for writes; `':memory:'` and `file:` URIs are only polled. */
  filename: string;
  /** How often the version is read as the fallback to watching the file. */
  pollMs: number;
  /** While true (a transactional step holds the connection), no read is made: the next look catches up. */
  paused(): boolean;
}

/**
 * Tells its listeners when another process (or another adapter on the file) commits. SQLite has no
 * notifications, but `PRAGMA data_version` changes whenever another connection commits, and reading it costs
 * microseconds: it is read when the file system reports a write to the database's WAL (inotify, so a listener
 * hears of another process's commit within a millisecond or so, and nothing is read while nothing happens),
 * and every `pollMs` as the fallback. One timer and one file watcher serve every listener, and run only while
 * there is one. Commits on the adapter's own connection do not change the version: the adapter reports those
 * it needs to itself.
 */
export class ChangeFeed {
  private readonly listeners = new Set<() => void>();
  private started: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private last = 0;
  private checking = false;

  constructor(private readonly options: ChangeFeedOptions) {}

  /** Calls `fn` after commits of other connections; resolves once the current version is known. Returns the function that stops it. */
  async listen(fn: () => void): Promise<() => void> {
    this.listeners.add(fn);
    await (this.started ??= this.start());
    return () => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** Stops watching whatever listens (the adapter is closing). */
  stop(): void {
    clearInterval(this.timer);
    this.watcher?.close();
    this.timer = undefined;
    this.watcher = undefined;
    this.started = undefined;
  }

  private async start(): Promise<void> {
    this.last = await this.options.version();
    if (this.listeners.size === 0) return;
    this.timer = setInterval(() => this.check(), this.options.pollMs);
    this.timer.unref();
    this.watcher = watchWrites(this.options.filename, () => this.check());
  }

  private check(): void {
    if (this.checking || this.options.paused()) return;
    this.checking = true;
    void this.options
      .version()
      .then((current) => {
        if (current === this.last) return;
        this.last = current;
        for (const fn of [...this.listeners]) fn();
      })
      .catch(() => {})
      .finally(() => (this.checking = false));
  }
}

/** Calls `onWrite` when the database file or its WAL is written (by any process); undefined where it cannot watch. */
function watchWrites(filename: string, onWrite: () => void): FSWatcher | undefined {
  if (filename === ':memory:' || filename.startsWith('file:')) return undefined;
  const base = basename(filename);
  try {
    const watcher = watch(dirname(resolve(filename)), { persistent: false }, (_event, name) => {
      if (name === `${base}-wal` || name === base) onWrite();
    });
    watcher.on('error', () => watcher.close()); // the poll goes on
    return watcher;
  } catch {
    return undefined; // no inotify here (a network file system): the poll alone
  }
}
