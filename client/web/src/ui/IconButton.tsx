import type { ButtonHTMLAttributes, ReactNode } from 'react';

/** A button that shows only an icon: the label is required, for screen readers and the tooltip. */
export function IconButton({ label, children, className, ...rest }: { label: string; children: ReactNode } & ButtonHTMLAttributes<HTMLButtonElement>) {
  return (
    <button type="button" className={`icon-button${className ? ` ${className}` : ''}`} aria-label={label} title={label} {...rest}>
      {children}
    </button>
  );
}
