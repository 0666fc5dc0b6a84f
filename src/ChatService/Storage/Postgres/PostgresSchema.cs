namespace Chat.ChatService.Storage.Postgres;

/// <summary>
/// The schema, as numbered steps applied once each (recorded in <c>schema_version</c>). Ids are
/// compared byte-wise (COLLATE "C"), the same order as the ordinal comparison clients use.
/// </summary>
public static class PostgresSchema
{
    public static readonly IReadOnlyList<string> Steps =
    [
        """
        CREATE TABLE inbox_heads (
            username        text PRIMARY KEY,
            last_id         text COLLATE "C" NOT NULL DEFAULT '',
            delivered_up_to text COLLATE "C" NOT NULL DEFAULT ''
        );
        CREATE TABLE messages (
            id          text COLLATE "C" PRIMARY KEY,
            sender      text NOT NULL,
            recipient   text NOT NULL,
            body        text NOT NULL,
            sent_at     timestamptz NOT NULL,
            client_id   text,
            previous_id text COLLATE "C" NOT NULL DEFAULT ''
        );
        -- Idempotency: one message per (sender, clientId), decided by the index, under any concurrency.
        CREATE UNIQUE INDEX ux_messages_sender_client ON messages (sender, client_id) WHERE client_id IS NOT NULL;
        -- Sync: a user's incoming messages in id order.
        CREATE INDEX ix_messages_recipient_id ON messages (recipient, id);
        -- History: both directions of a conversation in id order.
        CREATE INDEX ix_messages_conversation ON messages (LEAST(sender, recipient), GREATEST(sender, recipient), id);
        """,
    ];
}
