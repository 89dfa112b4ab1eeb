using Microsoft.Data.Sqlite;

namespace Tenancy.Sqlite;

/// <summary>
/// One schema step of a tenant database. Steps run in <see cref="Version"/> order, each inside its own
/// <c>BEGIN IMMEDIATE</c> transaction that also sets <c>PRAGMA user_version</c> to <see cref="Version"/>, so a step is
/// either applied completely, once, or not at all.
/// </summary>
/// <remarks>Its <see cref="TenantMigrationStep.Version"/> is the value of <c>PRAGMA user_version</c> once it is applied.</remarks>
public sealed class SqliteMigration : TenantMigrationStep
{
    private readonly Action<SqliteConnection, SqliteTransaction>? _apply;

    internal SqliteMigration(int version, string name, string? sql, Action<SqliteConnection, SqliteTransaction>? apply)
        : base(version, name, sql)
    {
        _apply = apply;
    }

    internal void Apply(SqliteConnection connection, SqliteTransaction transaction)
    {
        if (Sql is not null)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = Sql;
            command.ExecuteNonQuery();
        }
        else
        {
            _apply!(connection, transaction);
        }
    }
}

/// <summary>
/// The ordered schema steps of every tenant database (<see cref="SqliteTenantOptions.Migrations"/>). Versions are
/// positive, unique and applied in ascending order; the highest is the version the code expects.
/// </summary>
public sealed class SqliteMigrationCollection : TenantMigrationSteps<SqliteMigration>
{
    /// <summary>Adds a step written in SQL (one or more statements).</summary>
    /// <param name="version">The version the database has after the step; positive and unique.</param>
    /// <param name="name">A short name for reports and errors.</param>
    /// <param name="sql">The statements to run. Do not include <c>BEGIN</c>/<c>COMMIT</c> or <c>PRAGMA user_version</c>: the runner does it.</param>
    /// <returns>This collection, for chaining.</returns>
    public SqliteMigrationCollection Add(int version, string name, string sql)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        Insert(new SqliteMigration(version, Check(version, name), sql, null));
        return this;
    }

    /// <summary>Adds a step written in code (a backfill, a data fix). It must use the given transaction for every command.</summary>
    /// <param name="version">The version the database has after the step; positive and unique.</param>
    /// <param name="name">A short name for reports and errors.</param>
    /// <param name="apply">Runs the step on the open connection, inside the given transaction.</param>
    /// <returns>This collection, for chaining.</returns>
    public SqliteMigrationCollection Add(int version, string name, Action<SqliteConnection, SqliteTransaction> apply)
    {
        ArgumentNullException.ThrowIfNull(apply);
        Insert(new SqliteMigration(version, Check(version, name), null, apply));
        return this;
    }
}
