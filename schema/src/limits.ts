/** Every size and time limit of the protocol, in one place. */
export const LIMITS = {
  /** Characters of message text (Unicode code points are not counted; UTF-16 units are). */
  textMaxLength: 8000,
  /** Group and conversation titles. */
  titleMaxLength: 100,
  displayNameMaxLength: 64,
  usernameMinLength: 3,
  usernameMaxLength: 32,
  passwordMinLength: 8,
  passwordMaxLength: 256,
  /** Members of one group, the creator included. */
  groupMaxMembers: 500,
  /** A command's JSON, as stored in the outbox. */
  commandMaxBytes: 16 * 1024,
  /** Edit and recall are allowed this long after sending. */
  editWindowMs: 24 * 60 * 60 * 1000,
  /** Messages kept in a conversation document; older ones live in the index only. */
  windowSize: 200,
  /** Results kept in a user document (CONTRACT: at least 500). */
  resultsKept: 500,
  historyPageDefault: 50,
  historyPageMax: 200,
  searchPageMax: 100,
  reactionMaxLength: 32,
  mediaUrlMaxLength: 2048,
  /** REST bodies. */
  jsonBodyMaxBytes: 64 * 1024,
  /** Outbox commands per user: a token bucket. */
  commandRatePerSecond: 20,
  commandBurst: 200,
  /**
   * Commands one user may keep waiting in the outbox (rule O10): a long flight's
   * typing. Entries past it are answered OUTBOX_FULL; the earlier ones wait their turn.
   */
  outboxMaxPending: 5000,
  /** Failed logins per username and address within loginWindowMs. */
  loginAttempts: 10,
  loginWindowMs: 15 * 60 * 1000,
  accessTokenTtlSeconds: 60 * 60,
  refreshTokenTtlSeconds: 30 * 24 * 60 * 60,
} as const;

export type Limits = typeof LIMITS;
