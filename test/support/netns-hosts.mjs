// "Hosts" as Linux network namespaces, for tests and benchmarks of several machines on one: each host is a
// namespace with a veth pair whose other end is on a bridge in the root namespace. The bridge has the
// lab's "server" address (10.213.X.1/24, X chosen free at random); host i has 10.213.X.(10+i). Nothing
// else is routed: a host reaches only the addresses this lab assigned, and a server (a private PostgreSQL
// cluster) listening on the bridge address. A host's link can be taken down (a partition) and up again.
//
// Needs root and iproute2. Names carry this process's pid and a random tag, so parallel runs cannot collide,
// and a run that was SIGKILLed is cleaned up by the next one. Everything is removed by destroy() and, as a
// safety net, on exit and on a terminating signal. Plain ESM (types in netns-hosts.d.mts) so that bench/
// uses it too; the tests reach it through netns.ts.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { onExitCleanup } from './exit-cleanup.mjs';
import { processAlive } from './private-cluster.mjs';

const NS_PREFIX = 'sfnet-';
const NS_NAME = /^sfnet-(\d+)-([0-9a-f]{6})-h\d+$/;

function ip(...args) {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs `ip` without failing: clean-up of what may be gone already. */
function ipQuiet(...args) {
  spawnSync('ip', args, { stdio: 'ignore' });
}

/** Why network namespaces cannot be made here (undefined when they can): not root, no `ip`, no permission. */
export function netnsUnavailable() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not running as root';
  const probe = `${NS_PREFIX}${process.pid}-probe`;
  const r = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (r.error) return `iproute2 ('ip') is not available: ${r.error.message}`;
  if (r.status !== 0) return `ip netns add failed: ${r.stderr.trim()}`;
  ipQuiet('netns', 'del', probe);
  return undefined;
}

/** Removes namespaces (and their bridges) left by processes that are gone. */
function sweepOrphans() {
  let names = [];
  try {
    names = ip('netns', 'list').split('\n').map((line) => line.split(' ')[0]).filter(Boolean);
  } catch {
    return;
  }
  for (const name of names) {
    const m = NS_NAME.exec(name) ?? /^sfnet-(\d+)-probe$/.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    ipQuiet('netns', 'del', name);
    if (m[2]) ipQuiet('link', 'del', `sfb${m[2]}`);
  }
}

/** A /24 of 10.213.0.0/16 that no interface or route on this machine uses yet. */
function freeSubnet() {
  const used = `${ip('-o', 'addr')}\n${ip('route')}`;
  for (let tries = 0; tries < 64; tries++) {
    const x = Math.floor(Math.random() * 256);
    if (!used.includes(`10.213.${x}.`)) return `10.213.${x}`;
  }
  throw new Error('no free 10.213.X.0/24 subnet found for the test hosts');
}

export class HostLab {
  /** @param {number} count how many hosts */
  static create(count) {
    sweepOrphans();
    const lab = new HostLab(randomBytes(3).toString('hex'), freeSubnet());
    try {
      ip('link', 'add', lab.bridge, 'type', 'bridge');
      ip('addr', 'add', `${lab.serverAddress}/24`, 'dev', lab.bridge);
      ip('link', 'set', lab.bridge, 'up');
      for (let i = 0; i < count; i++) lab.hosts.push(lab.#addHost(i));
      return lab;
    } catch (error) {
      lab.destroy();
      throw error;
    }
  }

  constructor(tag, subnet) {
    this.tag = tag;
    this.bridge = `sfb${tag}`;
    this.subnet = subnet;
    this.cidr = `${subnet}.0/24`;
    this.serverAddress = `${subnet}.1`;
    this.hosts = [];
    this.namespaces = []; // every namespace made, also one whose host failed half-way
    this.links = []; // the root-namespace ends of the veths
    this.destroyed = false;
    this.forget = onExitCleanup(() => this.destroy());
  }

  #addHost(i) {
    const ns = `${NS_PREFIX}${process.pid}-${this.tag}-h${i}`;
    const outside = `sfv${this.tag}h${i}`; // interface names: at most 15 characters
    const inside = `sfp${this.tag}h${i}`;
    const address = `${this.subnet}.${10 + i}`;
    ip('netns', 'add', ns);
    this.namespaces.push(ns);
    ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside, 'netns', ns);
    this.links.push(outside);
    ip('link', 'set', outside, 'master', this.bridge);
    ip('link', 'set', outside, 'up');
    ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', inside);
    ip('-n', ns, 'link', 'set', inside, 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    return {
      name: `h${i}`,
      namespace: ns,
      address,
      /** argv prefix that runs a command inside this host. */
      command: ['ip', 'netns', 'exec', ns],
      /** Partition: the host's link goes down; its packets, and packets to it, are dropped. */
      down: () => ip('link', 'set', outside, 'down'),
      up: () => ip('link', 'set', outside, 'up'),
    };
  }

  /** Removes the namespaces (their veths go with them) and the bridge. Idempotent and synchronous. */
  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.forget();
    // Deleting a namespace frees its veth only once the kernel has torn it down: delete the pairs first.
    for (const link of this.links) ipQuiet('link', 'del', link);
    for (const ns of this.namespaces) ipQuiet('netns', 'del', ns);
    ipQuiet('link', 'del', this.bridge);
  }
}
