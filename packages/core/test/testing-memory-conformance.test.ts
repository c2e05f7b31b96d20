import { describeStorageConformance } from '../src/conformance/index.js';
import { MemoryAdapter, type MemoryTransaction } from '../src/testing/index.js';

describeStorageConformance('MemoryAdapter', {
  create: async () => new MemoryAdapter(),
  destroy: async (adapter) => adapter.close(),
  createPeer: async (adapter) => new MemoryAdapter({ shareWith: adapter as MemoryAdapter }),
  leaseClock: 'now',
  transactionProbe: {
    async setup() {},
    async write(trx, value) {
      const t = trx as MemoryTransaction;
      t.set('probe', [...(t.get<string[]>('probe') ?? []), value]);
    },
    async read(adapter) {
      return (adapter as MemoryAdapter).getData<string[]>('probe') ?? [];
    },
  },
});
