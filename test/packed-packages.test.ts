/**
 * The packages as a user of the published ones gets them: `npm pack` every package in packages/*, install
 * the tarballs into a fresh app in a temporary directory outside the repository, and there run the
 * quickstart, type-check against the installed declarations, and run the installed `steadfast` command.
 * Needs `npm run build` first (`npm test` does it).
 *
 * better-sqlite3 compiles from source when no prebuilt binary can be downloaded, which takes a minute or two
 * on a small machine. So by default the app installs without install scripts, with better-sqlite3 pinned to
 * the repository's version, and gets the repository's compiled driver: what is tested is this repository's
 * packages (their files, main, types, exports and bin), in about 30 s. `npm run test:packed`
 * (STEADFAST_PACKED_FULL=1) installs exactly as a user does, compiling the driver.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURE = join(REPO, 'test/fixtures/packed-app');
const FULL = process.env.STEADFAST_PACKED_FULL === '1';
const INSTALL_TIMEOUT_MS = FULL ? 600_000 : 180_000;

type Run = { code: number | null; stdout: string; stderr: string };

// Without the npm_* variables of an enclosing `npm test`, which would point the app's npm at the repository.
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== 'INIT_CWD'));

function run(file: string, args: string[], cwd: string, timeout = 60_000): Promise<Run> {
  return new Promise((done) => {
    execFile(file, args, { cwd, env: cleanEnv, timeout, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

/** Runs and expects exit code 0, failing with the command's output otherwise. */
async function ok(file: string, args: string[], cwd: string, timeout?: number): Promise<Run> {
  const result = await run(file, args, cwd, timeout);
  if (result.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

interface PackedPackage {
  name: string;
  filename: string;
  files: Array<{ path: string }>;
}

interface Manifest {
  main?: string;
  types?: string;
  bin?: Record<string, string>;
  exports?: Record<string, { types?: string; default?: string }>;
}

const packageDirs = readdirSync(join(REPO, 'packages')).map((dir) => `packages/${dir}`);
const manifest = (dir: string): Manifest & { name: string } => JSON.parse(readFileSync(join(REPO, dir, 'package.json'), 'utf8'));

describe(`packed packages installed into a fresh app${FULL ? ' (full install, compiling better-sqlite3)' : ' (with the repository’s compiled better-sqlite3)'}`, () => {
  let dir: string;
  let app: string;
  let packed: PackedPackage[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'steadfast-packed-'));
    const tarballs = join(dir, 'tarballs');
    app = join(dir, 'app');
    mkdirSync(tarballs);
    mkdirSync(app);
    const pack = await ok('npm', ['pack', '--json', '--pack-destination', tarballs, ...packageDirs.flatMap((d) => ['-w', d])], REPO);
    packed = JSON.parse(pack.stdout) as PackedPackage[];

    const driver = createRequire(join(REPO, 'packages/sqlite-adapter/package.json')).resolve('better-sqlite3/package.json');
    const driverVersion = (JSON.parse(readFileSync(driver, 'utf8')) as { version: string }).version;
    writeFileSync(join(app, 'package.json'), JSON.stringify({
      name: 'packed-app',
      private: true,
      type: 'module',
      ...(FULL ? { allowScripts: { 'better-sqlite3': true } } : { overrides: { 'better-sqlite3': driverVersion } }),
    }, null, 2));
    for (const file of readdirSync(FIXTURE)) copyFileSync(join(FIXTURE, file), join(app, file));
    await ok('npm', [
      'install', '--no-audit', '--no-fund', '--prefer-offline', ...(FULL ? [] : ['--ignore-scripts']),
      '@types/node@20', ...packed.map((p) => join(tarballs, p.filename)),
    ], app, INSTALL_TIMEOUT_MS);
    if (!FULL) {
      const release = 'build/Release/better_sqlite3.node';
      mkdirSync(join(app, 'node_modules/better-sqlite3/build/Release'), { recursive: true });
      copyFileSync(join(dirname(driver), release), join(app, 'node_modules/better-sqlite3', release));
    }
  }, INSTALL_TIMEOUT_MS + 30_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('packs every package with the files its main, types, exports and bin point at', () => {
    expect(packed.map((p) => p.name).sort()).toEqual(packageDirs.map((d) => manifest(d).name).sort());
    for (const d of packageDirs) {
      const { name, main, types, bin = {}, exports = {} } = manifest(d);
      const files = new Set(packed.find((p) => p.name === name)!.files.map((f) => f.path));
      const targets = [main, types, ...Object.values(bin), ...Object.values(exports).flatMap((e) => [e.types, e.default])];
      for (const target of targets.filter((t): t is string => t !== undefined)) {
        expect(files.has(target.replace(/^\.\//, '')), `${name}: ${target}`).toBe(true);
      }
    }
  });

  it('ships each package with its own README, the reference of that package', () => {
    for (const d of packageDirs) {
      const { name } = manifest(d);
      expect(packed.find((p) => p.name === name)!.files.map((f) => f.path), name).toContain('README.md');
      const installed = readFileSync(join(app, 'node_modules', name, 'README.md'), 'utf8');
      expect(installed.split('\n')[0], name).toBe(`# ${name}`);
    }
  });

  it('runs the quickstart from the installed packages, and the installed steadfast command reads its result', async () => {
    const database = join(dir, 'quickstart.db');
    const quickstart = await ok(process.execPath, ['quickstart.mjs', database], app);
    const seen = JSON.parse(quickstart.stdout.trim().split('\n').pop()!) as Record<string, any>;
    expect(seen.result).toEqual({ orderId: 'o-1', reservation: 'rsv-sku-1' });
    expect(seen.reminded).toBe('reminded ada');
    expect(seen.exportsOf).toEqual({
      '@steadfast/postgres-adapter': ['PostgresAdapter'],
      '@steadfast/express': ['CSRF_HEADER', 'steadfastRouter'],
      '@steadfast/nestjs': ['InjectRuntime', 'SteadfastModule'],
      '@steadfast/cli': ['ExitCode', 'main'],
    });
    expect(seen.conformance).toBe(true);

    const listed = await ok(join(app, 'node_modules/.bin/steadfast'), ['list', '--database', `sqlite:${database}`, '--json'], app);
    expect((JSON.parse(listed.stdout) as Array<{ id: string; status: string }>).map((w) => [w.id, w.status])).toEqual([['checkout-o-1', 'completed']]);
  });

  it('type-checks an app against the installed declarations, with the types they use', async () => {
    const tsc = join(REPO, 'node_modules/typescript/bin/tsc');
    const checked = await run(process.execPath, [tsc, '-p', join(app, 'tsconfig.json')], app);
    expect(checked.stdout + checked.stderr).toBe('');
    expect(checked.code).toBe(0);
  });

  it('runs `npx steadfast --help` in the app', async () => {
    const help = await ok('npx', ['--no-install', 'steadfast', '--help'], app);
    expect(help.stdout).toMatch(/^Usage: steadfast /);
  });
});
