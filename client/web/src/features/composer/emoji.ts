/**
 * The emoji picker's whole data: a short list of the faces and signs people use
 * most in chat. Rendered by the system's emoji font, so it costs no images and
 * about one kilobyte of code (see docs/web.md).
 */
export const EMOJI = [
  '😀', '😂', '🥲', '😊', '😍', '😘', '😎', '🤔', '😅', '😭', '😡', '😱', '🥳', '😴', '🙄', '😬',
  '👍', '👎', '👏', '🙏', '💪', '👋', '🤝', '✌️', '👌', '🙌', '❤️', '💔', '🔥', '✨', '🎉', '💯',
  '✅', '❌', '⚠️', '❓', '👀', '💡', '📌', '📎', '☕', '🍕', '🎂', '🌹', '🌞', '🌧️', '🚀', '⏰',
] as const;

/** The quick reactions offered first on a message. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🙏'] as const;
