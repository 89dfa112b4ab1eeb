namespace Tenancy.Npgsql;

/// <summary>
/// Where one tenant's data lives, as the router uses it: the shard, the isolation, the schema and database names, and
/// the placement's epoch. A placement is immutable; moving a tenant writes a new placement with a higher epoch in the
/// catalog, and every router that sees the higher epoch routes new connections to the new placement.
/// </summary>
internal sealed record PostgresPlacement(
    string Slug,
    long Key,
    string Shard,
    PostgresIsolation Isolation,
    string SchemaName,
    string DatabaseName,
    long Epoch,
    string? RoleName,
    bool Moving = false)
{
    /// <summary>
    /// The identity of the connection pool serving this placement: one per schema or database tenant (and catalog key, so
    /// a later tenant of the same name never shares a pool with a deleted one), one per shard database for rows tenants;
    /// while the tenant is marked as moving, an unpooled one of its own (<see cref="PostgresMoveLease"/>).
    /// </summary>
    internal string PoolKey { get; } = Moving ? $"moving|{Shard}|{DatabaseName}|{SchemaName}|{Key}" : Isolation switch
    {
        PostgresIsolation.Rows => $"rows|{Shard}|{DatabaseName}",
        PostgresIsolation.Database => $"database|{Shard}|{DatabaseName}|{Key}",
        _ => $"schema|{Shard}|{DatabaseName}|{SchemaName}|{Key}",
    };

    /// <summary>How messages name where the data is.</summary>
    internal string Where => Isolation switch
    {
        PostgresIsolation.Rows => $"rows in database \"{DatabaseName}\" on shard '{Shard}'",
        PostgresIsolation.Database => $"database \"{DatabaseName}\" on shard '{Shard}'",
        _ => $"schema \"{SchemaName}\" of database \"{DatabaseName}\" on shard '{Shard}'",
    };

    internal static PostgresPlacement From(PostgresTenantRecord r, string? roleName, bool moving = false) =>
        new(r.Slug, r.Key, r.Shard, r.Isolation, r.SchemaName, r.DatabaseName, r.Epoch, roleName, moving);
}
