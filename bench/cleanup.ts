import type { ChildProcess } from 'node:child_process';

/**
 * Everything a run creates (child servers, databases, sockets) is registered
 * here and released in reverse order, also on failure and on Ctrl-C, so that a
 * bench run leaves no process or database behind.
 */
const tasks: Array<{ what: string; release: () => Promise<void> | void }> = [];
const children = new Set<ChildProcess>();

/** Registers a release; returns a function that runs it now (once) instead of at the end. */
export function onCleanup(what: string, release: () => Promise<void> | void): () => Promise<void> {
  const task = { what, release };
  tasks.push(task);
  return async () => {
    const i = tasks.indexOf(task);
    if (i === -1) return;
    tasks.splice(i, 1);
    await release();
  };
}

/** A child process that must not outlive the bench, even if the bench dies without cleaning up. */
export function trackChild(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

export async function cleanupAll(): Promise<void> {
  while (tasks.length) {
    const task = tasks.pop()!;
    try {
      await task.release();
    } catch (error) {
      console.error(`cleanup: ${task.what} failed:`, error);
    }
  }
}

let interrupted = false;
export function installSignalHandlers(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      console.error(`\n${signal}: cleaning up`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
  // Last resort: a child server never outlives the bench process.
  process.on('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });
}
