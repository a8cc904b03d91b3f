/* global process */
// Preloaded into the sync-server by bench/memory.ts (with --expose-gc): SIGUSR2 runs a full GC,
// so heap figures compare live objects, not garbage that happened to be collected or not.
process.on('SIGUSR2', () => globalThis.gc?.());
