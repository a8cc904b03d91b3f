// The code examples in docs/ are real files under client/examples/, type-checked
// (and the Node bot run by a test); each doc shows one under a marker line:
//
//   <!-- example: client/examples/node/bot.mjs -->
//   ```js
//   ...the file, as it is...
//   ```
//
// `node scripts/doc-examples.mjs` (part of `npm run check`) fails when a shown
// block differs from its file or an example file is shown nowhere;
// `--write` copies the files into the docs instead.

/* global console */
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXAMPLES = 'client/examples';
const SHOWN = ['.mjs', '.ts', '.vue'];
const MARKER = /<!-- example: (\S+) -->\n```[\w-]*\n([\s\S]*?)```/g;

function files(dir) {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return files(rel);
    return SHOWN.includes(path.extname(entry.name)) ? [rel] : [];
  });
}

const write = process.argv.includes('--write');
const problems = [];
const shown = new Set();
for (const doc of fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md'))) {
  const docPath = path.join(root, 'docs', doc);
  const text = fs.readFileSync(docPath, 'utf8');
  const next = text.replace(MARKER, (block, file, code) => {
    shown.add(file);
    let actual;
    try {
      actual = fs.readFileSync(path.join(root, file), 'utf8');
    } catch {
      problems.push(`docs/${doc} shows ${file}, which does not exist`);
      return block;
    }
    if (code === actual) return block;
    if (!write) problems.push(`docs/${doc} shows ${file} differently from the file (node scripts/doc-examples.mjs --write copies it)`);
    return block.slice(0, block.length - code.length - 3) + actual + '```';
  });
  if (write && next !== text) {
    fs.writeFileSync(docPath, next);
    console.log(`docs/${doc}: examples copied from their files`);
  }
}
for (const file of files(EXAMPLES)) {
  if (!shown.has(file)) problems.push(`${file} is shown in no doc (add <!-- example: ${file} --> above a code block)`);
}
if (problems.length > 0) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
