using System.Collections;
using Npgsql;

namespace Tenancy.Npgsql;

/// <summary>
/// One schema step of every tenant. Steps run in <see cref="Version"/> order, each in its own transaction that holds the
/// tenant's advisory lock and records the step in the tenant's <c>tenancy_migrations</c> table, so a step is applied
/// completely and once, or not at all, whichever process gets there first.
/// </summary>
public sealed class PostgresMigration
{
    private readonly Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task>? _apply;

    internal PostgresMigration(int version, string name, string? sql, Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task>? apply)
    {
        Version = version;
        Name = name;
        Sql = sql;
        _apply = apply;
    }

    /// <summary>The version a tenant has once this step is applied.</summary>
    public int Version { get; }

    /// <summary>A short name shown in reports and error messages (for example <c>init</c>).</summary>
    public string Name { get; }

    /// <summary>The SQL of the step, or null when the step is code.</summary>
    public string? Sql { get; }

    internal async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        if (Sql is not null)
        {
            await using var command = new NpgsqlCommand(Sql, connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _apply!(connection, transaction, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Version} ({Name})";
}

/// <summary>
/// The ordered schema steps of every tenant (<see cref="PostgresTenantOptions.Migrations"/>). Versions are positive,
/// unique and applied in ascending order; the highest is the version the code expects. Write the SQL without schema
/// names: it runs with the tenant's schema as the search path.
/// </summary>
public sealed class PostgresMigrationCollection : IReadOnlyList<PostgresMigration>
{
    private readonly List<PostgresMigration> _steps = new();

    /// <summary>The number of steps.</summary>
    public int Count => _steps.Count;

    /// <summary>The step at <paramref name="index"/> in version order.</summary>
    /// <param name="index">Zero-based position.</param>
    public PostgresMigration this[int index] => _steps[index];

    /// <summary>The version a fully migrated tenant has (the highest step version; 0 with no steps).</summary>
    public int LatestVersion => _steps.Count == 0 ? 0 : _steps[^1].Version;

    /// <summary>Adds a step written in SQL (one or more statements).</summary>
    /// <param name="version">The version the tenant has after the step; positive and unique.</param>
    /// <param name="name">A short name for reports and errors.</param>
    /// <param name="sql">The statements to run, without <c>BEGIN</c>/<c>COMMIT</c>: the runner wraps them in the step's transaction.</param>
    /// <returns>This collection, for chaining.</returns>
    public PostgresMigrationCollection Add(int version, string name, string sql)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        return Insert(new PostgresMigration(version, Check(version, name), sql, null));
    }

    /// <summary>Adds a step written in code (a backfill, a data fix). Every command it runs must use the given transaction.</summary>
    /// <param name="version">The version the tenant has after the step; positive and unique.</param>
    /// <param name="name">A short name for reports and errors.</param>
    /// <param name="apply">Runs the step on the open connection (search path: the tenant's schema), inside the given transaction.</param>
    /// <returns>This collection, for chaining.</returns>
    public PostgresMigrationCollection Add(int version, string name, Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task> apply)
    {
        ArgumentNullException.ThrowIfNull(apply);
        return Insert(new PostgresMigration(version, Check(version, name), null, apply));
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

    private PostgresMigrationCollection Insert(PostgresMigration step)
    {
        var index = _steps.FindIndex(s => s.Version > step.Version);
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
    public IEnumerator<PostgresMigration> GetEnumerator() => _steps.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
