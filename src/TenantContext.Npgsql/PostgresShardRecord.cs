using Npgsql;

namespace Tenancy.Npgsql;

/// <summary>A shard as the catalog records it (<see cref="PostgresTenantCatalog.ReadShardsAsync"/>).</summary>
/// <param name="Name">The shard's name (<see cref="PostgresTenantOptions.AddShard"/>'s <c>name</c>).</param>
/// <param name="ConnectionString">
/// The connection string the app registered for it, without its password (null for a shard recorded before connection
/// strings were). Supply the credentials yourself: <c>PGPASSWORD</c>, a pgpass file, or
/// <see cref="NpgsqlConnectionStringBuilder.Password"/>.
/// </param>
/// <param name="IsDefault">Whether it is the <see cref="PostgresTenantOptions.DefaultShard"/> of the last process that used the catalog.</param>
/// <param name="AddedAt">When the shard was first registered.</param>
public sealed record PostgresShardRecord(string Name, string? ConnectionString, bool IsDefault, DateTimeOffset AddedAt)
{
    /// <summary>A connection string with its secrets (password, SSL key password) removed: what the catalog records.</summary>
    internal static string WithoutSecrets(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        b.Remove("Password");
        b.Remove("SSL Password");
        return b.ConnectionString;
    }
}
