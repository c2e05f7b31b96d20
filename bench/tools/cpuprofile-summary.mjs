// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): self time by function and by package, and the
// inclusive (total) time of the functions whose name matches an optional filter.
// Usage: node bench/tools/cpuprofile-summary.mjs <file.cpuprofile> [top=25] [inclusive-filter-regex]

import { readFileSync } from 'node:fs';

const [file, topText = '25', filter] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/tools/cpuprofile-summary.mjs <file.cpuprofile> [top] [regex]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const top = Number(topText);
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

// Sample time per node (timeDeltas are the gaps between samples, in microseconds).
const selfUs = new Map();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

const where = (frame) => {
  const url = frame.url.replace(/^file:\/\//, '');
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ?? url.match(/packages\/([^/]+)\//)?.[1];
  return { url, pkg: pkg ?? (url.startsWith('node:') || url === '' ? frame.functionName.startsWith('(') ? frame.functionName : 'node internals' : url.split('/').slice(-2).join('/')) };
};
const label = (frame) => `${frame.functionName || '(anonymous)'} ${where(frame).url.split('/').slice(-3).join('/')}:${frame.lineNumber + 1}`;

const selfByFn = new Map();
const selfByPkg = new Map();
for (const [id, us] of selfUs) {
  const frame = byId.get(id).callFrame;
  selfByFn.set(label(frame), (selfByFn.get(label(frame)) ?? 0) + us);
  const { pkg } = where(frame);
  selfByPkg.set(pkg, (selfByPkg.get(pkg) ?? 0) + us);
}
const pct = (us) => `${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms`;
const print = (title, map) => {
  console.log(`\n${title}`);
  for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${name}`);
};
console.log(`${file}: ${(totalUs / 1000).toFixed(0)} ms sampled`);
print('self time by package', selfByPkg);
print('self time by function', selfByFn);

if (filter) {
  // Inclusive time: a sample counts once for each distinct matching function on its stack.
  const re = new RegExp(filter);
  const inclusive = new Map();
  for (const [id, us] of selfUs) {
    const seen = new Set();
    for (let n = id; n !== undefined; n = parent.get(n)) {
      const name = label(byId.get(n).callFrame);
      if (re.test(name) && !seen.has(name)) {
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + us);
      }
    }
  }
  print(`inclusive time of functions matching /${filter}/`, inclusive);
}
