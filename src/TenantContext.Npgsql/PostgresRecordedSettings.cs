using System.Globalization;
using System.Text.Json;

namespace Tenancy.Npgsql;

/// <summary>
/// The app's <see cref="PostgresTenantOptions"/> as the catalog records them (<see cref="PostgresTenantCatalog.ReadSettingsAsync"/>):
/// every option that decides where a tenant's data goes or how it is reached, so a tool given only the catalog
/// (<c>tenantctl --postgres</c>) creates, moves and restores tenants exactly as the app would. The migrations (code) and the
/// shards (<see cref="PostgresTenantCatalog.ReadShardsAsync"/>) are not part of it.
/// </summary>
/// <remarks>
/// A process records its options when it first uses the catalog, and replaces the record when they differ (the last app
/// to start wins, as with the shards), unless <see cref="PostgresTenantOptions.RecordInCatalog"/> is false. A setting a
/// newer version adds keeps its default here until an app of that version records it.
/// </remarks>
public sealed record PostgresRecordedSettings
{
    /// <summary><see cref="PostgresTenantOptions.Isolation"/>: how new tenants are kept apart by default.</summary>
    public PostgresIsolation Isolation { get; init; } = PostgresIsolation.Schema;

    /// <summary><see cref="PostgresTenantOptions.SchemaTemplate"/>.</summary>
    public string SchemaTemplate { get; init; } = "tenant_{tenant}";

    /// <summary><see cref="PostgresTenantOptions.DatabaseTemplate"/>.</summary>
    public string DatabaseTemplate { get; init; } = "tenant_{tenant}";

    /// <summary><see cref="PostgresTenantOptions.EnforceWithRoles"/>: schema tenants own a role and their connections act as it.</summary>
    public bool EnforceWithRoles { get; init; }

    /// <summary><see cref="PostgresTenantOptions.PublicSchemaTenant"/>.</summary>
    public string? PublicSchemaTenant { get; init; }

    /// <summary><see cref="PostgresTenantOptions.MaxOpenTenants"/>.</summary>
    public int MaxOpenTenants { get; init; } = 256;

    /// <summary><see cref="PostgresTenantOptions.MaxConnectionsPerShard"/>.</summary>
    public int MaxConnectionsPerShard { get; init; } = 50;

    /// <summary><see cref="PostgresTenantOptions.MaxMigrationsPerShard"/>.</summary>
    public int MaxMigrationsPerShard { get; init; } = 4;

    /// <summary><see cref="PostgresTenantOptions.CatalogStaleness"/>: how long another process may route by a stale record.</summary>
    public TimeSpan CatalogStaleness { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary><see cref="PostgresTenantOptions.LoadServerTypesPerTenant"/>.</summary>
    public bool LoadServerTypesPerTenant { get; init; }

    /// <summary><see cref="PostgresTenantOptions.TenantColumn"/>: the tenant column of rows tenants' shared tables.</summary>
    public string TenantColumn { get; init; } = "tenant_id";

    /// <summary><see cref="PostgresTenantOptions.TenantColumns"/>: tables whose tenant column has another name.</summary>
    public IReadOnlyDictionary<string, string> TenantColumns { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>When the record last changed (an app started with other options).</summary>
    public DateTimeOffset RecordedAt { get; init; }

    /// <summary>Sets these values on <paramref name="options"/> (everything but the catalog, the shards and the migrations).</summary>
    /// <param name="options">The options to set, typically a tool's before it builds its router.</param>
    public void ApplyTo(PostgresTenantOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Isolation = Isolation;
        options.SchemaTemplate = SchemaTemplate;
        options.DatabaseTemplate = DatabaseTemplate;
        options.EnforceWithRoles = EnforceWithRoles;
        options.PublicSchemaTenant = PublicSchemaTenant;
        options.MaxOpenTenants = MaxOpenTenants;
        options.MaxConnectionsPerShard = MaxConnectionsPerShard;
        options.MaxMigrationsPerShard = MaxMigrationsPerShard;
        options.CatalogStaleness = CatalogStaleness;
        options.LoadServerTypesPerTenant = LoadServerTypesPerTenant;
        options.TenantColumn = TenantColumn;
        options.TenantColumns.Clear();
        foreach (var (table, column) in TenantColumns)
        {
            options.TenantColumns[table] = column;
        }
    }

    /// <summary>The values a process records: one (name, text) pair per option, named as the option is.</summary>
    internal static (string[] Names, string?[] Values) Of(PostgresTenantOptions o)
    {
        var pairs = new (string Name, string? Value)[]
        {
            (nameof(Isolation), PostgresTenantCatalog.IsolationText(o.Isolation)),
            (nameof(SchemaTemplate), o.SchemaTemplate),
            (nameof(DatabaseTemplate), o.DatabaseTemplate),
            (nameof(EnforceWithRoles), o.EnforceWithRoles ? "true" : "false"),
            (nameof(PublicSchemaTenant), o.PublicSchemaTenant),
            (nameof(MaxOpenTenants), o.MaxOpenTenants.ToString(CultureInfo.InvariantCulture)),
            (nameof(MaxConnectionsPerShard), o.MaxConnectionsPerShard.ToString(CultureInfo.InvariantCulture)),
            (nameof(MaxMigrationsPerShard), o.MaxMigrationsPerShard.ToString(CultureInfo.InvariantCulture)),
            (nameof(CatalogStaleness), o.CatalogStaleness.TotalSeconds.ToString("R", CultureInfo.InvariantCulture)),
            (nameof(LoadServerTypesPerTenant), o.LoadServerTypesPerTenant ? "true" : "false"),
            (nameof(TenantColumn), o.TenantColumn),
            (nameof(TenantColumns), JsonSerializer.Serialize(new SortedDictionary<string, string>(o.TenantColumns, StringComparer.Ordinal))),
        };
        return (pairs.Select(p => p.Name).ToArray(), pairs.Select(p => p.Value).ToArray());
    }

    /// <summary>Reads recorded pairs; names this version does not know are ignored, and a value it cannot read keeps the default.</summary>
    internal static PostgresRecordedSettings Parse(IReadOnlyDictionary<string, string?> values, DateTimeOffset recordedAt)
    {
        var s = new PostgresRecordedSettings { RecordedAt = recordedAt };
        string? Text(string name) => values.TryGetValue(name, out var v) ? v : null;
        bool? Bool(string name) => Text(name) switch { "true" => true, "false" => false, _ => null };
        int? Int(string name) => int.TryParse(Text(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : null;
        Dictionary<string, string>? columns = null;
        if (Text(nameof(TenantColumns)) is { } json)
        {
            try
            {
                columns = JsonSerializer.Deserialize<Dictionary<string, string>>(json);
            }
            catch (JsonException)
            {
            }
        }

        return s with
        {
            Isolation = Text(nameof(Isolation)) is { } isolation ? PostgresTenantCatalog.ParseIsolation(isolation) : s.Isolation,
            SchemaTemplate = Text(nameof(SchemaTemplate)) ?? s.SchemaTemplate,
            DatabaseTemplate = Text(nameof(DatabaseTemplate)) ?? s.DatabaseTemplate,
            EnforceWithRoles = Bool(nameof(EnforceWithRoles)) ?? s.EnforceWithRoles,
            PublicSchemaTenant = Text(nameof(PublicSchemaTenant)),
            MaxOpenTenants = Int(nameof(MaxOpenTenants)) ?? s.MaxOpenTenants,
            MaxConnectionsPerShard = Int(nameof(MaxConnectionsPerShard)) ?? s.MaxConnectionsPerShard,
            MaxMigrationsPerShard = Int(nameof(MaxMigrationsPerShard)) ?? s.MaxMigrationsPerShard,
            CatalogStaleness = double.TryParse(Text(nameof(CatalogStaleness)), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                ? TimeSpan.FromSeconds(seconds) : s.CatalogStaleness,
            LoadServerTypesPerTenant = Bool(nameof(LoadServerTypesPerTenant)) ?? s.LoadServerTypesPerTenant,
            TenantColumn = Text(nameof(TenantColumn)) ?? s.TenantColumn,
            TenantColumns = columns is null ? s.TenantColumns : new Dictionary<string, string>(columns, StringComparer.Ordinal),
        };
    }
}
