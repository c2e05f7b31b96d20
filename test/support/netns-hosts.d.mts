// Types of netns-hosts.mjs, for the type-checked tests.

export interface Host {
  /** `h0`, `h1`, ... */
  readonly name: string;
  /** The network namespace (unique per run). */
  readonly namespace: string;
  /** The host's address, 10.213.X.(10 + index). */
  readonly address: string;
  /** argv prefix that runs a command inside this host: `ip netns exec <namespace>`. */
  readonly command: string[];
  /** Partition: takes the host's link down (its packets, and packets to it, are dropped). */
  down(): void;
  /** Heals the partition. */
  up(): void;
}

export declare class HostLab {
  /** Makes `count` hosts on one bridge; throws (having removed what it made) if that fails. */
  static create(count: number): HostLab;
  readonly tag: string;
  readonly bridge: string;
  /** `10.213.X` */
  readonly subnet: string;
  /** `10.213.X.0/24` */
  readonly cidr: string;
  /** The bridge's address in the root namespace, `10.213.X.1`: where a server for the hosts listens. */
  readonly serverAddress: string;
  readonly hosts: Host[];
  /** Removes the namespaces and the bridge. Idempotent, synchronous. */
  destroy(): void;
}

/** Why network namespaces cannot be made here (undefined when they can). */
export declare function netnsUnavailable(): string | undefined;
