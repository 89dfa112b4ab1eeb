using Tenancy.Sqlite;

namespace Tenancy;

/// <summary>
/// Registers a SQLite database per tenant on a <see cref="TenantContextBuilder"/>. This class lives in the <c>Tenancy</c>
/// namespace (not <c>Tenancy.Sqlite</c>) on purpose, like EF Core's <c>UseSqlite</c>: <c>using Tenancy;</c> alone finds
/// <c>UseSqlite</c> and <c>GetSqlite</c>; the types they configure are in <c>Tenancy.Sqlite</c>.
/// </summary>
public static class SqliteTenantContextBuilderExtensions
{
    /// <summary>The <see cref="TenantContextBuilder.Properties"/> key under which the router is kept.</summary>
    public const string PropertyKey = "Tenancy.Sqlite.SqliteTenantDatabases";

    /// <summary>
    /// Gives every tenant its own SQLite file: <see cref="TenantContext.GetDb"/> returns a <see cref="SqliteTenantDatabase"/>
    /// whose connections are routed to <c>{DataRoot}/{PathTemplate}</c> and checked (and migrated) on first use. With
    /// <see cref="SqliteTenantOptions.UseCatalog"/>, only active tenants of the <see cref="TenantCatalog"/> can be entered; without
    /// it, only tenants whose file exists, unless <see cref="SqliteTenantOptions.CreateAnyTenantOnFirstUse"/> opens resolution to any name.
    /// The router (<see cref="SqliteTenantDatabases"/>) is disposed with the configuration; reach it with
    /// <see cref="GetSqlite"/>.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the options (data root, path template, migrations, pragmas, bounds).</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentException">An option is invalid (for example a path template that could leave the data root).</exception>
    /// <exception cref="InvalidOperationException"><c>UseSqlite</c> was already called on this builder.</exception>
    public static TenantContextBuilder UseSqlite(this TenantContextBuilder builder, Action<SqliteTenantOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Properties.ContainsKey(PropertyKey))
        {
            throw new InvalidOperationException("UseSqlite was already called on this builder. Configure every option in one call.");
        }

        var options = new SqliteTenantOptions();
        configure?.Invoke(options);
        var router = new SqliteTenantDatabases(options);
        builder.Properties[PropertyKey] = router;
        builder.Db(tenant => router.GetDatabase(tenant.Slug));
        builder.Add(tenant => router.GetDatabase(tenant.Slug));
        builder.Owns(router);
        builder.OnBuilt(configuration => router.Configuration = configuration);
        if (options.UseCatalog)
        {
            builder.ResolveTenant(slug => router.Catalog.ResolveForEntry(slug));
        }

        builder.Catalog(router.Catalog);

        return builder;
    }

    /// <summary>The SQLite router registered by <see cref="UseSqlite"/> on this configuration (its catalog, paths and lifecycle).</summary>
    /// <param name="configuration">A configuration built with <c>UseSqlite</c>.</param>
    /// <exception cref="InvalidOperationException">The configuration has no <c>UseSqlite</c>.</exception>
    public static SqliteTenantDatabases GetSqlite(this TenantConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.Properties.TryGetValue(PropertyKey, out var value) && value is SqliteTenantDatabases router
            ? router
            : throw new InvalidOperationException(
                "This TenantConfiguration has no SQLite databases. Call builder.UseSqlite(o => o.DataRoot = \"data\") when you build it.");
    }
}
