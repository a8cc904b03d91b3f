import { useEffect, useRef } from 'react';

/** A <video> that plays a MediaStream; the local preview is muted (no echo) and mirrored by its class. */
export function MediaVideo({ stream, muted, className, label }: { stream: MediaStream | null; muted: boolean; className: string; label: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const video = ref.current;
    if (!video || video.srcObject === stream) return;
    video.srcObject = stream;
    if (stream) void video.play().catch(() => undefined);
  }, [stream]);
  return <video ref={ref} className={className} autoPlay playsInline muted={muted} aria-label={label} />;
}
