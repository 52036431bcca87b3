"""The schema, as an ordered list of sqlite-utils migrations.

A migration is never edited once released: change the schema by adding a new one at the end.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("frontdesk")


@migrations()
def m001_initial(db: Database) -> None:
    db.executescript(
        """
        -- Everyone who writes to us or whom we write to. One customer may own several addresses.
        CREATE TABLE customers (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            company TEXT,
            tier TEXT NOT NULL DEFAULT 'unknown',
            created_at INTEGER NOT NULL
        );
        CREATE TABLE addresses (
            addr TEXT PRIMARY KEY,              -- lower-cased
            customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            name TEXT NOT NULL DEFAULT ''
        ) WITHOUT ROWID;
        CREATE INDEX addresses_customer ON addresses(customer_id);

        -- Addresses whose mail counts as our own replies, besides the configured account's.
        CREATE TABLE support_addresses (
            addr TEXT PRIMARY KEY,
            source TEXT NOT NULL               -- 'import' or 'config'
        ) WITHOUT ROWID;

        CREATE TABLE conversations (
            id INTEGER PRIMARY KEY,
            subject TEXT NOT NULL DEFAULT '',
            subject_key TEXT NOT NULL DEFAULT '',  -- subject without Re:/Fwd: prefixes, folded
            customer_id INTEGER REFERENCES customers(id),
            customer_addr TEXT,                 -- the address that started it (or we wrote to)
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'pending', 'closed')),
            message_count INTEGER NOT NULL DEFAULT 0,
            flagged_count INTEGER NOT NULL DEFAULT 0,
            first_message_at INTEGER NOT NULL DEFAULT 0,
            last_message_at INTEGER NOT NULL DEFAULT 0,
            last_customer_message_at INTEGER,
            last_our_message_at INTEGER,
            awaiting_reply INTEGER NOT NULL DEFAULT 0,
            preview TEXT NOT NULL DEFAULT '',
            closed_at INTEGER,
            created_at INTEGER NOT NULL
        );
        CREATE INDEX conversations_queue
            ON conversations(status, awaiting_reply, last_customer_message_at);
        CREATE INDEX conversations_last ON conversations(last_message_at);
        CREATE INDEX conversations_subject ON conversations(customer_id, subject_key);

        -- The raw RFC 5322 bytes, zlib-compressed, so a parser fix can re-derive everything.
        CREATE TABLE raw_messages (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL UNIQUE,
            size INTEGER NOT NULL,
            data BLOB NOT NULL
        );

        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversations(id),
            raw_id INTEGER NOT NULL REFERENCES raw_messages(id),
            message_id TEXT NOT NULL,           -- Message-ID without angle brackets
            synthetic_id INTEGER NOT NULL DEFAULT 0,
            content_hash TEXT NOT NULL,         -- with message_id: what makes a duplicate
            from_addr TEXT,
            from_name TEXT NOT NULL DEFAULT '',
            to_json TEXT NOT NULL DEFAULT '[]',
            cc_json TEXT NOT NULL DEFAULT '[]',
            reply_to_json TEXT NOT NULL DEFAULT '[]',
            subject TEXT NOT NULL DEFAULT '',
            date INTEGER NOT NULL,
            date_flagged INTEGER NOT NULL DEFAULT 0,
            received_at INTEGER NOT NULL,
            in_reply_to TEXT,
            references_json TEXT NOT NULL DEFAULT '[]',
            is_ours INTEGER NOT NULL DEFAULT 0,
            body_text TEXT NOT NULL DEFAULT '',
            new_text TEXT NOT NULL DEFAULT '',
            html_only INTEGER NOT NULL DEFAULT 0,
            parse_error TEXT,
            UNIQUE (message_id, content_hash)
        );
        CREATE INDEX messages_conversation ON messages(conversation_id, date);
        CREATE INDEX messages_flagged ON messages(parse_error) WHERE parse_error IS NOT NULL;

        -- Every Message-ID a conversation has seen, its own and those its messages reference:
        -- a message joins the conversation of any id it shares (JWZ's containers, kept in SQL).
        CREATE TABLE thread_ids (
            message_id TEXT PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversations(id)
        ) WITHOUT ROWID;
        CREATE INDEX thread_ids_conversation ON thread_ids(conversation_id);

        CREATE TABLE attachments (
            id INTEGER PRIMARY KEY,
            message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
            filename TEXT NOT NULL,
            original_filename TEXT NOT NULL DEFAULT '',
            content_type TEXT NOT NULL,
            size INTEGER NOT NULL,
            part_path TEXT NOT NULL,
            content_id TEXT NOT NULL DEFAULT '',
            inline INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX attachments_message ON attachments(message_id);

        -- IMAP folders and their sync state (used by `frontdesk sync`).
        CREATE TABLE folders (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            uidvalidity INTEGER,
            uidnext INTEGER,
            highestmodseq INTEGER,
            last_sync_at INTEGER
        );
        -- Where each message lives on the server: one row per (folder, UID).
        CREATE TABLE folder_messages (
            folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
            uid INTEGER NOT NULL,
            message_id INTEGER NOT NULL REFERENCES messages(id),
            flags TEXT NOT NULL DEFAULT '',
            modseq INTEGER,
            PRIMARY KEY (folder_id, uid)
        ) WITHOUT ROWID;
        CREATE INDEX folder_messages_message ON folder_messages(message_id);

        CREATE TABLE tags (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            owner TEXT                          -- who owns the root cause: Design, Engineering...
        );
        CREATE TABLE conversation_tags (
            conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
            PRIMARY KEY (conversation_id, tag_id)
        ) WITHOUT ROWID;
        CREATE INDEX conversation_tags_tag ON conversation_tags(tag_id);

        -- Who did what when; metrics read this table.
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER REFERENCES conversations(id) ON DELETE CASCADE,
            at INTEGER NOT NULL,
            actor TEXT NOT NULL,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX events_conversation ON events(conversation_id, at);
        CREATE INDEX events_kind ON events(kind, at);

        -- Full-text search over subject, sender and body: an external-content FTS5 index on
        -- `messages`, kept in step by triggers, so the text is stored once.
        CREATE VIRTUAL TABLE messages_fts USING fts5(
            subject, from_name, from_addr, body_text,
            content='messages', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts(rowid, subject, from_name, from_addr, body_text)
            VALUES (new.id, new.subject, new.from_name, new.from_addr, new.body_text);
        END;
        CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, subject, from_name, from_addr, body_text)
            VALUES ('delete', old.id, old.subject, old.from_name, old.from_addr, old.body_text);
        END;
        CREATE TRIGGER messages_fts_update
            AFTER UPDATE OF subject, from_name, from_addr, body_text ON messages BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, subject, from_name, from_addr, body_text)
            VALUES ('delete', old.id, old.subject, old.from_name, old.from_addr, old.body_text);
            INSERT INTO messages_fts(rowid, subject, from_name, from_addr, body_text)
            VALUES (new.id, new.subject, new.from_name, new.from_addr, new.body_text);
        END;
        """
    )


@migrations()
def m002_sync(db: Database) -> None:
    db.executescript(
        """
        -- Local flag changes (read, starred...) waiting to be pushed to the server by sync.
        CREATE TABLE flag_changes (
            id INTEGER PRIMARY KEY,
            folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
            uid INTEGER NOT NULL,
            add_flags TEXT NOT NULL DEFAULT '',
            remove_flags TEXT NOT NULL DEFAULT '',
            created_at INTEGER NOT NULL
        );
        CREATE INDEX flag_changes_folder ON flag_changes(folder_id, id);
        -- Gmail's stable id of a message across its labels (X-GM-MSGID).
        ALTER TABLE messages ADD COLUMN gm_msgid INTEGER;
        CREATE INDEX messages_gm_msgid ON messages(gm_msgid) WHERE gm_msgid IS NOT NULL;
        CREATE INDEX messages_message_id ON messages(message_id);
        """
    )


@migrations()
def m003_waiting_since(db: Database) -> None:
    db.executescript(
        """
        -- When the customer started waiting on us: their first message after our last reply.
        ALTER TABLE conversations ADD COLUMN waiting_since INTEGER;
        UPDATE conversations SET waiting_since = last_customer_message_at WHERE awaiting_reply;
        DROP INDEX conversations_queue;
        CREATE INDEX conversations_queue ON conversations(status, awaiting_reply, waiting_since);
        """
    )


@migrations()
def m004_outbox_and_work(db: Database) -> None:
    db.executescript(
        """
        -- Replies on their way out. A row is written before anything is sent; its state says how
        -- far it got: queued -> sending -> delivered (SMTP accepted) -> sent (filed in Sent), or
        -- failed (with the server's reason) / cancelled (undone in time).
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER REFERENCES conversations(id) ON DELETE SET NULL,
            message_id TEXT NOT NULL UNIQUE,
            state TEXT NOT NULL CHECK (state IN
                ('queued', 'sending', 'delivered', 'sent', 'failed', 'cancelled')),
            raw BLOB NOT NULL,
            envelope_from TEXT NOT NULL,
            recipients_json TEXT NOT NULL,
            close_after INTEGER NOT NULL DEFAULT 0,
            actor TEXT NOT NULL DEFAULT '',
            send_after INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER,
            last_error TEXT,
            permanent_error INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            sent_at INTEGER
        );
        CREATE INDEX outbox_state ON outbox(state, send_after);

        -- The agent's work on a conversation: who has it, until when it sleeps, when it was
        -- last looked at (what is newer is unread).
        ALTER TABLE conversations ADD COLUMN assignee TEXT;
        ALTER TABLE conversations ADD COLUMN snoozed_until INTEGER;
        ALTER TABLE conversations ADD COLUMN last_viewed_at INTEGER;
        CREATE INDEX conversations_assignee ON conversations(assignee, status);
        CREATE INDEX conversations_snoozed ON conversations(snoozed_until)
            WHERE snoozed_until IS NOT NULL;

        -- A reply being written survives closing the app.
        CREATE TABLE drafts (
            conversation_id INTEGER PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
            body TEXT NOT NULL,
            cc TEXT NOT NULL DEFAULT '',
            updated_at INTEGER NOT NULL
        );
        """
    )


@migrations()
def m005_saved_replies(db: Database) -> None:
    db.executescript(
        """
        -- Saved replies: a name, a body with {variables}, tags to apply and a status to set
        -- when used.
        CREATE TABLE saved_replies (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            body TEXT NOT NULL,
            tags_json TEXT NOT NULL DEFAULT '[]',
            set_status TEXT CHECK (set_status IN ('open', 'pending', 'closed')),  -- or NULL
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        -- Each time a saved reply was inserted: use counts, and which conversations it fitted.
        CREATE TABLE saved_reply_uses (
            id INTEGER PRIMARY KEY,
            reply_id INTEGER NOT NULL REFERENCES saved_replies(id) ON DELETE CASCADE,
            conversation_id INTEGER REFERENCES conversations(id) ON DELETE SET NULL,
            actor TEXT NOT NULL DEFAULT '',
            at INTEGER NOT NULL
        );
        CREATE INDEX saved_reply_uses_reply ON saved_reply_uses(reply_id, at);

        -- The colleague a conversation was handed to (the handoff issue fills it in).
        ALTER TABLE conversations ADD COLUMN handed_off_to TEXT;
        """
    )


@migrations()
def m006_customers_and_sla(db: Database) -> None:
    db.executescript(
        """
        -- What billing knows about a customer, and where its tier came from: 'default' (the
        -- config's tier for unknown senders), 'rule' (a VIP address or domain in the config),
        -- 'domain' (inherited from its company's domain), 'import' (a CSV) or 'manual'.
        ALTER TABLE customers ADD COLUMN plan TEXT;
        ALTER TABLE customers ADD COLUMN mrr_cents INTEGER;
        ALTER TABLE customers ADD COLUMN trial_ends TEXT;          -- ISO date
        ALTER TABLE customers ADD COLUMN note TEXT NOT NULL DEFAULT '';
        ALTER TABLE customers ADD COLUMN tier_source TEXT NOT NULL DEFAULT 'default';
        -- Tiers set before this migration were set on purpose.
        UPDATE customers SET tier_source = 'manual' WHERE tier != 'unknown';

        -- A company's domain: everyone writing from it shares its company name and its tier,
        -- unless their own was set. Free-mail domains never get a row.
        CREATE TABLE companies (
            domain TEXT PRIMARY KEY,            -- lower-cased
            company TEXT,
            tier TEXT,
            source TEXT NOT NULL                -- 'import' or 'manual'
        ) WITHOUT ROWID;

        -- SLA clocks and the priority order, maintained whenever they can change (ingest,
        -- status, tier, SLA settings): `priority_at` is the due time minus the tier's weight,
        -- a static key so the queue's order comes from an index.
        ALTER TABLE conversations ADD COLUMN sla_due_at INTEGER;
        ALTER TABLE conversations ADD COLUMN sla_warn_at INTEGER;
        ALTER TABLE conversations ADD COLUMN priority_at INTEGER;
        ALTER TABLE conversations ADD COLUMN churn_reasons TEXT;  -- JSON list, or NULL
        ALTER TABLE conversations ADD COLUMN at_risk INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX conversations_priority ON conversations(
            status, at_risk DESC, awaiting_reply DESC, priority_at, last_message_at DESC);
        CREATE INDEX conversations_sla_due ON conversations(sla_due_at)
            WHERE sla_due_at IS NOT NULL;

        -- What the store last applied from the config (SLA policy, customer rules), as JSON:
        -- every process writing to the store applies the same, and a change is noticed.
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) WITHOUT ROWID;
        """
    )


@migrations()
def m007_sales_and_handoffs(db: Database) -> None:
    db.executescript(
        """
        -- Sales signals found at ingest in the customer's messages: the best score, and the
        -- reasons (JSON list) shown to the agent. `sales_verdict` is the agent's correction
        -- (1: it is a sale, 0: it is not); NULL lets the detector's word stand.
        ALTER TABLE conversations ADD COLUMN sales_detected INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE conversations ADD COLUMN sales_score REAL NOT NULL DEFAULT 0;
        ALTER TABLE conversations ADD COLUMN sales_reasons TEXT;
        ALTER TABLE conversations ADD COLUMN sales_verdict INTEGER;
        CREATE INDEX conversations_sales ON conversations(sales_detected, sales_verdict)
            WHERE sales_detected OR sales_verdict IS NOT NULL;

        -- Colleagues a conversation was passed to (mode 'pass': it leaves support) or shared
        -- with (mode 'cc': it stays). `handed_off_to` on the conversation is the current pass.
        CREATE TABLE handoffs (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            colleague TEXT NOT NULL,
            colleague_email TEXT NOT NULL,
            mode TEXT NOT NULL CHECK (mode IN ('pass', 'cc')),
            note TEXT NOT NULL DEFAULT '',
            note_message_id TEXT,               -- the handoff email to the colleague (pass)
            reply_message_id TEXT,              -- our reply to the customer, colleague in CC
            actor TEXT NOT NULL DEFAULT '',
            at INTEGER NOT NULL
        );
        CREATE INDEX handoffs_conversation ON handoffs(conversation_id, at);
        CREATE INDEX handoffs_at ON handoffs(at);
        ALTER TABLE conversations ADD COLUMN shared_with TEXT;

        -- What an outbox row carries: a reply to the customer, or a handoff note to a colleague
        -- (sent like a reply, but not counted as one).
        ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'reply'
            CHECK (kind IN ('reply', 'handoff'));
        """
    )


@migrations()
def m008_report_indexes(db: Database) -> None:
    db.executescript(
        """
        -- The reports walk each conversation's messages in order and only ask who wrote when:
        -- an index holding that spares reading the rows, bodies and all. It starts with the
        -- old index's columns, which it replaces.
        CREATE INDEX messages_timeline ON messages(conversation_id, date, is_ours);
        DROP INDEX messages_conversation;
        -- New conversations, and those closed, in a period.
        CREATE INDEX conversations_first ON conversations(first_message_at);
        CREATE INDEX conversations_closed ON conversations(closed_at) WHERE closed_at IS NOT NULL;
        """
    )


@migrations()
def m009_report_timeline(db: Database) -> None:
    db.executescript(
        """
        -- What reports read of each conversation's timeline (storage/waits.py), kept as rows so
        -- a report reads only its period's. Each wait for our reply:
        CREATE TABLE waits (
            conversation_id INTEGER NOT NULL,
            customer_id INTEGER,                -- the conversation's, for the tier
            started_at INTEGER NOT NULL,        -- the customer's message that started it
            answered_at INTEGER,                -- our reply; NULL while unanswered
            first INTEGER NOT NULL,             -- 1: the conversation's first (first response)
            business_seconds INTEGER            -- its length in the business time of the
                                                -- settings' waits.business_policy
        );
        CREATE INDEX waits_conversation ON waits(conversation_id);
        CREATE INDEX waits_started ON waits(
            started_at, first, answered_at, business_seconds, customer_id, conversation_id
        );
        -- Each reply of ours (not handoff notes), with the teammate who sent it.
        CREATE TABLE replies (
            conversation_id INTEGER NOT NULL,
            sent_at INTEGER NOT NULL,           -- its Date
            agent TEXT NOT NULL                 -- the replied event's actor, else the From name
        );
        CREATE INDEX replies_conversation ON replies(conversation_id);
        CREATE INDEX replies_sent ON replies(sent_at, agent, conversation_id);
        -- Each closed conversation, with its time to close in that business time.
        CREATE TABLE closes (
            conversation_id INTEGER PRIMARY KEY,
            customer_id INTEGER,
            first_message_at INTEGER NOT NULL,
            closed_at INTEGER NOT NULL,
            business_seconds INTEGER
        );
        CREATE INDEX closes_closed
            ON closes(closed_at, first_message_at, business_seconds, customer_id);
        -- Conversations whose rows above must be recomputed: marked by the triggers below.
        CREATE TABLE waits_stale (conversation_id INTEGER PRIMARY KEY);
        INSERT INTO waits_stale SELECT id FROM conversations;
        CREATE TRIGGER waits_message_added AFTER INSERT ON messages BEGIN
            INSERT OR IGNORE INTO waits_stale VALUES (NEW.conversation_id);
        END;
        CREATE TRIGGER waits_message_removed AFTER DELETE ON messages BEGIN
            INSERT OR IGNORE INTO waits_stale VALUES (OLD.conversation_id);
        END;
        CREATE TRIGGER waits_message_changed
            AFTER UPDATE OF conversation_id, date, is_ours, message_id, from_name ON messages
        BEGIN
            INSERT OR IGNORE INTO waits_stale VALUES (OLD.conversation_id);
            INSERT OR IGNORE INTO waits_stale VALUES (NEW.conversation_id);
        END;
        CREATE TRIGGER waits_handoff_added AFTER INSERT ON handoffs BEGIN
            INSERT OR IGNORE INTO waits_stale VALUES (NEW.conversation_id);
        END;
        CREATE TRIGGER waits_handoff_removed AFTER DELETE ON handoffs BEGIN
            INSERT OR IGNORE INTO waits_stale VALUES (OLD.conversation_id);
        END;
        CREATE TRIGGER waits_handoff_changed
            AFTER UPDATE OF conversation_id, note_message_id ON handoffs BEGIN
            INSERT OR IGNORE INTO waits_stale VALUES (OLD.conversation_id);
            INSERT OR IGNORE INTO waits_stale VALUES (NEW.conversation_id);
        END;
        CREATE TRIGGER waits_conversation_changed
            AFTER UPDATE OF customer_id, first_message_at, closed_at ON conversations BEGIN
            INSERT OR IGNORE INTO waits_stale VALUES (NEW.id);
        END;
        CREATE TRIGGER waits_conversation_removed AFTER DELETE ON conversations BEGIN
            INSERT OR IGNORE INTO waits_stale VALUES (OLD.id);
        END;
        CREATE TRIGGER waits_reply_journaled AFTER INSERT ON events
            WHEN NEW.kind = 'replied' AND NEW.conversation_id IS NOT NULL BEGIN
            INSERT OR IGNORE INTO waits_stale VALUES (NEW.conversation_id);
        END;
        -- Customer messages in a period (incoming volume) without walking conversations.
        CREATE INDEX messages_dated ON messages(date, is_ours);
        -- Events of a kind in a period, with whose and on which conversation, from the index.
        DROP INDEX events_kind;
        CREATE INDEX events_kind ON events(kind, at, conversation_id, actor);
        """
    )


@migrations()
def m010_ratings(db: Database) -> None:
    db.executescript(
        """
        -- Customer satisfaction ratings that came back by mail ([csat]'s mailto: links), one
        -- per rating message. The conversation is the message's, so a merge carries it along;
        -- a conversation's newest rating is the one that counts.
        CREATE TABLE ratings (
            id INTEGER PRIMARY KEY,
            message_row_id INTEGER NOT NULL UNIQUE REFERENCES messages(id) ON DELETE CASCADE,
            rating TEXT NOT NULL CHECK (rating IN ('good', 'ok', 'bad')),
            comment TEXT NOT NULL DEFAULT '',   -- the message's new text, quotes cut
            customer_id INTEGER REFERENCES customers(id) ON DELETE SET NULL,
            customer_addr TEXT,
            rated_at INTEGER NOT NULL           -- the message's date
        );
        CREATE INDEX ratings_rated ON ratings(rated_at);
        -- Most ratings start no wait for us (storage/waits.py): its conversation is
        -- recomputed when one is recorded or dropped.
        CREATE TRIGGER waits_rating_added AFTER INSERT ON ratings BEGIN
            INSERT OR IGNORE INTO waits_stale
                SELECT conversation_id FROM messages WHERE id = NEW.message_row_id;
        END;
        CREATE TRIGGER waits_rating_removed AFTER DELETE ON ratings BEGIN
            INSERT OR IGNORE INTO waits_stale
                SELECT conversation_id FROM messages WHERE id = OLD.message_row_id;
        END;
        """
    )


@migrations()
def m011_query_plan_indexes(db: Database) -> None:
    db.executescript(
        """
        -- Chosen from the plans of what the screens run (tests/test_query_plans.py).
        -- One status, most recent first: the Closed queue, and a search's is:open/is:closed,
        -- read in order from here instead of walking every conversation by date.
        CREATE INDEX conversations_status_last ON conversations(status, last_message_at);
        -- Nothing orders or filters by (status, awaiting_reply, waiting_since) since the queues
        -- moved to conversations_priority: an index only kept up to date.
        DROP INDEX conversations_queue;
        -- Search ranks by BM25 with a word in the subject (the thread's topic) worth four in
        -- the body, and one in the sender's name or address two (storage/search.py).
        INSERT INTO messages_fts(messages_fts, rank) VALUES ('rank', 'bm25(4.0, 2.0, 2.0, 1.0)');
        """
    )


@migrations()
def m012_queue_order_index(db: Database) -> None:
    db.executescript(
        """
        -- A queue's whole order (its ids) is read from the index alone: the priority keys, the
        -- id that breaks their ties, and every column a queue's condition reads. Through
        -- conversations_priority each of the ~20,000 open conversations was a lookup in the
        -- table (27 ms for Needs reply, 47 ms for a tier at 100,000; 5 ms and 15 ms from here).
        -- It leads with the same keys, so it serves everything that one did.
        CREATE INDEX conversations_queue_order ON conversations(
            status, at_risk DESC, awaiting_reply DESC, priority_at, last_message_at DESC,
            id DESC, handed_off_to, snoozed_until, assignee, customer_id, sales_detected,
            sales_verdict);
        DROP INDEX conversations_priority;
        """
    )


@migrations()
def m013_unread_from_an_index(db: Database) -> None:
    db.executescript(
        """
        -- The status bar's unread count reads every conversation in play: with the columns it
        -- compares in the index it serves (one status, most recent first), it reads the index
        -- alone, not each row of the table (13 ms to 2 ms at 100,000, and 30 ms to 2 ms on a
        -- connection whose cache is cold, as each worker's is).
        CREATE INDEX conversations_status_recent ON conversations(
            status, last_message_at, snoozed_until, last_customer_message_at, last_viewed_at,
            last_our_message_at);
        DROP INDEX conversations_status_last;
        """
    )


@migrations()
def m014_conversation_tier(db: Database) -> None:
    db.executescript(
        """
        -- Each conversation carries its customer's tier (as `coalesce(cu.tier, 'unknown')`
        -- read it through a join), kept by the triggers below whoever writes a customer or a
        -- conversation. A tier's queue is then a range of conversations_tier_order: its
        -- ~3,000 conversations in play at 100,000, not each of the ~21,000 in play with a
        -- lookup of its customer (11-15 ms to about 2).
        ALTER TABLE conversations ADD COLUMN tier TEXT NOT NULL DEFAULT 'unknown';
        UPDATE conversations SET tier = coalesce(
            (SELECT cu.tier FROM customers cu WHERE cu.id = conversations.customer_id),
            'unknown')
        WHERE customer_id IS NOT NULL;
        CREATE TRIGGER conversations_tier_on_insert AFTER INSERT ON conversations
        WHEN NEW.customer_id IS NOT NULL BEGIN
            UPDATE conversations SET tier = coalesce(
                (SELECT tier FROM customers WHERE id = NEW.customer_id), 'unknown')
            WHERE id = NEW.id;
        END;
        CREATE TRIGGER conversations_tier_on_customer AFTER UPDATE OF customer_id
        ON conversations BEGIN
            UPDATE conversations SET tier = coalesce(
                (SELECT tier FROM customers WHERE id = NEW.customer_id), 'unknown')
            WHERE id = NEW.id;
        END;
        CREATE TRIGGER customers_tier_on_insert AFTER INSERT ON customers BEGIN
            UPDATE conversations SET tier = NEW.tier WHERE customer_id = NEW.id;
        END;
        CREATE TRIGGER customers_tier_on_update AFTER UPDATE OF tier ON customers
        WHEN NEW.tier IS NOT OLD.tier BEGIN
            UPDATE conversations SET tier = NEW.tier WHERE customer_id = NEW.id;
        END;
        CREATE TRIGGER customers_tier_on_delete AFTER DELETE ON customers BEGIN
            UPDATE conversations SET tier = 'unknown' WHERE customer_id = OLD.id;
        END;
        CREATE INDEX conversations_tier_order ON conversations(
            tier, status, at_risk DESC, awaiting_reply DESC, priority_at, last_message_at DESC,
            id DESC, handed_off_to, snoozed_until);
        -- The queue counts read every conversation in play with the columns each queue's
        -- condition reads, the tier now among them: still from the index alone (without the
        -- tier there, a lookup in the table for each of ~21,000: 33 ms, and 20 MB more of
        -- the connection's page cache).
        DROP INDEX conversations_queue_order;
        CREATE INDEX conversations_queue_order ON conversations(
            status, at_risk DESC, awaiting_reply DESC, priority_at, last_message_at DESC,
            id DESC, handed_off_to, snoozed_until, assignee, customer_id, sales_detected,
            sales_verdict, tier);
        """
    )


@migrations()
def m015_message_conversation_lookup(db: Database) -> None:
    db.executescript(
        """
        -- A search finds messages (full-text rowids) and shows conversations: for each of up
        -- to storage.search.RANKED_MATCHES matches, its conversation. Read from the messages
        -- table that is a page of message bodies a match (a store of 100,000 conversations
        -- holds them in 380 MB); from here, a few hundred matches a page of 5 MB. The planner
        -- prefers the table's own key for `m.id = ?`, so the searches name this index
        -- (INDEXED BY). A search's first run on a store not yet in the OS's cache: 445 ms to
        -- 154 for `refund`, 812 to 124 for `invoice before:2026-06-01`.
        CREATE INDEX messages_conversation_of ON messages(id, conversation_id);
        """
    )


@migrations()
def m016_conversation_search_lookup(db: Database) -> None:
    db.executescript(
        """
        -- A search with words finds messages, then their conversations (up to a few thousand),
        -- and reads of each what its conditions and its order ask: status, snooze, tier, when
        -- it last had mail, whether it is unread. From the conversations table that is a page
        -- a conversation; here, a few hundred a page (4 MB at 100,000 conversations). The
        -- planner prefers the table's own key for `c.id = ?`, so the search names this index
        -- (storage.queues.search_ids). A search's first run on a store not in the OS's cache
        -- at all, its statements alone: `refund` 144-164 ms to 46-54, `tier:vip refund`
        -- 285-348 to 90-98, `invoice before:2026-06-01` 408-420 to 101-104.
        CREATE INDEX conversations_search_lookup ON conversations(
            id, status, last_message_at, snoozed_until, tier, last_customer_message_at,
            last_viewed_at, last_our_message_at);
        """
    )
