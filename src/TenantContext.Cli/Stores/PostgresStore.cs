using Npgsql;
using Tenancy.Cli.Migrations;
using Tenancy.Npgsql;

namespace Tenancy.Cli.Stores;

/// <summary>
/// A PostgreSQL platform catalog (<c>--postgres CONNSTRING</c>): the tool reads the shard map from the catalog
/// (<see cref="PostgresTenantCatalog.ReadShardsAsync"/>) and routes exactly as <c>UsePostgres</c> would with those shards.
/// </summary>
/// <remarks>
/// The catalog records shards' connection strings without passwords. Each shard gets its credentials here: the user of the
/// <c>--postgres</c> string when the recorded string names none; its password when the shard's user is that same user; its
/// <c>Passfile</c>; otherwise Npgsql's own sources (<c>PGPASSWORD</c>, <c>~/.pgpass</c> or <c>PGPASSFILE</c>).
/// </remarks>
internal sealed class PostgresStore : TenantStore
{
    private readonly TenantConfiguration _configuration;

    private PostgresStore(TenantConfiguration configuration, string catalog, IReadOnlyList<PostgresShardRecord> shards, PostgresRecordedSettings? settings, bool hasMigrations)
    {
        _configuration = configuration;
        Router = configuration.GetPostgres();
        CatalogConnectionString = catalog;
        RecordedShards = shards;
        RecordedSettings = settings;
        HasMigrations = hasMigrations;
    }

    /// <summary>The app's settings as the catalog records them (null when no app of this version has used it), before the command line's overrides.</summary>
    public PostgresRecordedSettings? RecordedSettings { get; }

    /// <summary>The router over the catalog's shards (tenant connections, shard connections).</summary>
    public PostgresTenantDatabases Router { get; }

    /// <summary>The PostgreSQL catalog with its engine-specific verbs (check, stats, move).</summary>
    public PostgresTenantCatalog Postgres => Router.Catalog;

    /// <summary>The catalog's connection string as given (with its credentials).</summary>
    public string CatalogConnectionString { get; }

    /// <summary>The shards as the catalog records them (no passwords), in the order they were registered.</summary>
    public IReadOnlyList<PostgresShardRecord> RecordedShards { get; }

    public override ITenantCatalog Catalog => Router.Catalog;

    public override string Description => $"the PostgreSQL catalog {Where(CatalogConnectionString)}";

    public override int LatestVersion => Router.Options.Migrations.LatestVersion;

    public override bool HasMigrations { get; }

    /// <summary>host:port/database of a connection string, for messages (never its credentials).</summary>
    public static string Where(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{b.Host}:{b.Port}/{b.Database}";
    }

    /// <summary>
    /// Reads the catalog's shard map and the app's recorded settings, and builds the router over them exactly as the app's
    /// <c>UsePostgres</c> would; <paramref name="overrides"/> (the command line's) win, and each one that differs from the
    /// app's value is noted. The tool never records anything itself (<see cref="PostgresTenantOptions.RecordInCatalog"/> false).
    /// </summary>
    public static async Task<PostgresStore> OpenAsync(string catalog, string? migrations, IReadOnlyList<SettingOverride> overrides, Action<string> note, CancellationToken cancellationToken)
    {
        NpgsqlConnectionStringBuilder given;
        try
        {
            given = new NpgsqlConnectionStringBuilder(catalog);
        }
        catch (ArgumentException ex)
        {
            throw CliException.Usage($"--postgres: not a valid connection string ({ex.Message}). Example: --postgres \"Host=db0;Database=platform;Username=app\".");
        }

        IReadOnlyList<PostgresShardRecord> shards;
        PostgresRecordedSettings? settings;
        try
        {
            shards = await PostgresTenantCatalog.ReadShardsAsync(catalog, cancellationToken).ConfigureAwait(false);
            settings = shards.Count == 0 ? null : await PostgresTenantCatalog.ReadSettingsAsync(catalog, cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw CliException.Failure(
                $"Cannot read the catalog at {Where(catalog)}: {ex.Message}. Check --postgres (host, port, database, user) and the password " +
                "(in the string, PGPASSWORD or a pgpass file).", ex);
        }

        if (shards.Count == 0)
        {
            throw CliException.Failure(
                $"The catalog at {Where(catalog)} records no shards. Run the app once against it (UsePostgres records each AddShard on first use), " +
                "or check that --postgres names the catalog database (UsePostgres' o.Catalog), not a shard.");
        }

        if (shards.FirstOrDefault(s => s.ConnectionString is null) is { } old)
        {
            throw CliException.Failure(
                $"The catalog at {Where(catalog)} records shard '{old.Name}' without its connection string (recorded by an older TenantContext). " +
                "Run the app once with this version: it records its shards' connection strings (never their passwords) on first use.");
        }

        if (settings is null)
        {
            note($"note: the catalog at {Where(catalog)} records no app settings (the app that last used it predates them): tenantctl uses UsePostgres' " +
                 "defaults and the flags given (--enforce-with-roles, --schema-template, --database-template, --max-connections-per-shard). " +
                 "Run the app once with this version to record its settings.");
        }
        else
        {
            foreach (var flag in overrides.Where(o => !string.Equals(o.Given, o.Recorded(settings), StringComparison.Ordinal)))
            {
                note($"note: {flag.Flag} {flag.Given} overrides the app's {flag.Setting} recorded in the catalog ({flag.Recorded(settings)}) for this run.");
            }
        }

        TenantConfiguration configuration;
        try
        {
            configuration = TenantConfiguration.Build(b => b.UsePostgres(o =>
            {
                o.Catalog = catalog;
                o.RecordInCatalog = false; // the app's record stays the app's: overrides are for this run only
                settings?.ApplyTo(o);
                foreach (var shard in shards)
                {
                    o.AddShard(shard.Name, WithCredentials(shard.ConnectionString!, given));
                }

                o.DefaultShard = (shards.FirstOrDefault(s => s.IsDefault) ?? shards[0]).Name;
                if (migrations is not null)
                {
                    MigrationSource.Load(migrations, o.Migrations);
                }

                foreach (var flag in overrides)
                {
                    flag.Apply(o);
                }
            }));
        }
        catch (ArgumentException ex) when (ex is not InvalidTenantSlugException)
        {
            throw overrides.Count > 0
                ? CliException.Usage($"The settings cannot be used: {ex.Message} (check {string.Join(", ", overrides.Select(o => o.Flag))})")
                : CliException.Failure($"The catalog's shard map or the app's recorded settings cannot be used: {ex.Message}", ex);
        }

        return new PostgresStore(configuration, catalog, shards, settings, migrations is not null);
    }

    /// <summary>A recorded shard string with credentials filled in from the <c>--postgres</c> string (see the class remarks).</summary>
    internal static string WithCredentials(string recorded, NpgsqlConnectionStringBuilder given)
    {
        var b = new NpgsqlConnectionStringBuilder(recorded);
        if (string.IsNullOrEmpty(b.Username))
        {
            b.Username = given.Username;
        }

        if (string.IsNullOrEmpty(b.Password) && !string.IsNullOrEmpty(given.Password) && string.Equals(b.Username, given.Username, StringComparison.Ordinal))
        {
            b.Password = given.Password;
        }

        if (string.IsNullOrEmpty(b.Passfile) && !string.IsNullOrEmpty(given.Passfile))
        {
            b.Passfile = given.Passfile;
        }

        return b.ConnectionString;
    }

    /// <summary>A shard's connection string as this tool uses it (credentials filled in).</summary>
    public string ShardConnectionString(string shard) => Router.Options.Shards[shard];

    public override async ValueTask DisposeAsync()
    {
        await _configuration.DisposeAsync().ConfigureAwait(false);
        NpgsqlConnection.ClearAllPools();
    }
}
