import { iconBase as base } from '../../ui/icons.tsx';

/** The call controls' icons, drawn like ui/icons.tsx: 20 px line icons in currentColor. */

const HANDSET = 'M5 4h3.5l1.8 4.4-2.3 1.4a11 11 0 0 0 6.2 6.2l1.4-2.3L20 15.5V19a1.5 1.5 0 0 1-1.6 1.5C10.6 20 4 13.4 3.5 5.6A1.5 1.5 0 0 1 5 4z';

export const PhoneIcon = () => (
  <svg {...base}>
    <path d={HANDSET} />
  </svg>
);
export const VideoIcon = () => (
  <svg {...base}>
    <rect x="3" y="6.5" width="12.5" height="11" rx="2.5" />
    <path d="M15.5 10.5l5-3v9l-5-3" />
  </svg>
);
export const VideoOffIcon = () => (
  <svg {...base}>
    <path d="M8 6.5h5.5a2 2 0 0 1 2 2v3l5-3.5v9M15.5 17.5h-10a2.5 2.5 0 0 1-2.5-2.5V9a2.5 2.5 0 0 1 1.4-2.2M3 3l18 18" />
  </svg>
);
export const MicIcon = () => (
  <svg {...base}>
    <rect x="9" y="3" width="6" height="11" rx="3" />
    <path d="M5.5 11a6.5 6.5 0 0 0 13 0M12 17.5V21" />
  </svg>
);
export const MicOffIcon = () => (
  <svg {...base}>
    <path d="M15 10V6a3 3 0 0 0-5.8-1M9 9v2a3 3 0 0 0 4.6 2.5M5.5 11a6.5 6.5 0 0 0 10.3 5.3M18.4 12.6c.1-.5.1-1 .1-1.6M12 17.5V21M3 3l18 18" />
  </svg>
);
export const HangUpIcon = () => (
  <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
    <path d="M12 9c-3.4 0-6.6 1-8.7 2.9-.5.5-.6 1.2-.2 1.8l1.4 2c.4.5 1.1.7 1.7.4l2.5-1.1c.5-.2.8-.8.7-1.3l-.3-1.6c1.9-.6 4-.6 5.9 0l-.3 1.6c-.1.5.2 1.1.7 1.3l2.5 1.1c.6.3 1.3.1 1.7-.4l1.4-2c.4-.6.3-1.3-.2-1.8C18.6 10 15.4 9 12 9z" fill="currentColor" />
  </svg>
);
export const MinimiseIcon = () => (
  <svg {...base}>
    <path d="M9 4v5H4M15 20v-5h5M4 4l5 5M20 20l-5-5" />
  </svg>
);
export const DevicesIcon = () => (
  <svg {...base}>
    <path d="M4 7h10M18 7h2M4 17h2M10 17h10" />
    <circle cx="16" cy="7" r="2" />
    <circle cx="8" cy="17" r="2" />
  </svg>
);
/** A call record's icon: a camera or a handset; an arrow on the handset says which way the call went. */
export const CallRecordIcon = ({ video, outgoing }: { video: boolean; outgoing: boolean }) => (
  <svg {...base} width={16} height={16}>
    {video ? (
      <>
        <rect x="2.5" y="6.5" width="13" height="11" rx="2.5" />
        <path d="M15.5 10.5l5-3v9l-5-3" />
      </>
    ) : (
      <>
        <path d={HANDSET} />
        <path d={outgoing ? 'M16 3h5v5M21 3l-5 5' : 'M21 3l-5 5M16 4v4h4'} />
      </>
    )}
  </svg>
);
export const SignalIcon = ({ bars }: { bars: number }) => (
  <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
    {[0, 1, 2].map((i) => (
      <rect key={i} x={2 + i * 5} y={11 - i * 4} width="3" height={3 + i * 4} rx="1" fill="currentColor" opacity={i < bars ? 1 : 0.3} />
    ))}
  </svg>
);
