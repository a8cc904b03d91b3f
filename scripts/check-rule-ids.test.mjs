import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkRuleIds, citations, expandList } from './check-rule-ids.mjs';

const ids = (text) => citations(text).map((c) => c.id);
// Ids built at run time, so that this file cites nothing undefined itself.
const cite = (id) => `// rule ${id}: why this line is here\n`;

describe('rule id citations', () => {
  it('reads the cited forms', () => {
    expect(ids('/** The outbox (rule O4): applied once. */')).toEqual(['O4']);
    expect(ids('// Rules O1, O2 and O5 hold here')).toEqual(['O1', 'O2', 'O5']);
    expect(ids('drop the copy (E2) and reload')).toEqual(['E2']);
    expect(ids("it('R1, R2: pings are answered', () => {})")).toEqual(['R1', 'R2']);
    expect(ids("describe('P1–P3: snapshots', () => {})")).toEqual(['P1', 'P2', 'P3']);
    expect(ids(' * The pure core (docs/protocol.md, O6): decisions')).toEqual(['O6']);
    expect(ids('  // A3: a removed member is cut off')).toEqual(['A3']);
    expect(ids('the message list (rules SDK-M1–SDK-M5)')).toEqual(['SDK-M1', 'SDK-M2', 'SDK-M3', 'SDK-M4', 'SDK-M5']);
  });

  it('expands ranges, short ranges and lists', () => {
    expect(expandList('E1–E3')).toEqual(['E1', 'E2', 'E3']);
    expect(expandList('E1–3')).toEqual(['E1', 'E2', 'E3']);
    expect(expandList('SDK-O1–4')).toEqual(['SDK-O1', 'SDK-O2', 'SDK-O3', 'SDK-O4']);
    expect(expandList('SDK-T1/SDK-T2')).toEqual(['SDK-T1', 'SDK-T2']);
    expect(expandList('A1-A2, D1')).toEqual(['A1', 'A2', 'D1']);
  });

  it('reads no ids into ordinary words', () => {
    const prose = [
      'UTF-8 text (UTF-8) and ES2022 targets; H264 video (H264)',
      'a rule of thumb; the rules are simple',
      '(see A) or (A4 paper) and Q1 2026 figures',
      "it('handles 10: ten items', () => {})",
      'status: 200, code: 4403',
    ].join('\n');
    expect(ids(prose)).toEqual([]);
  });
});

describe('checkRuleIds', () => {
  const roots = [];
  afterEach(() => {
    for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
  });

  function tree(files) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-rule-ids-'));
    roots.push(root);
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
      fs.writeFileSync(path.join(root, name), text);
    }
    return root;
  }
  const docs = (protocol, sdk) => ({ 'docs/protocol.md': protocol, 'docs/sdk.md': sdk });
  const item = (id) => `- **${id}** what it promises\n`;

  it('passes when every cited id is defined once', () => {
    const root = tree({ ...docs(item('X1') + item('X2'), item('SDK-X1')), 'src/a.ts': cite('X1') + cite('X2'), 'src/a.test.ts': cite('SDK-X1') });
    expect(checkRuleIds(root)).toEqual([]);
  });

  it('reads a definition from a table row too', () => {
    const root = tree({ ...docs('', '| id | what |\n|---|---|\n| **SDK-X1** | a state change |\n'), 'src/a.ts': cite('SDK-X1') });
    expect(checkRuleIds(root)).toEqual([]);
  });

  it('fails on a citation that no doc defines, naming the file and line', () => {
    const root = tree({ ...docs(item('X1'), ''), 'src/a.ts': cite('X1') + cite('X7') });
    expect(checkRuleIds(root)).toEqual(['src/a.ts:2: cites X7, which docs/protocol.md and docs/sdk.md do not define']);
  });

  it('fails on an id defined twice, in one doc or across both', () => {
    expect(checkRuleIds(tree(docs(item('X1') + item('X1'), '')))).toHaveLength(1);
    const across = checkRuleIds(tree(docs(item('X1'), item('X1'))));
    expect(across.some((p) => p.includes('already defined'))).toBe(true);
  });

  it('fails on an SDK id in the protocol doc and a protocol id in the SDK doc', () => {
    expect(checkRuleIds(tree(docs(item('SDK-X1'), '')))[0]).toMatch(/SDK-X1 belongs in docs\/sdk\.md/);
    expect(checkRuleIds(tree(docs('', item('X1'))))[0]).toMatch(/X1 belongs in docs\/protocol\.md/);
  });

  it('this checkout passes', () => {
    expect(checkRuleIds(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'))).toEqual([]);
  });
});
