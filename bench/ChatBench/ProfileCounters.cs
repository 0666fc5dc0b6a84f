using Npgsql;

namespace Chat.Bench;

/// <summary>The server-wide counters of one moment: WAL position and records, commits of one database.</summary>
internal sealed record ServerCounters(long WalPosition, long WalRecords, long WalFullPages, long WalSyncs, long Commits)
{
    /// <summary>Read on the maintenance database, so reading adds no commit to the profiled one.</summary>
    public static async Task<ServerCounters> ReadAsync(NpgsqlDataSource admin, string database)
    {
        await using var command = admin.CreateCommand("""
            SELECT (pg_current_wal_lsn() - '0/0')::bigint, w.wal_records, w.wal_fpi, w.wal_sync, d.xact_commit
            FROM pg_stat_wal w, pg_stat_database d WHERE d.datname = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = database });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new ServerCounters(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
    }
}

/// <summary>One table's row writes, its size and its buffer accesses.</summary>
internal sealed record TableCounters(long Inserted, long Updated, long HotUpdated, long Deleted, long TableBytes, long IndexBytes, long HeapBlocks, long IndexBlocks);

/// <summary>One index's entries (live and dead, from pgstattuple) and size.</summary>
internal sealed record IndexCounters(string Table, long Entries, long Bytes);

/// <summary>Every user table and index of the profiled database, at one moment.</summary>
internal sealed record RelationCounters(Dictionary<string, TableCounters> Tables, Dictionary<string, IndexCounters> Indexes)
{
    public static async Task<RelationCounters> ReadAsync(NpgsqlDataSource database)
    {
        var tables = new Dictionary<string, TableCounters>(StringComparer.Ordinal);
        await using (var command = database.CreateCommand("""
            SELECT t.relname, t.n_tup_ins, t.n_tup_upd, t.n_tup_hot_upd, t.n_tup_del, pg_table_size(t.relid), pg_indexes_size(t.relid),
                   COALESCE(s.heap_blks_hit + s.heap_blks_read, 0), COALESCE(s.idx_blks_hit + s.idx_blks_read, 0)
            FROM pg_stat_user_tables t JOIN pg_statio_user_tables s USING (relid)
            """))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables[reader.GetString(0)] = new TableCounters(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4),
                    reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8));
            }
        }
        var indexes = new Dictionary<string, IndexCounters>(StringComparer.Ordinal);
        await using (var command = database.CreateCommand("""
            SELECT i.indexrelname, i.relname, s.tuple_count + s.dead_tuple_count, pg_relation_size(i.indexrelid)
            FROM pg_stat_user_indexes i, LATERAL pgstattuple(i.indexrelid) s
            """))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                indexes[reader.GetString(0)] = new IndexCounters(reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3));
            }
        }
        return new RelationCounters(tables, indexes);
    }
}

/// <summary>One statement as pg_stat_statements counted it during the profiled phase.</summary>
internal sealed record StatementCounters(string Query, long Calls, double ExecutionMs, long Rows, long WalRecords, long WalFullPages, long WalBytes, long BlocksDirtied)
{
    public static async Task<List<StatementCounters>> ReadAsync(NpgsqlDataSource admin, string database)
    {
        await using var command = admin.CreateCommand("""
            SELECT query, calls, total_exec_time, rows, wal_records, wal_fpi, wal_bytes::bigint, shared_blks_dirtied
            FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1)
            ORDER BY total_exec_time DESC
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = database });
        var statements = new List<StatementCounters>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            statements.Add(new StatementCounters(reader.GetString(0), reader.GetInt64(1), reader.GetDouble(2), reader.GetInt64(3),
                reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7)));
        }
        return statements;
    }
}
