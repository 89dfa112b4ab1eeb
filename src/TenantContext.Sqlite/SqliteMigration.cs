using System.Collections;
using Microsoft.Data.Sqlite;

namespace Tenancy.Sqlite;

/// <summary>
/// One schema step of a tenant database. Steps run in <see cref="Version"/> order, each inside its own
/// <c>BEGIN IMMEDIATE</c> transaction that also sets <c>PRAGMA user_version</c> to <see cref="Version"/>, so a step is
/// either applied completely, once, or not at all.
/// </summary>
public sealed class SqliteMigration
{
    private readonly string? _sql;
    private readonly Action<SqliteConnection, SqliteTransaction>? _apply;

    internal SqliteMigration(int version, string name, string? sql, Action<SqliteConnection, SqliteTransaction>? apply)
    {
        Version = version;
        Name = name;
        _sql = sql;
        _apply = apply;
    }

    /// <summary>The version the database has once this step is applied (the value of <c>PRAGMA user_version</c>).</summary>
    public int Version { get; }

    /// <summary>A short name shown in reports and error messages (for example <c>init</c>).</summary>
    public string Name { get; }

    /// <summary>The SQL script of the step, or null when the step is code.</summary>
    public string? Sql => _sql;

    internal void Apply(SqliteConnection connection, SqliteTransaction transaction)
    {
        if (_sql is not null)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = _sql;
            command.ExecuteNonQuery();
        }
        else
        {
            _apply!(connection, transaction);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Version} ({Name})";
}

/// <summary>
/// The ordered schema steps of every tenant database (<see cref="SqliteTenantOptions.Migrations"/>). Versions are
/// positive, unique and applied in ascending order; the highest is the version the code expects.
/// </summary>
public sealed class SqliteMigrationCollection : IReadOnlyList<SqliteMigration>
{
    private readonly List<SqliteMigration> _steps = new();

    /// <summary>The number of steps.</summary>
    public int Count => _steps.Count;

    /// <summary>The step at <paramref name="index"/> in version order.</summary>
    /// <param name="index">Zero-based position.</param>
    public SqliteMigration this[int index] => _steps[index];

    /// <summary>The version a fully migrated database has (the highest step version; 0 with no steps).</summary>
    public int LatestVersion => _steps.Count == 0 ? 0 : _steps[^1].Version;

    /// <summary>Adds a step written in SQL (one or more statements).</summary>
    /// <param name="version">The version the database has after the step; positive and unique.</param>
    /// <param name="name">A short name for reports and errors.</param>
    /// <param name="sql">The statements to run. Do not include <c>BEGIN</c>/<c>COMMIT</c> or <c>PRAGMA user_version</c>: the runner does it.</param>
    /// <returns>This collection, for chaining.</returns>
    public SqliteMigrationCollection Add(int version, string name, string sql)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        return Insert(new SqliteMigration(version, Check(version, name), sql, null));
    }

    /// <summary>Adds a step written in code (a backfill, a data fix). It must use the given transaction for every command.</summary>
    /// <param name="version">The version the database has after the step; positive and unique.</param>
    /// <param name="name">A short name for reports and errors.</param>
    /// <param name="apply">Runs the step on the open connection, inside the given transaction.</param>
    /// <returns>This collection, for chaining.</returns>
    public SqliteMigrationCollection Add(int version, string name, Action<SqliteConnection, SqliteTransaction> apply)
    {
        ArgumentNullException.ThrowIfNull(apply);
        return Insert(new SqliteMigration(version, Check(version, name), null, apply));
    }

    private string Check(int version, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        if (_steps.Exists(s => s.Version == version))
        {
            throw new ArgumentException(
                $"A migration with version {version} is already registered ('{_steps.Find(s => s.Version == version)!.Name}'). Give each step its own version number.",
                nameof(version));
        }

        return name;
    }

    private SqliteMigrationCollection Insert(SqliteMigration step)
    {
        int index = _steps.FindIndex(s => s.Version > step.Version);
        if (index < 0)
        {
            _steps.Add(step);
        }
        else
        {
            _steps.Insert(index, step);
        }

        return this;
    }

    /// <inheritdoc />
    public IEnumerator<SqliteMigration> GetEnumerator() => _steps.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
