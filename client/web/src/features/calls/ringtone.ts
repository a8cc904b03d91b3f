/**
 * The incoming-call ring, synthesised with the Web Audio API (no sound file):
 * two short rising notes, twice, every three seconds, until stopped.
 */
export interface Ringtone {
  stop(): void;
}

const NOTES = [
  [0, 660],
  [0.18, 880],
  [0.5, 660],
  [0.68, 880],
] as const;
const PERIOD_MS = 3000;

export function startRingtone(): Ringtone {
  let context: AudioContext | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;
  try {
    context = new AudioContext();
    // Before any click on the page the context may start suspended; a resume may still be allowed.
    void context.resume().catch(() => undefined);
    const ring = () => {
      if (!context) return;
      const now = context.currentTime;
      for (const [at, freq] of NOTES) {
        const osc = context.createOscillator();
        const gain = context.createGain();
        osc.type = 'sine';
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, now + at);
        gain.gain.exponentialRampToValueAtTime(0.12, now + at + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, now + at + 0.16);
        osc.connect(gain).connect(context.destination);
        osc.start(now + at);
        osc.stop(now + at + 0.18);
      }
    };
    ring();
    timer = setInterval(ring, PERIOD_MS);
  } catch {
    // No audio here: the dialog still shows.
  }
  return {
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
      void context?.close().catch(() => undefined);
      context = null;
    },
  };
}
