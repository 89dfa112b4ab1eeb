using Microsoft.Data.Sqlite;

namespace Tenancy.Sqlite;

/// <summary>Opening a tenant: the warm path (one memory read, no SQL) and the checks of a first touch.</summary>
public sealed partial class SqliteTenantDatabases
{
    internal SqliteConnection Open(TenantFile file)
    {
        if (!file.Ready || Generations.Read(file.Slot) != Volatile.Read(ref file.Generation))
        {
            return OpenCold(file);
        }

        _open.Touch(file);
        try
        {
            return SqliteConnections.Open(file.ConnectionString, _connectionPragmas);
        }
        catch (SqliteException ex) when (!File.Exists(file.Path))
        {
            file.Ready = false;
            throw new TenantDatabaseMissingException(file.Slug, file.Path,
                $"The database file of tenant '{file.Slug}' ({file.Path}) disappeared while the tenant was in use ({ex.Message}). " +
                "Delete tenants through TenantCatalog.DeleteAsync; restore the file from a backup to serve the tenant again.", ex);
        }
    }

    /// <summary>
    /// First use of a tenant in this process, or first use since another process changed it. Reads the tenant's change
    /// counter first (a change made during the checks sends the next open through them again), then: refuses a deleted,
    /// archived or (with <see cref="UseCatalog"/>) uncatalogued tenant; refuses a missing file unless creating on first
    /// use is allowed (a catalogued tenant's missing file is never replaced by an empty one); checks an existing file's
    /// version and journal mode on the pooled connection it hands out (no separate open and close: closing the last
    /// connection to a WAL file checkpoints it), and migrates it when needed.
    /// </summary>
    private SqliteConnection OpenCold(TenantFile file)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        long generation = Generations.Read(file.Slot);
        if (file.Deleted)
        {
            throw Unavailable(file.Slug, TenantUnavailableReason.NotFound);
        }

        // Entering the tenant has just asked the catalog (ResolveForEntry): while the counter is unchanged, that answer holds.
        var state = UseCatalog && Volatile.Read(ref file.ActiveInCatalogAt) == generation ? CatalogState.Active : CatalogStateOf(file.Slug);
        if (state is CatalogState.Archived or CatalogState.Deleting or CatalogState.Creating || (UseCatalog && state == CatalogState.Absent))
        {
            file.Ready = false;
            Configuration?.Forget(file.Slug); // the next Enter asks the catalog again
            throw state == CatalogState.Archived
                ? Unavailable(file.Slug, TenantUnavailableReason.Archived)
                : Unavailable(file.Slug, TenantUnavailableReason.NotFound, state switch
                {
                    CatalogState.Deleting => $"Tenant '{file.Slug}' is being deleted (an interrupted delete left its tombstone in the catalog). Finish it with TenantCatalog.DeleteAsync(\"{file.Slug}\").",
                    CatalogState.Creating => $"Tenant '{file.Slug}' is being created and is not catalogued yet (or its creation was interrupted: TenantCatalog.CreateAsync(\"{file.Slug}\") finishes it, DeleteAsync clears it).",
                    _ => $"Tenant '{file.Slug}' is not in the catalog ({CatalogPath}). Create it with TenantCatalog.CreateAsync(\"{file.Slug}\").",
                });
        }

        if (!File.Exists(file.Path))
        {
            if (state == CatalogState.Active)
            {
                throw TenantDatabaseMissingException.Catalogued(file.Slug, file.Path);
            }

            if (!CreateAnyTenantOnFirstUse)
            {
                throw Unavailable(file.Slug, TenantUnavailableReason.NotFound,
                    $"Tenant '{file.Slug}' has no database ({file.Path}), and this router creates none on first use. Create the tenant with " +
                    $"TenantCatalog.CreateAsync(\"{file.Slug}\") (or MigrateAsync(\"{file.Slug}\", create: true)); to let any valid tenant name create its " +
                    "own file on first use (anyone who can choose a subdomain or path segment), set SqliteTenantOptions.CreateAnyTenantOnFirstUse = true.");
            }

            return MarkReady(file, generation, MigrateFile(file, allowCreate: true, CancellationToken.None));
        }

        SqliteConnection? connection = null;
        try
        {
            connection = SqliteConnections.Open(file.ConnectionString, _connectionPragmas);
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version; PRAGMA journal_mode;";
            int version;
            string? journal;
            using (var reader = command.ExecuteReader())
            {
                reader.Read();
                version = reader.GetInt32(0);
                reader.NextResult();
                reader.Read();
                journal = reader.GetString(0);
            }

            if (version == LatestVersion && (JournalMode != SqliteJournalMode.Wal || string.Equals(journal, "wal", StringComparison.OrdinalIgnoreCase)))
            {
                Volatile.Write(ref file.Generation, generation);
                file.Ready = true;
                _open.Touch(file);
                return connection;
            }
        }
        catch (SqliteException)
        {
            // Not a database, locked, unreadable: MigrateFile reports it precisely (or waits and migrates).
        }

        if (connection is not null)
        {
            connection.Dispose();
            SqliteConnections.ClearPool(file.ConnectionString); // never keep a pooled handle to a file we did not accept
        }

        return MarkReady(file, generation, MigrateFile(file, allowCreate: false, CancellationToken.None));
    }

    private SqliteConnection MarkReady(TenantFile file, long generation, (int FromVersion, int ToVersion) migrated)
    {
        // Applying steps bumped the counter (our own change); otherwise keep what we read before the checks.
        Volatile.Write(ref file.Generation, migrated.FromVersion != migrated.ToVersion ? Generations.Read(file.Slot) : generation);
        file.Ready = true;
        return Open(file);
    }

    /// <summary>Creates (when allowed) and migrates the file, one process-wide step at a time per tenant file.</summary>
    internal (int FromVersion, int ToVersion) MigrateFile(TenantFile file, bool allowCreate, CancellationToken cancellationToken)
    {
        lock (file)
        {
            return SqliteMigrator.Migrate(this, file.Slug, file.Path, allowCreate, dryRun: false, cancellationToken);
        }
    }

    /// <summary>Records that the catalog listed the tenant as active while its change counter read <paramref name="generation"/>.</summary>
    internal void RememberActive(string slug, long generation)
    {
        TenantFile file;
        try
        {
            file = GetFile(slug);
        }
        catch (ArgumentException)
        {
            return; // a name reserved under this layout: opening it refuses it anyway
        }

        Volatile.Write(ref file.ActiveInCatalogAt, generation);
    }

    private CatalogState CatalogStateOf(string slug)
        => UseCatalog || File.Exists(CatalogPath) ? Catalog.StateOf(slug) : CatalogState.NoCatalog; // never creates a catalog
}

/// <summary>What the catalog says of a tenant, for the router's checks.</summary>
internal enum CatalogState
{
    /// <summary>There is no catalog file.</summary>
    NoCatalog,

    /// <summary>The catalog does not list the tenant.</summary>
    Absent,

    /// <summary>Listed and active.</summary>
    Active,

    /// <summary>Being created (or its creation was interrupted): not a tenant yet.</summary>
    Creating,

    /// <summary>Listed and archived.</summary>
    Archived,

    /// <summary>A delete started and has not finished (a tombstone).</summary>
    Deleting,
}
