/**
 * What the browser measures before an upload (the server runs no ffmpeg):
 * an image's width and height, a video's width, height, duration and a JPEG
 * poster frame from a <video> and a canvas.
 */
export interface Captured {
  width?: number;
  height?: number;
  durationMs?: number;
  poster?: File;
}

/** Where the poster is taken: half a second in, or the first frame of a shorter video. */
const POSTER_AT_S = 0.5;
/** Posters are drawn at most this wide or high: a thumbnail, not a still. */
const POSTER_MAX = 640;

export async function capture(file: File): Promise<Captured> {
  try {
    if (file.type.startsWith('image/')) return await imageSize(file);
    if (file.type.startsWith('video/')) return await videoFacts(file);
  } catch {
    // A file the browser cannot decode is sent without its measurements.
  }
  return {};
}

async function imageSize(file: File): Promise<Captured> {
  const bitmap = await createImageBitmap(file);
  const size = { width: bitmap.width, height: bitmap.height };
  bitmap.close();
  return size;
}

async function videoFacts(file: File): Promise<Captured> {
  const url = URL.createObjectURL(file);
  const video = document.createElement('video');
  video.muted = true;
  video.preload = 'auto';
  video.src = url;
  try {
    await once(video, 'loadedmetadata');
    const facts: Captured = { width: video.videoWidth, height: video.videoHeight };
    if (Number.isFinite(video.duration)) facts.durationMs = Math.round(video.duration * 1000);
    video.currentTime = Number.isFinite(video.duration) && video.duration > POSTER_AT_S ? POSTER_AT_S : 0;
    await once(video, 'seeked');
    const poster = await frame(video, file.name);
    if (poster) facts.poster = poster;
    return facts;
  } finally {
    video.removeAttribute('src');
    video.load();
    URL.revokeObjectURL(url);
  }
}

async function frame(video: HTMLVideoElement, name: string): Promise<File | null> {
  const scale = Math.min(1, POSTER_MAX / Math.max(video.videoWidth, video.videoHeight, 1));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(video.videoWidth * scale));
  canvas.height = Math.max(1, Math.round(video.videoHeight * scale));
  canvas.getContext('2d')?.drawImage(video, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.82));
  return blob ? new File([blob], `${name.replace(/\.[^.]*$/, '')}-poster.jpg`, { type: 'image/jpeg' }) : null;
}

function once(target: HTMLMediaElement, event: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event}`)), timeoutMs);
    target.addEventListener(event, () => (clearTimeout(timer), resolve()), { once: true });
    target.addEventListener('error', () => (clearTimeout(timer), reject(new Error('cannot decode'))), { once: true });
  });
}
