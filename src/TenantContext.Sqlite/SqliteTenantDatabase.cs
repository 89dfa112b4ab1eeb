using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Tenancy.Sqlite;

/// <summary>
/// One tenant's SQLite database: what <c>TenantContext.GetDb()</c> returns under <c>UseSqlite</c>. Opening a connection
/// creates and migrates the file on first use; afterwards it only takes a pooled connection (no SQL runs on a warm open).
/// </summary>
public sealed class SqliteTenantDatabase : ITenantDatabase
{
    private readonly SqliteTenantDatabases _router;
    private readonly TenantFile _file;

    internal SqliteTenantDatabase(SqliteTenantDatabases router, TenantFile file)
    {
        _router = router;
        _file = file;
    }

    /// <summary>The tenant's slug.</summary>
    public string Slug => _file.Slug;

    /// <summary>The absolute path of the tenant's database file.</summary>
    public string Path => _file.Path;

    /// <summary>Opens a pooled connection to the tenant's file with the configured pragmas, creating and migrating the file first if needed.</summary>
    /// <returns>An open connection; dispose it to return it to the pool.</returns>
    /// <exception cref="TenantDatabaseException">The file is newer than the code, not a database, not writable, or a migration failed.</exception>
    /// <exception cref="TenantUnavailableException">The tenant was archived or deleted since this object was handed out.</exception>
    public SqliteConnection OpenConnection() => _router.Open(_file);

    /// <summary>Opens a pooled connection to the tenant's file (SQLite opens synchronously; the work runs on the calling thread).</summary>
    /// <param name="cancellationToken">Cancels before the open starts.</param>
    /// <returns>An open connection; dispose it to return it to the pool.</returns>
    public ValueTask<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<SqliteConnection>(cancellationToken);
        }

        try
        {
            return ValueTask.FromResult(OpenConnection());
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<SqliteConnection>(ex);
        }
    }

    DbConnection ITenantDatabase.OpenConnection() => OpenConnection();

    async ValueTask<DbConnection> ITenantDatabase.OpenConnectionAsync(CancellationToken cancellationToken)
        => await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public override string ToString() => $"SQLite database of tenant '{Slug}' ({Path})";
}
