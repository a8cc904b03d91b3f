// Keeps rule ids honest (part of `npm run check`): every rule id that code, a
// test or a doc cites is defined once, protocol ids in docs/protocol.md and the
// SDK's own (`SDK-` prefix) in docs/sdk.md.
//
//   node scripts/check-rule-ids.mjs [root]
//
// A definition is a list item or a table row that starts with the id in bold:
// `- **O4** …`, `| **SDK-C1** | … |`.
// A citation is an id list (`O4`, `R1, R2`, `P1–P3`, `SDK-M1–SDK-M5`, `E1–3`)
//   - after the word rule or rules: `rule O4`, `rules SDK-M1–SDK-M5`;
//   - alone in parentheses: `(E2)`, `(R1, R2)`;
//   - after a doc's name: `docs/protocol.md, O6`;
//   - before a colon at the start of a test name or a comment: `it('O4: …')`, `// A3: …`.
// Ids are one capital and one or two digits, with `SDK-` in front for the SDK's:
// words such as UTF-8, H264 or ES2022 are never read as ids.

/* global console */
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const ID = String.raw`(?:SDK-|[A-Z]-SDK)?[A-Z]?[0-9]{1,2}`;
const ONE_ID = String.raw`\b(?:SDK-[A-Z][0-9]{1,2}|[A-Z]-SDK[0-9]{1,2}|[A-Z][0-9]{1,2})\b`;
const LIST = String.raw`${ONE_ID}(?:\s*(?:–|-|,|\/|and|&)\s*${ID}\b)*`;

const CITATIONS = [
  new RegExp(String.raw`\b[Rr]ules?\s+(${LIST})`, 'g'),
  new RegExp(String.raw`\((${LIST})\)`, 'g'),
  new RegExp(String.raw`docs\/(?:protocol|sdk)\.md,?\s+(${LIST})`, 'g'),
  new RegExp(String.raw`(?:\b(?:it|test|describe)(?:\.\w+)*\(\s*['"\x60]|\/\/\s*|\/\*\*?\s*|^\s*\*\s*)(${LIST}):`, 'gm'),
];
const DEFINITION = new RegExp(String.raw`^\s*(?:[-*]|\|)\s+\*\*(${ONE_ID})\*\*`, 'gm');

const SOURCE = /\.(?:ts|tsx|mts|js|mjs|cjs)$/;
const SKIP = new Set(['node_modules', '.git', 'dist', 'data', 'results', 'coverage']);

/** The ids a list names: `R1, R2` → R1, R2; `P1–P3` → P1, P2, P3; `SDK-O1–4` → SDK-O1 … SDK-O4. */
export function expandList(list) {
  const ids = [];
  let range = false;
  for (const [, token, dash] of list.matchAll(/(SDK-[A-Z][0-9]{1,2}|[A-Z]-SDK[0-9]{1,2}|[A-Z][0-9]{1,2}|[0-9]{1,2})|(–|-)/g)) {
    if (dash) {
      range = ids.length > 0;
      continue;
    }
    const from = /^(.*?)([0-9]+)$/.exec(ids.at(-1) ?? '');
    const to = /^(.*?)([0-9]+)$/.exec(token);
    // A bare number continues the id before it: `E1–3`, `O-SDK1–4`.
    const prefix = to[1] || (from?.[1] ?? '');
    if (range && from && prefix === from[1]) {
      for (let n = Number(from[2]) + 1; n <= Number(to[2]); n++) ids.push(prefix + n);
    } else if (prefix) ids.push(prefix + to[2]);
    range = false;
  }
  return ids;
}

/** Every id a text cites, with its line. */
export function citations(text) {
  const found = [];
  for (const pattern of CITATIONS) {
    for (const match of text.matchAll(pattern)) {
      const line = text.slice(0, match.index).split('\n').length;
      for (const id of expandList(match[1])) found.push({ id, line });
    }
  }
  return found;
}

/** The ids a doc defines, with their lines; one id may appear more than once (that is an error). */
export function definitions(markdown) {
  return [...markdown.matchAll(DEFINITION)].map((m) => ({ id: m[1], line: markdown.slice(0, m.index).split('\n').length }));
}

function sources(root) {
  const files = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (SKIP.has(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (SOURCE.test(entry.name) || entry.name.endsWith('.md')) files.push(full);
    }
  };
  walk(root);
  return files;
}

/** Problems in a checkout: undefined citations, ids defined twice or in the wrong doc. */
export function checkRuleIds(root) {
  const problems = [];
  const defined = new Map();
  for (const [doc, sdk] of [['docs/protocol.md', false], ['docs/sdk.md', true]]) {
    const file = path.join(root, doc);
    if (!fs.existsSync(file)) {
      problems.push(`${doc}: missing`);
      continue;
    }
    for (const { id, line } of definitions(fs.readFileSync(file, 'utf8'))) {
      const where = `${doc}:${line}`;
      if (defined.has(id)) problems.push(`${where}: ${id} is already defined at ${defined.get(id)}`);
      else defined.set(id, where);
      if (id.startsWith('SDK-') !== sdk) problems.push(`${where}: ${id} belongs in ${sdk ? 'docs/protocol.md' : 'docs/sdk.md (SDK ids start with SDK-)'}`);
    }
  }
  for (const file of sources(root)) {
    const rel = path.relative(root, file).split(path.sep).join('/');
    const text = fs.readFileSync(file, 'utf8');
    for (const { id, line } of citations(text)) {
      if (!defined.has(id)) problems.push(`${rel}:${line}: cites ${id}, which docs/protocol.md and docs/sdk.md do not define`);
    }
  }
  return problems;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
  const problems = checkRuleIds(root);
  for (const p of problems) console.error(p);
  if (problems.length) {
    console.error(`rule ids: ${problems.length} problem(s)`);
    process.exit(1);
  }
}
