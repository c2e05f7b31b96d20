#!/usr/bin/env node
// The `bin` of @steadfast/cli. npm links bins when it installs, which in a fresh clone of the repository is
// before `npm run build` has made dist/; a link to dist/bin.js would be skipped, so it points at this
// committed file instead, which loads the built command or says how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(built)) {
  process.stderr.write(`steadfast: the command is not built yet (${fileURLToPath(built)} is missing); run "npm run build" first\n`);
  process.exit(1);
}
await import(built.href);
