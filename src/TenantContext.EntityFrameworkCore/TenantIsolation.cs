using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Tenancy.EntityFrameworkCore;

namespace Tenancy;

/// <summary>
/// Row-level tenant isolation for any EF Core context: <c>optionsBuilder.UseTenantIsolation()</c>.
/// </summary>
/// <remarks>
/// <para>
/// With it, every <see cref="ITenantOwned"/> entity type gets: the named query filter <see cref="FilterName"/>
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
    public static DbContextOptionsBuilder UseTenantIsolation(this DbContextOptionsBuilder optionsBuilder)
    {
        ArgumentNullException.ThrowIfNull(optionsBuilder);
        if (optionsBuilder.Options.FindExtension<TenantIsolationOptionsExtension>() is null)
        {
            ((IDbContextOptionsBuilderInfrastructure)optionsBuilder).AddOrUpdateExtension(new TenantIsolationOptionsExtension());
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
    public static DbContextOptionsBuilder<TContext> UseTenantIsolation<TContext>(this DbContextOptionsBuilder<TContext> optionsBuilder)
        where TContext : DbContext
        => (DbContextOptionsBuilder<TContext>)UseTenantIsolation((DbContextOptionsBuilder)optionsBuilder);

    /// <summary>Whether <c>UseTenantIsolation()</c> is on for these options.</summary>
    /// <param name="options">A context's options.</param>
    public static bool IsTenantIsolated(this DbContextOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.FindExtension<TenantIsolationOptionsExtension>() is not null;
    }
}
