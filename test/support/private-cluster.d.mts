// Types of private-cluster.mjs, for the type-checked tests.

export type StopMode = 'fast' | 'immediate';

export interface PrivateClusterOptions {
  /** Addresses the server listens on (`listen_addresses`). Default `['127.0.0.1']`. */
  listenAddresses?: string[];
  /** Networks (CIDR) whose TCP connections are trusted in pg_hba.conf besides localhost. Default none. */
  trustNetworks?: string[];
}

/**
 * A throw-away PostgreSQL cluster for tests that stop, kill or restart the server.
 * Never touches the shared server. Always `destroy()` it (afterAll); a process exit hook is a
 * best-effort safety net.
 */
export declare class PrivateCluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  readonly port: number;
  /** The PGDATA directory. */
  readonly dataDir: string;
  /** The directory holding dataDir, the server log and the unix socket. */
  readonly baseDir: string;
  /** The server log file. */
  readonly logFile: string;
  readonly listenAddresses: readonly string[];
  readonly trustNetworks: readonly string[];
  private constructor(baseDir: string, port: number, options?: PrivateClusterOptions);
  /** Whether the harness believes the server is up (false after stop/kill/destroy). */
  get running(): boolean;
  /** The connection URL through another of the addresses it listens on. */
  urlFor(address: string): string;
  /** initdb a fresh cluster in a new temp dir, on a free port, and start it. */
  static start(options?: PrivateClusterOptions): Promise<PrivateCluster>;
  /** Starts the (stopped) server again on the same port; waits until it accepts connections. */
  start(): Promise<void>;
  /** pg_ctl stop: 'fast' = clean shutdown with checkpoint; 'immediate' = abort, crash recovery on next start. */
  stop(mode?: StopMode): Promise<void>;
  restart(mode?: StopMode): Promise<void>;
  /** SIGKILLs the postmaster and all its processes; `start()` afterwards runs crash recovery. */
  kill(): Promise<void>;
  /** Stops the server (immediate) if running and removes its directory. Idempotent. */
  destroy(): Promise<void>;
  /** Synchronous destroy, for exit/signal hooks. */
  destroySync(): void;
}

export declare const DIR_PREFIX: string;
/** The directory holding initdb, pg_ctl and postgres; throws naming every path tried. */
export declare function pgBinDir(): string;
/** How PostgreSQL tools are run (as the `postgres` user when root); throws if that is impossible. */
export declare function runAs(): { prefix: string[]; uid?: number; gid?: number };
/** pid of the postmaster from postmaster.pid, if the file exists. */
export declare function postmasterPid(dataDir: string): number | undefined;
/** Whether `pid` exists and is not a zombie. */
export declare function processAlive(pid: number): boolean;
/** Direct children of `pid` (Linux /proc; [] elsewhere). */
export declare function childrenOf(pid: number): number[];
