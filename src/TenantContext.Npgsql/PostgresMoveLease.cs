using System.Globalization;
using Npgsql;

namespace Tenancy.Npgsql;

/// <summary>
/// How a move's write fence makes connections wait instead of fail. While a tenant is marked as moving, every connection a
/// router hands out for it is a server session of its own (unpooled) that holds a shared advisory lock of the tenant in the
/// source's database for as long as it is open; the mover takes the same lock exclusively inside its fence. So the fence
/// starts only once every connection opened before it, in any process, is closed, and a connection opened during the fence
/// waits for the fence to end (bounded by the connection's command timeout), then re-reads the catalog and, when the tenant
/// was switched meanwhile, is closed and re-opened on the new placement. No statement ever reaches the old place after the
/// switch, and none fails because the old place was renamed away.
/// </summary>
internal static class PostgresMoveLease
{
    /// <summary>The advisory-lock namespace of move leases (the migrator's is <see cref="PostgresMigrator.AdvisoryLockNamespace"/>).</summary>
    private const int Namespace = PostgresMigrator.AdvisoryLockNamespace + 1;

    /// <summary>The lock's two keys as SQL arguments: the namespace and the tenant's catalog key folded to 32 bits.</summary>
    private static string Keys(long tenantKey) => string.Create(CultureInfo.InvariantCulture, $"{Namespace}, {(int)(tenantKey ^ (tenantKey >> 32))}");

    /// <summary>The mover's side, inside its fence transaction: waits for every lease to end (under the fence's lock_timeout).</summary>
    internal static string FenceSql(long tenantKey) => $"SELECT pg_advisory_xact_lock({Keys(tenantKey)})";

    /// <summary>
    /// The router's side: holds the tenant's lease on a freshly opened connection of a moving placement, waiting at most the
    /// connection's command timeout while a fence is up.
    /// </summary>
    /// <exception cref="PostgresTenantException">The fence outlasted the wait.</exception>
    internal static async ValueTask HoldAsync(NpgsqlConnection connection, PostgresPlacement placement, bool async, CancellationToken cancellationToken)
    {
        var wait = Math.Max(1, connection.CommandTimeout) * 1000L;
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(string.Create(CultureInfo.InvariantCulture, $"SET lock_timeout = {wait}")),
                new NpgsqlBatchCommand($"SELECT pg_advisory_lock_shared({Keys(placement.Key)})"),
                new NpgsqlBatchCommand("RESET lock_timeout"),
            },
            Timeout = 0, // the lock_timeout bounds the wait
        };
        try
        {
            if (async)
            {
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                batch.ExecuteNonQuery();
            }
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            throw new PostgresTenantException(placement.Slug,
                $"Tenant '{placement.Slug}' is being moved and its write fence did not end within the connection's command timeout ({wait / 1000} s). " +
                "Nothing ran on the connection; retry the work (the move either switches or rolls back), or raise the shard connection string's Command Timeout.", ex);
        }
    }
}
