using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Tenancy.EntityFrameworkCore;

/// <summary>
/// One per context instance (a scoped service of the context's internal provider): the tenant the context last served.
/// The query filter asks it for the current tenant on every query; the write guard asks it before every save. A context
/// that moves to another tenant's scope follows it, unless it still tracks rows of the tenant it served: then it refuses.
/// </summary>
internal sealed class TenantQueryState(ICurrentDbContext currentContext, IEnumerable<TenantConnectionLease> leases) : IResettableService
{
    private readonly TenantConnectionLease? _lease = leases.FirstOrDefault();
    private string? _tenant;

    /// <summary>A cross-tenant write found while EF was about to throw a concurrency exception; thrown once the save failed.</summary>
    internal string? PendingRefusal { get; set; }

    /// <summary>The tenant the context last served (null before its first tenant-aware query or save, and after a reset).</summary>
    internal string? Tenant => _tenant;

    /// <summary>Called by the query filter on every query execution, with the context that runs it.</summary>
    internal static string CurrentTenantId(DbContext context) => context.GetService<TenantQueryState>().Resolve("A query on tenant-owned entities");

    /// <summary>The current tenant's slug; records it as the tenant the context serves.</summary>
    /// <exception cref="TenantScopeRequiredException">No scope is active (and no default tenant is configured).</exception>
    /// <exception cref="CrossTenantContextException">The context still tracks rows of the tenant it served before (a query).</exception>
    /// <exception cref="CrossTenantWriteException">The same, for a save (<paramref name="forWrite"/>).</exception>
    /// <exception cref="ObjectDisposedException">A context from <c>AddDbContext</c> used after the scope that rented it ended.</exception>
    internal string Resolve(string member, bool forWrite = false)
    {
        _lease?.EnsureServesCurrentFlow(member);
        if (!TenantContext.TryGetCurrent(out var tenant))
        {
            throw new TenantScopeRequiredException($"{member} ({currentContext.Context.GetType().Name})");
        }

        var slug = tenant.Slug;
        var previous = _tenant;
        if (previous is null || ReferenceEquals(previous, slug) || string.Equals(previous, slug, StringComparison.Ordinal))
        {
            _tenant = slug;
            return slug;
        }

        if (TracksRowsNotOf(slug) is { } other)
        {
            var message =
                $"This {currentContext.Context.GetType().Name} tracks rows of tenant '{other}' and is now used in the scope of tenant '{slug}'. " +
                "A context serves one tenant at a time: take a context per scope (TenantContext.Get<TContext>() with AddDbContext, or a new context inside the scope), " +
                "or call context.ChangeTracker.Clear() before using it for another tenant. Nothing was read or written.";
            throw forWrite ? new CrossTenantWriteException(message) : new CrossTenantContextException(message);
        }

        _tenant = slug;
        return slug;
    }

    /// <summary>A tenant other than <paramref name="slug"/> whose rows the context tracks (new rows not stamped yet count for none).</summary>
    private string? TracksRowsNotOf(string slug)
    {
        var tracker = currentContext.Context.ChangeTracker;
        var autoDetect = tracker.AutoDetectChangesEnabled;
        tracker.AutoDetectChangesEnabled = false;
        try
        {
            foreach (var entry in tracker.Entries())
            {
                if (entry.Entity is ITenantOwned && entry.State != EntityState.Detached)
                {
                    // A new row not stamped yet belongs to no tenant: the guard stamps it with the tenant current at SaveChanges.
                    var owner = OriginalTenantId(entry);
                    if (!string.IsNullOrEmpty(owner) && !string.Equals(owner, slug, StringComparison.Ordinal))
                    {
                        return owner;
                    }
                }
            }

            return null;
        }
        finally
        {
            tracker.AutoDetectChangesEnabled = autoDetect;
        }
    }

    internal static string? OriginalTenantId(EntityEntry entry)
    {
        var property = entry.Property(nameof(ITenantOwned.TenantId));
        return entry.State == EntityState.Added ? property.CurrentValue as string : property.OriginalValue as string;
    }

    public void ResetState()
    {
        _tenant = null;
        PendingRefusal = null;
    }

    public Task ResetStateAsync(CancellationToken cancellationToken = default)
    {
        ResetState();
        return Task.CompletedTask;
    }
}
