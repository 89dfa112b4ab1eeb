using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Tenancy.Sqlite;

/// <summary>Opening connections and running statements: the one place that builds connection strings and sets <c>busy_timeout</c>.</summary>
internal static class SqliteConnections
{
    private static readonly ConditionalWeakTable<sqlite3, object> InitializedHandles = new();
    private static readonly object Marker = new();

    public static string ConnectionString(string path, SqliteOpenMode mode = SqliteOpenMode.ReadWrite, bool pooling = true)
        => new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = pooling, Cache = SqliteCacheMode.Private }.ToString();

    public static string BusyTimeout(int milliseconds) => string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {milliseconds};");

    /// <summary>Opens a connection; <paramref name="pragmas"/> run once per SQLite handle (a pooled handle keeps them), never again on reuse.</summary>
    public static SqliteConnection Open(string connectionString, string pragmas)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            var handle = connection.Handle!;
            if (!InitializedHandles.TryGetValue(handle, out _))
            {
                Execute(connection, null, pragmas); // busy_timeout returns a row: run with ExecuteNonQuery, apart from any query
                InitializedHandles.AddOrUpdate(handle, Marker);
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Opens an unpooled connection to a file with the busy timeout set (backup, check, split, migration).</summary>
    public static SqliteConnection OpenUnpooled(string path, SqliteOpenMode mode, int busyTimeoutMilliseconds)
        => Open(ConnectionString(path, mode, pooling: false), BusyTimeout(busyTimeoutMilliseconds));

    public static void ClearPool(string connectionString)
    {
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
    }

    /// <summary>A file that is not a database, or a damaged one.</summary>
    public static bool IsCorrupt(SqliteException ex) => ex.SqliteErrorCode is raw.SQLITE_NOTADB or raw.SQLITE_CORRUPT;

    /// <summary>A file or folder this process may not create or write.</summary>
    public static bool IsNotWritable(SqliteException ex) => ex.SqliteErrorCode is raw.SQLITE_CANTOPEN or raw.SQLITE_READONLY or raw.SQLITE_PERM;

    public static int ReadVersion(SqliteConnection connection, SqliteTransaction? transaction)
        => Convert.ToInt32(Scalar(connection, transaction, "PRAGMA user_version;"), CultureInfo.InvariantCulture);

    public static object? Scalar(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
