/** Line icons, 20 px, drawn in currentColor; always inside a labelled control. */
export const iconBase = { viewBox: '0 0 24 24', width: 20, height: 20, 'aria-hidden': true, fill: 'none', stroke: 'currentColor', strokeWidth: 2, strokeLinecap: 'round', strokeLinejoin: 'round' } as const;
const base = iconBase;

export const PencilIcon = () => (
  <svg {...base}>
    <path d="M4 20h4L19 9l-4-4L4 16v4zM14 6l4 4" />
  </svg>
);
export const GroupIcon = () => (
  <svg {...base}>
    <circle cx="9" cy="8" r="3.2" />
    <path d="M3.5 19c.6-3.2 2.8-5 5.5-5s4.9 1.8 5.5 5M16 5.2a3 3 0 0 1 0 5.6M17.5 14.2c1.7.6 2.8 2.2 3 4.8" />
  </svg>
);
export const PeopleIcon = () => (
  <svg {...base}>
    <circle cx="12" cy="8" r="3.5" />
    <path d="M5 20c.7-3.8 3.4-6 7-6s6.3 2.2 7 6" />
  </svg>
);
export const InfoIcon = () => (
  <svg {...base}>
    <circle cx="12" cy="12" r="9" />
    <path d="M12 11v6M12 7.5v.5" />
  </svg>
);
export const SendIcon = () => (
  <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
    <path d="M4 12l16-8-6 16-2.5-6.5L4 12z" fill="currentColor" />
  </svg>
);
export const SmileIcon = () => (
  <svg {...base}>
    <circle cx="12" cy="12" r="9" />
    <path d="M8.5 14.5c1.8 2 5.2 2 7 0M9 9.5v.5M15 9.5v.5" />
  </svg>
);
export const DotsIcon = () => (
  <svg {...base}>
    <path d="M6 12h.01M12 12h.01M18 12h.01" strokeWidth="3" />
  </svg>
);
export const ReplyIcon = () => (
  <svg {...base}>
    <path d="M10 8L5 12l5 4M5 12h9a5 5 0 0 1 5 5v1" />
  </svg>
);
export const ArrowDownIcon = () => (
  <svg {...base}>
    <path d="M12 5v14M6 13l6 6 6-6" />
  </svg>
);
