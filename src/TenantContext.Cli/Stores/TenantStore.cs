namespace Tenancy.Cli.Stores;

/// <summary>
/// A tenant store the tool operates on. The shared verbs (list, show, create, archive, restore, delete, migrate --all) use
/// <see cref="Catalog"/> only; each engine (<see cref="SqliteStore"/>, <see cref="PostgresStore"/>) derives from this
/// class and being chosen in <see cref="StoreFactory"/>; verbs that only one engine has ask for that store's type and
/// refuse the others with a usage error.
/// </summary>
internal abstract class TenantStore : IAsyncDisposable
{
    /// <summary>What the store is, for messages ("the SQLite data root /srv/data").</summary>
    public abstract string Description { get; }

    /// <summary>The lifecycle verbs every store shares.</summary>
    public abstract ITenantCatalog Catalog { get; }

    /// <summary>The highest schema version the migrations given to the tool know (0 without migrations).</summary>
    public abstract int LatestVersion { get; }

    /// <summary>Whether the app's migrations were given (<c>--migrations</c>).</summary>
    public abstract bool HasMigrations { get; }

    public abstract ValueTask DisposeAsync();
}
