import { create } from 'zustand';

/** The image open in the lightbox: one per tab. */
export const useLightbox = create<{ messageId: string | null }>(() => ({ messageId: null }));

export const openLightbox = (messageId: string) => useLightbox.setState({ messageId });
export const closeLightbox = () => useLightbox.setState({ messageId: null });
