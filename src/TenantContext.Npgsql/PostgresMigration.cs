using Npgsql;

namespace Tenancy.Npgsql;

/// <summary>
/// One schema step of every tenant. Steps run in <see cref="Version"/> order, each in its own transaction that holds the
/// tenant's advisory lock and records the step in the tenant's <c>tenancy_migrations</c> table, so a step is applied
/// completely and once, or not at all, whichever process gets there first.
/// </summary>
public sealed class PostgresMigration : TenantMigrationStep
{
    private readonly Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task>? _apply;

    internal PostgresMigration(int version, string name, string? sql, Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task>? apply)
        : base(version, name, sql)
    {
        _apply = apply;
    }

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
}

/// <summary>
/// The ordered schema steps of every tenant (<see cref="PostgresTenantOptions.Migrations"/>). Versions are positive,
/// unique and applied in ascending order; the highest is the version the code expects. Write the SQL without schema
/// names: it runs with the tenant's schema as the search path.
/// </summary>
public sealed class PostgresMigrationCollection : TenantMigrationSteps<PostgresMigration>
{
    /// <summary>Adds a step written in SQL (one or more statements).</summary>
    /// <param name="version">The version the tenant has after the step; positive and unique.</param>
    /// <param name="name">A short name for reports and errors.</param>
    /// <param name="sql">The statements to run, without <c>BEGIN</c>/<c>COMMIT</c>: the runner wraps them in the step's transaction.</param>
    /// <returns>This collection, for chaining.</returns>
    public PostgresMigrationCollection Add(int version, string name, string sql)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        Insert(new PostgresMigration(version, Check(version, name), sql, null));
        return this;
    }

    /// <summary>Adds a step written in code (a backfill, a data fix). Every command it runs must use the given transaction.</summary>
    /// <param name="version">The version the tenant has after the step; positive and unique.</param>
    /// <param name="name">A short name for reports and errors.</param>
    /// <param name="apply">Runs the step on the open connection (search path: the tenant's schema), inside the given transaction.</param>
    /// <returns>This collection, for chaining.</returns>
    public PostgresMigrationCollection Add(int version, string name, Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task> apply)
    {
        ArgumentNullException.ThrowIfNull(apply);
        Insert(new PostgresMigration(version, Check(version, name), null, apply));
        return this;
    }
}
