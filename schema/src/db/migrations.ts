import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from './index.ts';

/**
 * Migrations for both databases from one source. Where the two differ (blob
 * sizes, auto-increment, full-text search) the difference is spelled out here.
 */
export function migrations(dialect: Dialect): Record<string, Migration> {
  const mysql = dialect === 'mysql';
  // A BLOB holds 64 KB on MySQL: far too small for a document snapshot.
  const blob = mysql ? sql`longblob` : sql`blob`;
  const text = mysql ? sql`mediumtext` : sql`text`;
  const id = 'varchar(64)' as const;

  return {
    '0001_init': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('users')
          .addColumn('id', id, (c) => c.primaryKey())
          .addColumn('username', 'varchar(32)', (c) => c.notNull().unique())
          .addColumn('display_name', 'varchar(64)', (c) => c.notNull())
          .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
          .addColumn('avatar_url', 'varchar(2048)')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('refresh_tokens')
          .addColumn('id', id, (c) => c.primaryKey())
          .addColumn('user_id', id, (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('revoked_at', 'bigint')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('contacts')
          .addColumn('user_id', id, (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('contact_id', id, (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('contacts_pk', ['user_id', 'contact_id'])
          .execute();

        await db.schema
          .createTable('conversations')
          .addColumn('id', id, (c) => c.primaryKey())
          .addColumn('type', 'varchar(16)', (c) => c.notNull())
          .addColumn('title', 'varchar(100)')
          .addColumn('avatar_url', 'varchar(2048)')
          .addColumn('direct_key', 'varchar(140)', (c) => c.unique())
          .addColumn('context_kind', 'varchar(32)')
          .addColumn('context_ref', 'varchar(128)')
          .addColumn('buyer_id', id)
          .addColumn('seller_id', id)
          .addColumn('context_key', 'varchar(300)', (c) => c.unique())
          .addColumn('status', 'varchar(16)', (c) => c.notNull().defaultTo('active'))
          .addColumn('expires_at', 'bigint')
          .addColumn('created_by', id, (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('last_seq', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('last_message_at', 'bigint', (c) => c.notNull())
          .addColumn('epoch', 'integer', (c) => c.notNull().defaultTo(1))
          .execute();

        await db.schema
          .createTable('members')
          .addColumn('conversation_id', id, (c) => c.notNull().references('conversations.id').onDelete('cascade'))
          .addColumn('user_id', id, (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('role', 'varchar(16)', (c) => c.notNull().defaultTo('member'))
          .addColumn('joined_at', 'bigint', (c) => c.notNull())
          .addColumn('left_at', 'bigint')
          .addColumn('muted', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('last_read_seq', 'bigint', (c) => c.notNull().defaultTo(0))
          .addPrimaryKeyConstraint('members_pk', ['conversation_id', 'user_id'])
          .execute();
        await db.schema.createIndex('members_by_user').on('members').columns(['user_id', 'conversation_id']).execute();

        await db.schema
          .createTable('messages')
          .addColumn('conversation_id', id, (c) => c.notNull().references('conversations.id').onDelete('cascade'))
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .addColumn('id', id, (c) => c.notNull().unique())
          .addColumn('sender_id', id, (c) => c.notNull())
          .addColumn('kind', 'varchar(16)', (c) => c.notNull())
          .addColumn('text', text, (c) => c.notNull())
          .addColumn('media', text)
          .addColumn('reply_to', id)
          .addColumn('system', text)
          .addColumn('reactions', text)
          .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('edited_at', 'bigint')
          .addColumn('recalled_at', 'bigint')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('messages_pk', ['conversation_id', 'seq'])
          .execute();

        await db.schema
          .createTable('commands')
          .addColumn('id', id, (c) => c.primaryKey())
          .addColumn('user_id', id, (c) => c.notNull())
          .addColumn('result', text, (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('commands_by_age').on('commands').column('created_at').execute();

        await db.schema
          .createTable('documents')
          .addColumn('name', 'varchar(160)', (c) => c.primaryKey())
          .addColumn('data', blob, (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('document_updates')
          .addColumn('id', mysql ? 'bigint' : 'integer', (c) =>
            mysql ? c.primaryKey().autoIncrement() : c.primaryKey().autoIncrement(),
          )
          .addColumn('name', 'varchar(160)', (c) => c.notNull())
          .addColumn('data', blob, (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('document_updates_by_name').on('document_updates').columns(['name', 'id']).execute();

        await db.schema
          .createTable('uploads')
          .addColumn('id', id, (c) => c.primaryKey())
          .addColumn('user_id', id, (c) => c.notNull())
          .addColumn('conversation_id', id, (c) => c.notNull())
          .addColumn('filename', 'varchar(255)', (c) => c.notNull())
          .addColumn('mime_type', 'varchar(127)', (c) => c.notNull())
          .addColumn('size', 'bigint', (c) => c.notNull())
          .addColumn('uploaded', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('storage_key', 'varchar(255)', (c) => c.notNull())
          .addColumn('status', 'varchar(16)', (c) => c.notNull().defaultTo('pending'))
          .addColumn('sha256', 'varchar(64)')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('completed_at', 'bigint')
          .execute();
        await db.schema.createIndex('uploads_by_conversation').on('uploads').columns(['conversation_id', 'created_at']).execute();

        if (mysql) {
          // The ngram parser tokenises Chinese; MariaDB lacks it, so fall back to the default parser.
          try {
            await sql`alter table messages add fulltext index messages_text_ft (text) with parser ngram`.execute(db);
          } catch {
            await sql`alter table messages add fulltext index messages_text_ft (text)`.execute(db);
          }
        } else {
          // trigram matches any substring of three or more characters, Chinese included.
          await sql`create virtual table messages_fts using fts5(text, content='messages', content_rowid='rowid', tokenize='trigram')`.execute(db);
          await sql`create trigger messages_fts_insert after insert on messages begin
            insert into messages_fts(rowid, text) values (new.rowid, new.text); end`.execute(db);
          await sql`create trigger messages_fts_delete after delete on messages begin
            insert into messages_fts(messages_fts, rowid, text) values ('delete', old.rowid, old.text); end`.execute(db);
          await sql`create trigger messages_fts_update after update of text on messages begin
            insert into messages_fts(messages_fts, rowid, text) values ('delete', old.rowid, old.text);
            insert into messages_fts(rowid, text) values (new.rowid, new.text); end`.execute(db);
        }
      },
    },
    '0002_upload_media': {
      // What the media-server learns on finish: an image's dimensions and its thumbnail (docs/api.md, "Media").
      async up(db: Kysely<any>) {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        await db.schema.alterTable('uploads').addColumn('kind', 'varchar(8)', (c) => c.notNull().defaultTo('file')).execute();
        await db.schema.alterTable('uploads').addColumn('width', 'integer').execute();
        await db.schema.alterTable('uploads').addColumn('height', 'integer').execute();
        await db.schema.alterTable('uploads').addColumn('thumbnail_key', 'varchar(255)').execute();
        await db.schema.createIndex('uploads_by_status').on('uploads').columns(['status', 'created_at']).execute();
      },
    },
  };
}
