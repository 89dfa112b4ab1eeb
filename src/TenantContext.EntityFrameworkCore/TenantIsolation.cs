using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Tenancy.EntityFrameworkCore;

namespace Tenancy;

/// <summary>
/// Row-level tenant isolation for any EF Core context: <c>optionsBuilder.UseTenantIsolation()</c>.
/// </summary>
/// <remarks>
/// <para>
/// With it, every <see cref="ITenantOwned"/> entity type (and every entity given a tenant column of the app's own with
/// <see cref="TenantIndexBuilderExtensions.HasTenantKey{TEntity, TKey}"/>) gets: the named query filter <see cref="FilterName"/>
/// (<c>TenantId == the current tenant</c>, read on every query execution from the context, so neither the model cache
/// nor a long-lived context freezes a tenant); an index on <c>TenantId</c> (unless one of your indexes starts with it —
/// see <see cref="TenantIndexBuilderExtensions.HasTenantUniqueIndex{TEntity}"/>); <c>TenantId</c> required and a
/// concurrency token; and a <c>SaveChanges</c> guard that stamps new rows and throws
/// <see cref="CrossTenantWriteException"/> on writes to another tenant's rows or with no scope.
/// </para>
/// <para>
/// Outside any tenant scope (and with no default tenant), a query on a tenant-owned entity throws
/// <see cref="TenantScopeRequiredException"/>: it never returns all tenants' rows, and it does not silently return none
/// (an empty result would hide the missing scope). <c>IgnoreQueryFilters()</c> removes the filter as EF documents — all
/// tenants' rows — and is the escape hatch analyzer TC1006 flags; <c>IgnoreQueryFilters([TenantIsolation.FilterName])</c>
/// removes only this filter. EF Core does not mix named and unnamed filters on one entity type: name your own filters.
/// </para>
/// <para>
/// The extension methods live in the <c>Tenancy</c> namespace (not <c>Tenancy.EntityFrameworkCore</c>) on purpose, like
/// EF Core's <c>UseSqlite</c> in <c>Microsoft.EntityFrameworkCore</c>: <c>using Tenancy;</c> alone finds them.
/// </para>
/// </remarks>
public static class TenantIsolation
{
    /// <summary>The name of the query filter added to tenant-owned entity types (for <c>IgnoreQueryFilters([name])</c>).</summary>
    public const string FilterName = "Tenancy.TenantIsolation";

    /// <summary>
    /// Switches row-level tenant isolation on for this context: a query filter on the current tenant for every
    /// <see cref="ITenantOwned"/> entity, <c>TenantId</c> indexed, and the <c>SaveChanges</c> write guard.
    /// </summary>
    /// <param name="optionsBuilder">The context's options builder.</param>
    /// <returns>The options builder, for chaining.</returns>
    /// <param name="configure">
    /// Optional: where the key of a tenant column of the app's own comes from (<c>o.TenantKey(t =&gt; ...)</c>), and whether
    /// PostgreSQL row-level security is applied (<see cref="TenantIsolationOptions.RowLevelSecurity"/>).
    /// </param>
    public static DbContextOptionsBuilder UseTenantIsolation(this DbContextOptionsBuilder optionsBuilder, Action<TenantIsolationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(optionsBuilder);
        var existing = optionsBuilder.Options.FindExtension<TenantIsolationOptionsExtension>();
        var options = existing?.Options ?? new TenantIsolationOptions();
        configure?.Invoke(options);
        if (existing is null)
        {
            ((IDbContextOptionsBuilderInfrastructure)optionsBuilder).AddOrUpdateExtension(new TenantIsolationOptionsExtension(options));
            optionsBuilder.AddInterceptors(TenantWriteGuard.Instance);
        }

        return optionsBuilder;
    }

    /// <summary>
    /// Switches row-level tenant isolation on for this context: a query filter on the current tenant for every
    /// <see cref="ITenantOwned"/> entity, <c>TenantId</c> indexed, and the <c>SaveChanges</c> write guard.
    /// </summary>
    /// <typeparam name="TContext">The context type.</typeparam>
    /// <param name="optionsBuilder">The context's options builder.</param>
    /// <returns>The options builder, for chaining.</returns>
    /// <param name="configure">Optional: the tenant key's source and row-level security (see the non-generic overload).</param>
    public static DbContextOptionsBuilder<TContext> UseTenantIsolation<TContext>(this DbContextOptionsBuilder<TContext> optionsBuilder, Action<TenantIsolationOptions>? configure = null)
        where TContext : DbContext
        => (DbContextOptionsBuilder<TContext>)UseTenantIsolation((DbContextOptionsBuilder)optionsBuilder, configure);

    /// <summary>Whether <c>UseTenantIsolation()</c> is on for these options.</summary>
    /// <param name="options">A context's options.</param>
    public static bool IsTenantIsolated(this DbContextOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.FindExtension<TenantIsolationOptionsExtension>() is not null;
    }
}
