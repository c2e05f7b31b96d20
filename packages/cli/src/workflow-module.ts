import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from './exit-codes.js';

/**
 * Loads the build that `--module` names and returns its workflows and tasks, as `runtime.register(...)`
 * takes them. The module contract (an ES module, or CommonJS that Node can import):
 *
 * - `export const workflows = [new Orders(payments), checkout, chargeCard]`, or the same array as the
 *   default export; or
 * - `export function register(runtime) { runtime.register(new Orders(payments), checkout) }`: it is called
 *   with an object that collects what it registers (and accepts `queue(...)`, which it ignores).
 *
 * Importing the module runs its top level: keep it free of side effects (no runtime started, no server).
 */
export async function loadWorkflowModule(path: string, cwd = process.cwd()): Promise<object[]> {
  const file = resolve(cwd, path);
  if (!existsSync(file)) throw new UsageError(`--module ${path}: no such file (${file})`);
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`--module ${path} could not be loaded: ${error instanceof Error ? error.message : String(error)}`);
  }
  const items = await itemsOf(loaded, path);
  if (items.length === 0) throw new UsageError(`--module ${path} registers no workflows`);
  return items;
}

async function itemsOf(loaded: Record<string, unknown>, path: string): Promise<object[]> {
  const named = loaded.workflows ?? loaded.default;
  if (Array.isArray(named)) return named as object[];
  const register = loaded.register ?? (loaded.default as Record<string, unknown> | undefined)?.register;
  if (typeof register === 'function') {
    const items: object[] = [];
    const collector = {
      register(...registered: object[]) {
        items.push(...registered);
        return collector;
      },
      queue() {
        return collector;
      },
    };
    try {
      await (register as (runtime: typeof collector) => unknown)(collector);
    } catch (error) {
      throw new UsageError(`--module ${path}: its register(runtime) failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    return items;
  }
  throw new UsageError(`--module ${path} exports neither workflows (an array of what runtime.register takes) nor a register(runtime) function`);
}
