import PosyStore

/// Migrations of `messaging-<shard>.db` after the core one (version 1: outbox, cursors, meta).
public enum MessagingMigrations {
    public static let all: [Migration] = [
        Migration(
            2, "messaging: conversations, members, messages, changes",
            """
            CREATE TABLE conversations (
                id TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                order_id TEXT,
                shop_id TEXT NOT NULL,
                customer_id TEXT,
                order_state TEXT,
                last_seq INTEGER NOT NULL DEFAULT 0,
                live_count INTEGER NOT NULL DEFAULT 0,
                last_at TEXT,
                created_at TEXT NOT NULL,
                read_only_at REAL
            ) WITHOUT ROWID;
            CREATE INDEX conversations_order ON conversations(order_id);
            CREATE INDEX conversations_customer ON conversations(customer_id);
            CREATE INDEX conversations_shop ON conversations(shop_id, last_at);
            CREATE TABLE members (
                conversation_id TEXT NOT NULL,
                user_id TEXT NOT NULL,
                party TEXT NOT NULL,
                from_seq INTEGER NOT NULL DEFAULT 1,
                until_seq INTEGER,
                removed INTEGER NOT NULL DEFAULT 0,
                delivered_seq INTEGER NOT NULL DEFAULT 0,
                read_seq INTEGER NOT NULL DEFAULT 0,
                unread INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (conversation_id, user_id, party)
            ) WITHOUT ROWID;
            CREATE INDEX members_user ON members(user_id, party);
            CREATE TABLE messages (
                conversation_id TEXT NOT NULL,
                seq INTEGER NOT NULL,
                sender_id TEXT NOT NULL,
                party TEXT NOT NULL,
                client_msg_id TEXT,
                body BLOB NOT NULL,
                recalled_at TEXT,
                PRIMARY KEY (conversation_id, seq)
            ) WITHOUT ROWID;
            CREATE UNIQUE INDEX messages_client ON messages(conversation_id, sender_id, party, client_msg_id)
                WHERE client_msg_id IS NOT NULL;
            CREATE TABLE changes (
                pos INTEGER PRIMARY KEY AUTOINCREMENT,
                conversation_id TEXT NOT NULL,
                type TEXT NOT NULL,
                ref TEXT NOT NULL
            );
            CREATE INDEX changes_conversation ON changes(conversation_id, pos);
            CREATE UNIQUE INDEX changes_state ON changes(conversation_id, type, ref) WHERE type <> 'message';
            """),
        Migration(
            3, "messaging: the assistant's hand-over mark, shops' time zones",
            """
            ALTER TABLE conversations ADD COLUMN needs_person_at TEXT;
            CREATE TABLE shops (id TEXT PRIMARY KEY, time_zone TEXT NOT NULL) WITHOUT ROWID;
            """),
        Migration(
            4, "messaging: state cards and the assistant's answers are not unread for anyone",
            """
            UPDATE conversations SET live_count = (
                SELECT COUNT(*) FROM messages m WHERE m.conversation_id = conversations.id AND m.recalled_at IS NULL
                  AND m.party NOT IN ('system', 'assistant'));
            UPDATE members SET unread = (
                SELECT COUNT(*) FROM messages m WHERE m.conversation_id = members.conversation_id
                  AND m.seq >= MAX(members.read_seq + 1, members.from_seq) AND m.seq <= COALESCE(members.until_seq, 9223372036854775807)
                  AND NOT (m.sender_id = members.user_id AND m.party = members.party) AND m.recalled_at IS NULL
                  AND m.party NOT IN ('system', 'assistant'));
            """),
        Migration(
            5, "messaging: since when a courier or customer has had a message none of their devices took",
            """
            ALTER TABLE members ADD COLUMN unheard_since REAL;
            CREATE INDEX members_unheard ON members(unheard_since) WHERE unheard_since IS NOT NULL;
            """),
        Migration(
            6, "messaging: each shop's chat retention, and which ended conversations were cleared",
            """
            ALTER TABLE shops ADD COLUMN chat_days REAL;
            ALTER TABLE conversations ADD COLUMN chat_cleared_at REAL;
            CREATE INDEX conversations_chat_due ON conversations(read_only_at)
                WHERE chat_cleared_at IS NULL AND read_only_at IS NOT NULL;
            """),
    ]
}
