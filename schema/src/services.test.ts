import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SYNC_NODE_FLAGS } from './services.ts';

describe('services.json', () => {
  it("the sync-server's own start script runs with the flags npm start gives it", () => {
    const { scripts } = JSON.parse(fs.readFileSync(new URL('../../sync-server/package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
    const words = scripts.start.split(/\s+/);
    expect(SYNC_NODE_FLAGS.length).toBeGreaterThan(0);
    for (const flag of SYNC_NODE_FLAGS) expect(words).toContain(flag);
  });

  it('docker-compose runs each sync instance with those flags too', () => {
    const compose = fs.readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8');
    const lines = compose.split('\n');
    // Each sync instance names its working directory on the line before its command.
    const commands = lines.filter((line, i) => line.includes('command:') && lines[i - 1]?.includes('working_dir: /app/sync-server'));
    expect(commands).toHaveLength(2);
    for (const line of commands) for (const flag of SYNC_NODE_FLAGS) expect(line).toContain(`"${flag}"`);
  });
});
