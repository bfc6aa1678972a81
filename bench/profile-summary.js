// Summarises a V8 .cpuprofile (node --cpu-prof) or .heapprofile (node --heap-prof): the functions with the
// most self time / allocated bytes, and the most inclusive time (each sample counted once per function on
// its stack). Used for docs/scaling.md:
//   node bench/profile-summary.js /tmp/prof/CPU.*.cpuprofile [--top 30] [--per 1500x8]
// `--per RATExSECONDS` also prints microseconds per message (profile time / messages relayed in it).
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : args.splice(at, 2)[1];
};
const TOP = Number(option('--top', 30));
const per = option('--per', undefined);
const messages = per === undefined ? undefined : per.split('x').reduce((a, b) => Number(a) * Number(b));

const where = ({ url, lineNumber }) => {
  if (!url) return '';
  const short = url
    .replace(/^file:\/\//, '')
    .replace(/^.*?\/node_modules\//, '~/')
    .replace(/^.*?\/packages\//, '');
  return `${short}:${lineNumber + 1}`;
};
const label = (frame) => `${frame.functionName || '(anonymous)'} ${where(frame)}`.trim();

function table(rows, unit) {
  for (const [name, value, share] of rows) {
    const perMessage = messages === undefined || unit !== 'ms' ? '' : `  ${((value * 1000) / messages).toFixed(1).padStart(6)} µs/msg`;
    console.log(
      `${value.toFixed(unit === 'ms' ? 1 : 0).padStart(10)} ${unit} ${(share * 100).toFixed(1).padStart(5)} %${perMessage}  ${name}`,
    );
  }
}

for (const file of args) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  console.log(`\n# ${file}`);
  if (profile.head === undefined) {
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    const self = new Map();
    const inclusive = new Map();
    const counts = new Map();
    for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
    const interval = (profile.endTime - profile.startTime) / 1000 / profile.samples.length; // ms per sample
    let total = 0;
    for (const [id, count] of counts) {
      const node = byId.get(id);
      const ms = count * interval;
      total += ms;
      const name = label(node.callFrame);
      self.set(name, (self.get(name) ?? 0) + ms);
      const seen = new Set();
      for (let at = id; at !== undefined; at = parent.get(at)) {
        const n = label(byId.get(at).callFrame);
        if (seen.has(n)) continue;
        seen.add(n);
        inclusive.set(n, (inclusive.get(n) ?? 0) + ms);
      }
    }
    const busy = total - (self.get('(idle)') ?? 0);
    console.log(`profile ${total.toFixed(0)} ms, busy (not idle) ${busy.toFixed(0)} ms`);
    const top = (map) =>
      [...map]
        .filter(([name]) => !['(idle)', '(root)', '(program)'].includes(name))
        .sort((a, b) => b[1] - a[1])
        .slice(0, TOP)
        .map(([name, ms]) => [name, ms, ms / busy]);
    console.log('\n## self time');
    table(top(self), 'ms');
    console.log(`${(self.get('(garbage collector)') ?? 0).toFixed(1)} ms in the garbage collector`);
    console.log('\n## inclusive time');
    table(top(inclusive), 'ms');
  } else {
    const self = new Map();
    let total = 0;
    const walk = (node) => {
      const bytes = node.selfSize ?? 0;
      total += bytes;
      const name = label(node.callFrame);
      self.set(name, (self.get(name) ?? 0) + bytes);
      for (const child of node.children ?? []) walk(child);
    };
    walk(profile.head);
    console.log(`sampled live bytes at exit ${(total / 1024).toFixed(0)} KB (sampling heap profile: what was still allocated)`);
    table(
      [...self]
        .sort((a, b) => b[1] - a[1])
        .slice(0, TOP)
        .map(([name, bytes]) => [name, bytes / 1024, bytes / total]),
      'KB',
    );
  }
}
