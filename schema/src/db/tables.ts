import type { Generated } from 'kysely';
import type { ConversationStatus, ConversationType, Role } from '../commands.ts';

/** The index: one row type per table. Times are epoch milliseconds. */

export interface UsersTable {
  id: string;
  /** Lower-cased; unique. */
  username: string;
  display_name: string;
  password_hash: string;
  avatar_url: string | null;
  created_at: number;
}

export interface RefreshTokensTable {
  id: string;
  user_id: string;
  expires_at: number;
  revoked_at: number | null;
  created_at: number;
}

export interface ContactsTable {
  user_id: string;
  contact_id: string;
  created_at: number;
}

export interface ConversationsTable {
  id: string;
  type: ConversationType;
  title: string | null;
  avatar_url: string | null;
  /** Direct conversations: the two member ids, sorted and joined; unique. */
  direct_key: string | null;
  context_kind: string | null;
  context_ref: string | null;
  buyer_id: string | null;
  seller_id: string | null;
  /** Context conversations: kind, ref, buyer and seller joined; unique. */
  context_key: string | null;
  status: ConversationStatus;
  expires_at: number | null;
  created_by: string;
  created_at: number;
  /** The last seq handed out; the next message takes last_seq + 1. */
  last_seq: number;
  last_message_at: number;
  /** Bumped when the server cuts the document over to a fresh one (rule E1). */
  epoch: number;
}

export interface MembersTable {
  conversation_id: string;
  user_id: string;
  role: Role;
  joined_at: number;
  /** Set when the member left or was removed; the row stays for history. */
  left_at: number | null;
  muted: number;
  /** Read marker: the highest seq this member has read. */
  last_read_seq: number;
}

export interface MessagesTable {
  conversation_id: string;
  seq: number;
  id: string;
  sender_id: string;
  kind: string;
  text: string;
  /** JSON */
  media: string | null;
  reply_to: string | null;
  /** JSON: the SystemEvent of a system message. */
  system: string | null;
  /** JSON: emoji → user ids. */
  reactions: string | null;
  version: number;
  edited_at: number | null;
  recalled_at: number | null;
  created_at: number;
}

/** Every handled command, so a duplicate gets the first result back (rule O4). */
export interface CommandsTable {
  id: string;
  user_id: string;
  /** JSON CommandResult */
  result: string;
  created_at: number;
}

export interface DocumentsTable {
  name: string;
  data: Uint8Array;
  updated_at: number;
}

/** Updates applied to a document since its snapshot (rule P2). */
export interface DocumentUpdatesTable {
  id: Generated<number>;
  name: string;
  data: Uint8Array;
  created_at: number;
}

export interface UploadsTable {
  id: string;
  user_id: string;
  conversation_id: string;
  filename: string;
  mime_type: string;
  size: number;
  uploaded: number;
  storage_key: string;
  /** `image`, `video` or `file`: what the upload was created as. */
  kind: 'image' | 'video' | 'file';
  status: 'pending' | 'complete' | 'rejected';
  sha256: string | null;
  /** Images: set on finish. */
  width: number | null;
  height: number | null;
  /** Images: where the thumbnail is, relative to the media-server's thumbnail folder. */
  thumbnail_key: string | null;
  created_at: number;
  completed_at: number | null;
}

export interface Database {
  users: UsersTable;
  refresh_tokens: RefreshTokensTable;
  contacts: ContactsTable;
  conversations: ConversationsTable;
  members: MembersTable;
  messages: MessagesTable;
  commands: CommandsTable;
  documents: DocumentsTable;
  document_updates: DocumentUpdatesTable;
  uploads: UploadsTable;
}
