import { create } from 'zustand';
import type { UploadHandle, UploadProgress, UploadState } from '@parley/client/sdk';
import type { ParleyError } from '@parley/schema';

/** A file picked in the composer, not sent yet: the preview tray's entry. */
export interface Picked {
  key: string;
  file: File;
  /** An object URL for an image's or video's preview; revoked when removed or sent. */
  previewUrl: string | null;
}

/** An upload started from this tab, shown in its message's place until the message is sent. */
export interface UploadView {
  handle: UploadHandle;
  state: UploadState;
  progress: UploadProgress;
  error: ParleyError | null;
  /** The local file, so the bubble shows the picture before it is on the server. */
  previewUrl: string | null;
  width?: number;
  height?: number;
}

/** An upload left unfinished by an earlier page (a reload): picking the same file again resumes it. */
export interface StoredUpload {
  name: string;
  size: number;
  conversationId: string;
}

interface UploadsState {
  /** Per conversation: files in the tray. */
  picked: Record<string, Picked[]>;
  /** Per conversation: the last refusal (type or size), shown until the next pick. */
  refusal: Record<string, string | null>;
  /** By message id. */
  uploads: Record<string, UploadView>;
  stored: StoredUpload[];
}

export const useUploads = create<UploadsState>(() => ({ picked: {}, refusal: {}, uploads: {}, stored: [] }));

let next = 0;

export function addPicked(conversationId: string, files: File[], refusal: string | null): void {
  const added = files.map((file) => ({
    key: `${Date.now()}-${next++}`,
    file,
    previewUrl: /^(image|video)\//.test(file.type) ? URL.createObjectURL(file) : null,
  }));
  useUploads.setState((s) => ({
    picked: { ...s.picked, [conversationId]: [...(s.picked[conversationId] ?? []), ...added] },
    refusal: { ...s.refusal, [conversationId]: refusal },
  }));
}

export function removePicked(conversationId: string, key: string): void {
  useUploads.setState((s) => {
    const gone = s.picked[conversationId]?.find((p) => p.key === key);
    if (gone?.previewUrl) URL.revokeObjectURL(gone.previewUrl);
    return { picked: { ...s.picked, [conversationId]: (s.picked[conversationId] ?? []).filter((p) => p.key !== key) } };
  });
}

/** Empties the tray without revoking the previews: the sent bubbles show them until the upload ends. */
export function takePicked(conversationId: string): Picked[] {
  const taken = useUploads.getState().picked[conversationId] ?? [];
  useUploads.setState((s) => ({ picked: { ...s.picked, [conversationId]: [] }, refusal: { ...s.refusal, [conversationId]: null } }));
  return taken;
}

export function setRefusal(conversationId: string, refusal: string | null): void {
  useUploads.setState((s) => ({ refusal: { ...s.refusal, [conversationId]: refusal } }));
}

/** Follows a started upload's events into the store. */
export function trackUpload(messageId: string, handle: UploadHandle, extra: Pick<UploadView, 'previewUrl' | 'width' | 'height'>): void {
  const update = () =>
    useUploads.setState((s) => ({
      uploads: { ...s.uploads, [messageId]: { ...extra, handle, state: handle.state, progress: { ...handle.progress }, error: handle.error } },
    }));
  update();
  handle.on('progress', update);
  handle.on('state', update);
  const forget = (name: string, conversationId: string) =>
    useUploads.setState((s) => ({ stored: s.stored.filter((x) => !(x.name === name && x.conversationId === conversationId)) }));
  forget(handle.file.name, handle.conversationId);
}

export function setStored(stored: StoredUpload[]): void {
  useUploads.setState({ stored });
}
