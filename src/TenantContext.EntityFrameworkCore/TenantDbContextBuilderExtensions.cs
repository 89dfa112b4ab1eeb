using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Tenancy.EntityFrameworkCore;

namespace Tenancy;

/// <summary>
/// A <c>DbContext</c> per tenant for database-per-tenant deployments. This class lives in the <c>Tenancy</c> namespace
/// (not <c>Tenancy.EntityFrameworkCore</c>) on purpose, like <c>UseSqlite</c>: <c>using Tenancy;</c> alone finds
/// <c>AddDbContext</c>, <c>GetDbContexts</c> and <c>MigrateAllTenantsAsync</c>.
/// </summary>
public static class TenantDbContextBuilderExtensions
{
    /// <summary>The default number of contexts kept in the pool.</summary>
    public const int DefaultPoolSize = 128;

    /// <summary>
    /// Registers <typeparamref name="TContext"/> per scope: <c>TenantContext.Get&lt;TContext&gt;()</c> (and generated
    /// accessors of that type) return a context bound to the current tenant's database (<see cref="TenantContext.GetDb"/>:
    /// a SQLite file, a PostgreSQL schema or database, whatever the configuration registers), one per scope, returned to a
    /// pool when the scope ends. Every rental is re-pointed to the renting tenant's connection; a context waiting in the
    /// pool holds none, and a context used after its scope ended refuses to run. The tenant's tables are migrated (or,
    /// without migrations, created) on first use in this process; migrate every tenant ahead of time with
    /// <see cref="MigrateAllTenantsAsync{TContext}"/>.
    /// </summary>
    /// <typeparam name="TContext">A context with a public constructor taking <c>DbContextOptions&lt;TContext&gt;</c>.</typeparam>
    /// <param name="builder">The builder; register the tenant database too (<c>UseSqlite</c>, <c>UsePostgres</c>, or <c>Db(...)</c>).</param>
    /// <param name="configure">
    /// Chooses the EF Core provider that matches the tenant database's connections, <em>without</em> a connection or
    /// connection string (each rental is given its tenant's open connection): <c>o =&gt; o.UseSqlite()</c>,
    /// <c>o =&gt; o.UseNpgsql()</c>, <c>o =&gt; o.UseSqlServer()</c>. Add the rest here too: <c>UseTenantIsolation()</c>,
    /// interceptors, warnings, <c>UseNpgsql(n =&gt; n.MigrationsAssembly(...))</c>.
    /// </param>
    /// <param name="poolSize">The most contexts kept in the pool (<see cref="DefaultPoolSize"/> by default).</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="InvalidOperationException">
    /// <typeparamref name="TContext"/> is already registered on this builder; <paramref name="configure"/> chose no
    /// relational provider, or gave it a connection or connection string.
    /// </exception>
    public static TenantContextBuilder AddDbContext<TContext>(this TenantContextBuilder builder, Action<DbContextOptionsBuilder> configure, int poolSize = DefaultPoolSize)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        ArgumentOutOfRangeException.ThrowIfLessThan(poolSize, 1);
        var key = PropertyKey<TContext>();
        if (builder.Properties.ContainsKey(key))
        {
            throw new InvalidOperationException($"AddDbContext<{typeof(TContext).Name}> was already called on this builder. Configure the context in one call.");
        }

        var options = new DbContextOptionsBuilder<TContext>();
        TenantRentalExtension.Apply(options);
        configure(options);
        TenantRentalExtension.ValidateProvider(options.Options, typeof(TContext));

        var contexts = new TenantDbContexts<TContext>(options.Options, poolSize);
        builder.Properties[key] = contexts;
        builder.Add(_ => new TenantDbSchema<TContext>(), TenantLifetime.PerTenant);
        if (!builder.IsRegistered<TenantScopeTicket>())
        {
            builder.Add(_ => new TenantScopeTicket(), TenantLifetime.PerScope);
        }

        builder.Add(_ => contexts.Create(), TenantLifetime.PerScope);
        return builder;
    }

    /// <summary>The pooled contexts registered by <see cref="AddDbContext{TContext}"/> on this configuration.</summary>
    /// <typeparam name="TContext">The context type.</typeparam>
    /// <param name="configuration">A configuration built with <c>AddDbContext&lt;TContext&gt;()</c>.</param>
    /// <exception cref="InvalidOperationException">The configuration has no <c>AddDbContext&lt;TContext&gt;()</c>.</exception>
    public static TenantDbContexts<TContext> GetDbContexts<TContext>(this TenantConfiguration configuration)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.Properties.TryGetValue(PropertyKey<TContext>(), out var value) && value is TenantDbContexts<TContext> contexts
            ? contexts
            : throw new InvalidOperationException(
                $"This TenantConfiguration has no {typeof(TContext).Name}. Call builder.AddDbContext<{typeof(TContext).Name}>() when you build it.");
    }

    /// <summary>
    /// Brings every tenant's database up to date for <typeparamref name="TContext"/> (EF migrations, or the tables of a
    /// context without migrations), <paramref name="parallelism"/> tenants at a time. A failing tenant does not stop the
    /// others: the report says which failed and why.
    /// </summary>
    /// <typeparam name="TContext">A context registered with <see cref="AddDbContext{TContext}"/>.</typeparam>
    /// <param name="configuration">The configuration that registers the context and the tenant databases.</param>
    /// <param name="tenants">The tenants to migrate; null for the active tenants of the configuration's catalog (<see cref="TenantConfiguration.Catalog"/>).</param>
    /// <param name="parallelism">Tenants migrated at once; 0 for the processor count.</param>
    /// <param name="progress">Receives a report after each tenant.</param>
    /// <param name="cancellationToken">Stops starting new tenants; a tenant in progress finishes or rolls back.</param>
    /// <returns>The per-tenant report, in the order of <paramref name="tenants"/> (or of the catalog's listing).</returns>
    /// <exception cref="InvalidOperationException"><paramref name="tenants"/> is null and the configuration has no catalog.</exception>
    public static async Task<TenantDbContextMigrationReport> MigrateAllTenantsAsync<TContext>(
        this TenantConfiguration configuration,
        IEnumerable<string>? tenants = null,
        int parallelism = 0,
        IProgress<TenantDbContextMigrationProgress>? progress = null,
        CancellationToken cancellationToken = default)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentOutOfRangeException.ThrowIfNegative(parallelism);
        var contexts = configuration.GetDbContexts<TContext>();
        var slugs = tenants is not null
            ? tenants.ToArray()
            : (await CatalogOf(configuration, typeof(TContext)).ListAsync(includeArchived: false, cancellationToken).ConfigureAwait(false)).Select(r => r.Slug).ToArray();

        var started = Stopwatch.GetTimestamp();
        var results = new TenantDbContextMigrationResult[slugs.Length];
        int completed = 0, failed = 0;
        var gate = new object();
        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = parallelism == 0 ? Environment.ProcessorCount : parallelism,
            CancellationToken = cancellationToken,
        };

        await Parallel.ForEachAsync(Enumerable.Range(0, slugs.Length), parallel, async (i, ct) =>
        {
            var result = await MigrateOneAsync(configuration, contexts, slugs[i], ct).ConfigureAwait(false);
            results[i] = result;
            TenantDbContextMigrationProgress report;
            lock (gate)
            {
                completed++;
                failed += result.Succeeded ? 0 : 1;
                report = new TenantDbContextMigrationProgress(completed, slugs.Length, failed, result);
            }

            progress?.Report(report);
        }).ConfigureAwait(false);

        return new TenantDbContextMigrationReport(results, Stopwatch.GetElapsedTime(started));
    }

    private static async Task<TenantDbContextMigrationResult> MigrateOneAsync<TContext>(
        TenantConfiguration configuration, TenantDbContexts<TContext> contexts, string slug, CancellationToken cancellationToken)
        where TContext : DbContext
    {
        try
        {
            using var configured = TenantContext.UseConfiguration(configuration);
            var scope = TenantContext.Enter(slug);
            await using (scope.ConfigureAwait(false))
            {
                return await contexts.MigrateCurrentAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new TenantDbContextMigrationResult(slug, [], TimeSpan.Zero, ex);
        }
    }

    private static ITenantCatalog CatalogOf(TenantConfiguration configuration, Type context)
        => configuration.Catalog ?? throw new InvalidOperationException(
            $"MigrateAllTenantsAsync<{context.Name}>() without a list of tenants migrates the catalog's tenants, and this configuration has no catalog. " +
            "Pass the tenants (MigrateAllTenantsAsync<TContext>([\"acme\", ...])) or register a catalog (UseSqlite and UsePostgres register theirs; any other store: builder.Catalog(...)).");

    private static string PropertyKey<TContext>() => "Tenancy.EntityFrameworkCore.DbContext:" + typeof(TContext).AssemblyQualifiedName;
}
