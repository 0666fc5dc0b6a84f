using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace Chat.ChatService.Storage.Postgres;

/// <summary>Reading messages from rows and building parameters, the same way in every query.</summary>
internal static class PostgresRows
{
    /// <summary>The columns <see cref="ReadMessage"/> reads, in its order.</summary>
    public const string MessageColumns = "id, sender, recipient, group_id, body, sent_at, client_id";

    public static StoredMessage ReadMessage(DbDataReader reader, int offset = 0) => new(
        reader.GetInt64(offset),
        reader.GetString(offset + 1),
        reader.IsDBNull(offset + 2) ? null : reader.GetString(offset + 2),
        reader.IsDBNull(offset + 3) ? null : reader.GetString(offset + 3),
        reader.GetString(offset + 4),
        reader.GetFieldValue<DateTimeOffset>(offset + 5),
        reader.IsDBNull(offset + 6) ? null : reader.GetString(offset + 6));

    public static async Task<List<StoredMessage>> ReadMessagesAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var messages = new List<StoredMessage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            messages.Add(ReadMessage(reader));
        }
        return messages;
    }

    /// <summary>Asked for limit + 1 rows: the extra one only says that there is more.</summary>
    public static MessagePage Page(List<StoredMessage> messages, int limit)
    {
        var hasMore = messages.Count > limit;
        if (hasMore)
        {
            messages.RemoveAt(messages.Count - 1);
        }
        return new MessagePage(messages, hasMore);
    }

    /// <summary>One conversation, newest first, below <paramref name="before"/> (0: from the newest).</summary>
    public static async Task<MessagePage> ConversationPageAsync(NpgsqlConnection connection, string conversation, long before, int limit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT {MessageColumns} FROM messages WHERE conversation = $1 AND id < $2 ORDER BY id DESC LIMIT $3", connection);
        command.Parameters.Add(Text(conversation));
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = before == 0 ? long.MaxValue : before });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit + 1 });
        return Page(await ReadMessagesAsync(command, cancellationToken), limit);
    }

    public static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    public static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value };

    public static NpgsqlParameter<long> Bigint(long value) => new() { TypedValue = value };

    public static NpgsqlParameter NullableText(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    public static NpgsqlParameter<long[]> BigintArray(long[] values) => new() { TypedValue = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint };

    public static NpgsqlParameter<string[]> TextArray(string[] values) => new() { TypedValue = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    /// <summary>PostgreSQL keeps microseconds; answering with the same precision makes a retry's answer identical.</summary>
    public static DateTimeOffset TruncateToMicroseconds(DateTimeOffset t) =>
        new(t.Ticks - (t.Ticks % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);
}
