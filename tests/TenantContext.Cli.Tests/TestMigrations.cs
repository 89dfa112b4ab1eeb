using Npgsql;
using Tenancy.Npgsql;
using Tenancy.Sqlite;

namespace Tenancy.Cli.Tests;

/// <summary>Migrations as an app would declare them, loaded by <c>--migrations TenantContext.Cli.Tests.dll:Tenancy.Cli.Tests.TestMigrations</c>.</summary>
public static class TestMigrations
{
    public static void Configure(SqliteMigrationCollection migrations)
    {
        migrations.Add(1, "init", "CREATE TABLE pages (id INTEGER PRIMARY KEY, slug TEXT NOT NULL UNIQUE, body TEXT);");
        migrations.Add(2, "backfill", (connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO pages (slug, body) VALUES ('home', 'from code');";
            command.ExecuteNonQuery();
        });
    }
}

/// <summary>PostgreSQL migrations as an app would declare them, loaded by <c>--migrations TenantContext.Cli.Tests.dll:Tenancy.Cli.Tests.PostgresTestMigrations</c>.</summary>
public static class PostgresTestMigrations
{
    public static void Configure(PostgresMigrationCollection migrations)
    {
        migrations.Add(1, "init", PgCli.Pages);
        migrations.Add(2, "backfill", async (connection, transaction, cancellationToken) =>
        {
            await using var command = new NpgsqlCommand("INSERT INTO pages (id, body) VALUES (1, 'from code')", connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
        });
    }
}

/// <summary>A folder of numbered .sql files.</summary>
internal static class SqlMigrations
{
    public static string Write(string folder, params (string File, string Sql)[] steps)
    {
        Directory.CreateDirectory(folder);
        foreach (var (file, sql) in steps)
        {
            File.WriteAllText(Path.Combine(folder, file), sql);
        }

        return folder;
    }

    public static string Standard(string folder) => Write(folder,
        ("0001_init.sql", "CREATE TABLE pages (id INTEGER PRIMARY KEY, slug TEXT NOT NULL UNIQUE, body TEXT);"),
        ("0002_tags.sql", "CREATE TABLE tags (page_id INTEGER NOT NULL REFERENCES pages(id), tag TEXT NOT NULL);"));
}
