using Microsoft.Data.Sqlite;

namespace Tenancy.Sqlite.Tests.Child;

/// <summary>Schemas shared by the tests and the child process, so both sides run the same migrations.</summary>
public static class ChildSchemas
{
    /// <summary>Rows the backfill step inserts; a step applied twice would double them.</summary>
    public const int BackfillRows = 50;

    /// <summary>Step 1 of <see cref="Standard"/>.</summary>
    public const string InitSql =
        "CREATE TABLE applied (version INTEGER NOT NULL, pid INTEGER NOT NULL); " +
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL); " +
        "INSERT INTO applied (version, pid) VALUES (1, 0);";

    /// <summary>
    /// v1 creates <c>applied</c> and <c>notes</c>; v2 (code) records itself in <c>applied</c> and inserts <see cref="BackfillRows"/>
    /// notes, calling <paramref name="duringBackfill"/> halfway; v3 adds a column.
    /// </summary>
    public static void Standard(SqliteTenantOptions o, Action<SqliteConnection>? duringBackfill = null)
    {
        o.Migrations.Add(1, "init", InitSql);
        o.Migrations.Add(2, "backfill", (connection, transaction) =>
        {
            Exec(connection, transaction, $"INSERT INTO applied (version, pid) VALUES (2, {Environment.ProcessId});");
            for (int i = 0; i < BackfillRows; i++)
            {
                Exec(connection, transaction, $"INSERT INTO notes (body) VALUES ('note {i}');");
                if (i == BackfillRows / 2)
                {
                    duringBackfill?.Invoke(connection);
                }
            }
        });
        o.Migrations.Add(3, "tags", "ALTER TABLE notes ADD COLUMN tags TEXT; INSERT INTO applied (version, pid) VALUES (3, 0);");
    }

    public static void Exec(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
