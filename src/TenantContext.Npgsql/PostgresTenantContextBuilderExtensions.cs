using Tenancy.Npgsql;

namespace Tenancy;

/// <summary>
/// Registers PostgreSQL tenants on a <see cref="TenantContextBuilder"/>. This class lives in the <c>Tenancy</c>
/// namespace (not <c>Tenancy.Npgsql</c>) on purpose: <c>using Tenancy;</c> alone finds <c>UsePostgres</c> and
/// <c>GetPostgres</c>; the types they configure are in <c>Tenancy.Npgsql</c>.
/// </summary>
public static class PostgresTenantContextBuilderExtensions
{
    /// <summary>The <see cref="TenantContextBuilder.Properties"/> key under which the router is kept.</summary>
    public const string PropertyKey = "Tenancy.Npgsql.PostgresTenantDatabases";

    /// <summary>
    /// Routes every tenant to its PostgreSQL placement: <see cref="TenantContext.GetDb"/> returns a
    /// <see cref="PostgresTenantDatabase"/> whose connections reach the tenant's schema, database or shared rows as the
    /// catalog records them. Only catalogued, active tenants can be entered (plus
    /// <see cref="PostgresTenantOptions.PublicSchemaTenant"/> when set). The catalog is the configuration's
    /// <see cref="TenantConfiguration.Catalog"/>; the router is disposed with the configuration.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the options (catalog, shards, isolation, migrations, bounds).</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentException">An option is missing or invalid.</exception>
    /// <exception cref="InvalidOperationException"><c>UsePostgres</c> was already called on this builder.</exception>
    public static TenantContextBuilder UsePostgres(this TenantContextBuilder builder, Action<PostgresTenantOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        if (builder.Properties.ContainsKey(PropertyKey))
        {
            throw new InvalidOperationException("UsePostgres was already called on this builder. Configure every option in one call.");
        }

        var options = new PostgresTenantOptions();
        configure(options);
        var router = new PostgresTenantDatabases(options);
        builder.Properties[PropertyKey] = router;
        builder.Db(tenant => router.GetDatabase(tenant.Slug, tenant.GetRecord<PostgresTenantRecord>()));
        builder.Add(tenant => router.GetDatabase(tenant.Slug, tenant.GetRecord<PostgresTenantRecord>()));
        builder.ResolveTenant(slug => Resolve(router, slug));
        builder.Catalog(router.Catalog);
        builder.Owns(router);
        builder.OnBuilt(configuration => router.Configuration = configuration);
        return builder;
    }

    /// <summary>The PostgreSQL router registered by <see cref="UsePostgres"/> on this configuration (its catalog and pools).</summary>
    /// <param name="configuration">A configuration built with <c>UsePostgres</c>.</param>
    /// <exception cref="InvalidOperationException">The configuration has no <c>UsePostgres</c>.</exception>
    public static PostgresTenantDatabases GetPostgres(this TenantConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.Properties.TryGetValue(PropertyKey, out var value) && value is PostgresTenantDatabases router
            ? router
            : throw new InvalidOperationException(
                "This TenantConfiguration has no PostgreSQL tenants. Call builder.UsePostgres(o => { o.Catalog = …; o.AddShard(\"main\", …); }) when you build it.");
    }

    private static TenantInfo Resolve(PostgresTenantDatabases router, string slug)
    {
        if (string.Equals(slug, router.Options.PublicSchemaTenant, StringComparison.Ordinal))
        {
            return new TenantInfo(slug);
        }

        var read = router.Catalog.ReadAsync(slug, async: false, CancellationToken.None); // completes synchronously
        var record = read.IsCompleted ? read.Result : read.AsTask().GetAwaiter().GetResult();
        if (record is null)
        {
            throw new TenantUnavailableException(slug, TenantUnavailableReason.NotFound,
                $"Tenant '{slug}' is not in the PostgreSQL catalog. Create it with catalog.CreateAsync(\"{slug}\") (or `tenantctl create {slug}`), " +
                "or check the tenant name.");
        }

        if (record.State == TenantState.Archived)
        {
            throw new TenantUnavailableException(slug, TenantUnavailableReason.Archived,
                $"Tenant '{slug}' was archived on {record.ArchivedAt:u} and cannot be entered. Restore it with catalog.RestoreAsync(\"{slug}\") " +
                $"(or `tenantctl restore {slug}`) first.");
        }

        return new TenantInfo(slug, record);
    }
}
