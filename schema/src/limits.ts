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
  /** Nesting of a command's JSON: a command's own fields nest 3 deep; the rest is room for extensions. */
  commandMaxDepth: 16,
  /** Edit and recall are allowed this long after sending. */
  editWindowMs: 24 * 60 * 60 * 1000,
  /** Messages kept in a conversation document; older ones live in the index only. */
  windowSize: 200,
  /** A window is trimmed back to `windowSize` once it holds this many times as many entries (rule D2). */
  windowTrimFactor: 1.25,
  /** Results kept in a user document (CONTRACT: at least 500). */
  resultsKept: 500,
  /** Results beyond `resultsKept` are trimmed once this many have piled up (rule O3). */
  resultsTrimBatch: 50,
  historyPageDefault: 50,
  historyPageMax: 200,
  searchPageDefault: 20,
  searchPageMax: 100,
  searchQueryMaxLength: 200,
  /** Words of a search text that count; the rest are ignored. */
  searchTermsMax: 10,
  /** People search (`GET /api/users`): the query and the answers. */
  userSearchQueryMaxLength: 64,
  userSearchMax: 20,
  /** Characters of a quoted message in a reply's preview. */
  replyPreviewLength: 200,
  reactionMaxLength: 32,
  /** Distinct emoji on one message. */
  reactionKindsMax: 50,
  /** Every id; ids a client makes are at least `clientIdMinLength` long. */
  idMaxLength: 64,
  clientIdMinLength: 8,
  mediaUrlMaxLength: 2048,
  /** REST bodies. */
  jsonBodyMaxBytes: 64 * 1024,
  /** One WebSocket message (a whole document sync may be large). */
  websocketMaxPayloadBytes: 8 * 1024 * 1024,
  /** Outbox commands per user: a token bucket. */
  commandRatePerSecond: 20,
  commandBurst: 200,
  /**
   * Commands one user may keep waiting in the outbox (rule O10): a long flight's
   * typing. Entries past it are answered OUTBOX_FULL; the earlier ones wait their turn.
   */
  outboxMaxPending: 5000,
  /** Failed logins per (address, username) pair within loginWindowMs: a name is never limited alone, so its owner elsewhere is not locked out. */
  loginAttempts: 10,
  /** Failed logins per address within loginWindowMs, whatever the names. */
  loginAddressAttempts: 50,
  loginWindowMs: 15 * 60 * 1000,
  /** Accounts registered per address per hour (PARLEY_REGISTER_LIMIT). */
  registrationsPerAddressPerHour: 10,
  accessTokenTtlSeconds: 60 * 60,
  /**
   * Bytes queued to one socket (ws `bufferedAmount`) past which it is closed as a
   * slow reader (rule B2, `PARLEY_SEND_QUEUE_MAX_BYTES`). Checked before each
   * send, so one frame larger than this still goes out to a socket that keeps up.
   */
  sendQueueMaxBytes: 4 * 1024 * 1024,
  /** Sync-step-1 requests per document connection: a burst, then one per `syncRequestIntervalMs` (rule B3). */
  syncRequestBurst: 10,
  syncRequestIntervalMs: 5000,
  /** One awareness state, as JSON; the frame carrying it is refused past twice this (rule B4). */
  awarenessStateMaxBytes: 1024,
  /** Every awareness state of one document together, as JSON (rule B4). */
  awarenessDocumentMaxBytes: 64 * 1024,
  /**
   * A user document's encoded size (rule B5, `PARLEY_USER_DOC_MAX_BYTES`). MySQL's
   * driver sends a snapshot hex-encoded, twice its size, in packets of at most
   * 16 MB (MariaDB's default max_allowed_packet): 4 MB leaves room for both.
   */
  userDocumentMaxBytes: 4 * 1024 * 1024,
  /** One Yjs update a client sends, refused before it is decoded (rule B5, `PARLEY_UPDATE_MAX_BYTES`). */
  updateMaxBytes: 2 * 1024 * 1024,
  /** Sockets per address that have not authenticated a document yet (rule B6, `PARLEY_UNAUTHENTICATED_PER_ADDRESS`). */
  unauthenticatedPerAddress: 20,
  /** A socket that has authenticated no document this long after opening is closed (rule B6, `PARLEY_AUTH_DEADLINE_MS`). */
  authDeadlineMs: 10_000,
  refreshTokenTtlSeconds: 30 * 24 * 60 * 60,
} as const;

export type Limits = typeof LIMITS;
