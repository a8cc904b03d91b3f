/**
 * @parley/client/sdk — the headless Parley client (docs/sdk.md). No UI framework,
 * no DOM beyond what the runtime offers (WebSocket, IndexedDB, BroadcastChannel),
 * each replaceable through the config.
 */
export { ParleyClient, type SendInput, type SentHandle, type ContextInput, type MediaLink } from './ParleyClient.ts';
export { Calls, type CallState, type CallInfo, type IncomingCall, type CallEnd, type CallQuality, type CallEvents, type RemoteMediaState, type DeviceChoice } from './calls/Calls.ts';
export type { ParleyClientConfig, ResolvedConfig, LogLevel, Logger } from './config.ts';
export { DEFAULTS } from './config.ts';
export type { ParleyEvents, ParleyCallbacks, ConnectionState, Connectivity, MessageSentEvent, MessageFailedEvent } from './events.ts';
export { browserOnlineSignal, manualOnlineSignal } from './sync/network.ts';
export { ConversationHandle, type ConversationEvents } from './conversations/ConversationHandle.ts';
export type { ConversationView } from './conversations/types.ts';
export type { ChatMessage, MessageStatus } from './messages/mergeMessages.ts';
export { mergeMessages, readByCount } from './messages/mergeMessages.ts';
export type { ReconnectOptions, ReconnectStrategy } from './reconnect/delay.ts';
export { reconnectDelay } from './reconnect/delay.ts';
export type { HeartbeatOptions } from './heartbeat/Heartbeat.ts';
export type { ClientStorage, DocPersistence } from './storage/types.ts';
export { Uploads, type UploadFile, type UploadOptions, type UploadHandle, type UploadState, type UploadProgress, type OnlineSignal, type UploadsConfig } from './uploads/index.ts';
export { memoryStorage } from './storage/memory.ts';
export { indexedDbStorage } from './storage/indexeddb.ts';
export type { BroadcastChannelLike, BroadcastChannelFactory } from './tabs/channel.ts';
export { memoryBroadcastHub } from './tabs/channel.ts';
export type { Clock } from './clock.ts';
export { FakeClock } from './clock.ts';
export { uuidv7 } from './ids.ts';
export { ParleyError, ERROR_CODES, RETRYABLE_CODES, type ErrorCode } from '@parley/schema';
