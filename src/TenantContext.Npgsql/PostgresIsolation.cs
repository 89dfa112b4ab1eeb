namespace Tenancy.Npgsql;

/// <summary>Where a tenant's data lives on its shard (its placement's isolation).</summary>
public enum PostgresIsolation
{
    /// <summary>
    /// A schema of its own in the shard's database (the default): its connections' search path is exactly that schema,
    /// set as a startup parameter. Many small tenants per server.
    /// </summary>
    Schema = 0,

    /// <summary>A database of its own on the shard's server, for large tenants.</summary>
    Database = 1,

    /// <summary>
    /// Rows in the shard's shared tables, the tenant carried by the connection (<see cref="PostgresTenantSettings"/>) for
    /// row-level security policies.
    /// </summary>
    Rows = 2,
}
