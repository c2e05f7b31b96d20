import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

/**
 * When, after a write to the WAL, the version is read again (ms after the write). A committing process writes
 * its last WAL frame before its fsync (with synchronous=FULL) and only then makes the commit visible, so the
 * read the write itself triggers usually comes too early; nothing is written after the commit to trigger
 * another. These reads cover commits whose fsync takes up to the last one; slower ones are left to the poll.
 */
const FOLLOW_UPS_MS = [2, 8, 32, 128];

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
  /** A look was asked for while one was in flight: look again when it ends (it may have read too early). */
  private again = false;
  private followUp: NodeJS.Timeout | undefined;

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
    clearTimeout(this.followUp);
    this.watcher?.close();
    this.timer = undefined;
    this.followUp = undefined;
    this.watcher = undefined;
    this.started = undefined;
  }

  private async start(): Promise<void> {
    this.last = await this.options.version();
    if (this.listeners.size === 0) return;
    this.timer = setInterval(() => this.check(), this.options.pollMs);
    this.timer.unref();
    this.watcher = watchWrites(this.options.filename, () => this.written());
  }

  /** The WAL was written: look now, and again a few times while the writer's commit becomes visible. */
  private written(): void {
    this.check();
    clearTimeout(this.followUp);
    const at = (i: number) => {
      this.followUp = setTimeout(() => {
        this.check();
        if (i + 1 < FOLLOW_UPS_MS.length) at(i + 1);
      }, FOLLOW_UPS_MS[i]! - (i === 0 ? 0 : FOLLOW_UPS_MS[i - 1]!));
      this.followUp.unref();
    };
    at(0);
  }

  private check(): void {
    if (this.options.paused()) return;
    if (this.checking) {
      this.again = true;
      return;
    }
    this.checking = true;
    void this.options
      .version()
      .then((current) => {
        if (current === this.last) return;
        this.last = current;
        for (const fn of [...this.listeners]) fn();
      })
      .catch(() => {})
      .finally(() => {
        this.checking = false;
        if (this.again && this.timer !== undefined) {
          this.again = false;
          this.check();
        }
      });
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
