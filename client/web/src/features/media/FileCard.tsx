import { useTranslation } from 'react-i18next';
import type { Media } from '@parley/schema';
import { FileIcon } from './FileIcon.tsx';
import { formatBytes } from './format.ts';
import { useSignedLink } from './links.ts';

/** A file: icon, name, size and a download that keeps the file's name (the server answers Content-Disposition: attachment). */
export function FileCard({ media }: { media: Media }) {
  const { t, i18n } = useTranslation();
  const { link } = useSignedLink(media.url);
  const name = media.name ?? t('media.file');
  const extension = /\.([a-z0-9]{1,5})$/i.exec(name)?.[1]?.toUpperCase();
  return (
    <span className="file-card">
      <span className="file-icon">
        <FileIcon />
        {extension && <span className="file-ext">{extension}</span>}
      </span>
      <span className="file-info">
        <span className="file-name">{name}</span>
        <span className="file-size">{formatBytes(media.size, i18n.language)}</span>
      </span>
      {link ? (
        <a className="file-download" href={link.url} download={name} aria-label={t('media.download', { name })} title={t('media.download', { name })}>
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
            <path d="M12 4v11M7 10.5l5 5 5-5M5 20h14" />
          </svg>
        </a>
      ) : null}
    </span>
  );
}
