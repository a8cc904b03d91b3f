import type { Page } from 'playwright-core';

/**
 * A short real video recorded in Chromium: a canvas animation through
 * MediaRecorder (VP8 WebM, a keyframe every half second). Returned as bytes.
 */
export async function recordWebm(page: Page, ms = 2000): Promise<Buffer> {
  // Sent as source text: a compiled function may carry helpers (esbuild's __name) the page does not have.
  const base64 = await page.evaluate<string>(`(async (duration) => {
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 360;
    const ctx = canvas.getContext('2d');
    let frame = 0;
    const draw = () => {
      const hue = (frame * 3) % 360;
      ctx.fillStyle = \`hsl(\${hue} 60% 45%)\`;
      ctx.fillRect(0, 0, 640, 360);
      // Blocks of changing colour: real motion for the encoder, so the bitrate is not trivial.
      for (let i = 0; i < 60; i++) {
        ctx.fillStyle = \`hsl(\${(hue + i * 37) % 360} 80% \${30 + ((i * 13 + frame) % 50)}%)\`;
        ctx.fillRect((i * 53 + frame * 7) % 640, (i * 29 + frame * 3) % 360, 40, 40);
      }
      ctx.fillStyle = '#fff';
      ctx.font = 'bold 64px sans-serif';
      ctx.fillText(\`Parley \${frame}\`, 40, 200);
      frame++;
    };
    draw();
    const stream = canvas.captureStream(30);
    const recorder = new MediaRecorder(stream, { mimeType: 'video/webm;codecs=vp8', videoBitsPerSecond: 6000000, videoKeyFrameIntervalDuration: 500 });
    const chunks = [];
    recorder.ondataavailable = (e) => chunks.push(e.data);
    const timer = setInterval(draw, 33);
    recorder.start();
    await new Promise((r) => setTimeout(r, duration));
    const stopped = new Promise((r) => (recorder.onstop = r));
    recorder.stop();
    await stopped;
    clearInterval(timer);
    const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  })(${ms})`);
  return Buffer.from(base64, 'base64');
}
