export { SqliteAdapter } from './sqlite-adapter.js';
export type { SqliteAdapterOptions } from './sqlite-adapter.js';
