using Microsoft.Data.Sqlite;

namespace Tenancy.Sqlite;

/// <summary>
/// The router's in-memory state for one tenant file. <see cref="Ready"/> (migrated, active) is trusted only while the
/// tenant's shared change counter still reads <see cref="Generation"/>; any change by any process sends the next open
/// back through the checks.
/// </summary>
internal sealed class TenantFile
{
    public readonly string Slug;
    public readonly string Path;
    public readonly string ConnectionString;
    public readonly int Slot;
    public volatile bool Ready;
    public long Generation = -1;

    /// <summary>The change counter under which the catalog last said "active" on entering the tenant (long.MinValue: never).</summary>
    public long ActiveInCatalogAt = long.MinValue;
    public int Open;
    public long LastUsed;
    public SqliteTenantDatabase? Database;
    private volatile bool _deleted;

    public TenantFile(string slug, string path)
    {
        Slug = slug;
        Path = path;
        ConnectionString = SqliteConnections.ConnectionString(path);
        Slot = TenantGenerations.SlotOf(slug);
    }

    /// <summary>Set once the tenant was deleted through this router: objects handed out for it refuse to open from now on.</summary>
    public bool Deleted
    {
        get => _deleted;
        set => _deleted = value;
    }
}
