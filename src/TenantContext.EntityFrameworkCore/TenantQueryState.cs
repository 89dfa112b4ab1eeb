using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Tenancy.EntityFrameworkCore;

/// <summary>
/// One per context instance (a scoped service of the context's internal provider): the tenant the context last served.
/// The query filter asks it for the current tenant on every query; the write guard asks it before every save. A context
/// that moves to another tenant's scope follows it, unless it still tracks rows of the tenant it served: then it refuses.
/// </summary>
internal sealed class TenantQueryState(ICurrentDbContext currentContext, IDbContextOptions options, IEnumerable<TenantConnectionLease> leases) : IResettableService
{
    private readonly TenantConnectionLease? _lease = leases.FirstOrDefault();
    private readonly Func<TenantInfo, object>? _key = options.FindExtension<TenantIsolationOptionsExtension>()?.Options.KeyResolver;
    private TenantInfo? _tenant;
    private object? _tenantKey;

    /// <summary>A cross-tenant write found while EF was about to throw a concurrency exception; thrown once the save failed.</summary>
    internal string? PendingRefusal { get; set; }

    /// <summary>Called by the query filter of <see cref="ITenantOwned"/> entities on every query execution.</summary>
    internal static string CurrentTenantId(DbContext context) => context.GetService<TenantQueryState>().Resolve("A query on tenant-owned entities").Slug;

    /// <summary>Called by the query filter of entities with the app's own tenant column (<c>HasTenantKey</c>) on every query execution.</summary>
    internal static TKey CurrentTenantKey<TKey>(DbContext context)
    {
        var state = context.GetService<TenantQueryState>();
        return (TKey)state.KeyOf(state.Resolve("A query on tenant-owned entities"), typeof(TKey));
    }

    /// <summary>The value a row of <paramref name="column"/> holds when it belongs to <paramref name="tenant"/>.</summary>
    internal object Expected(TenantColumn column, TenantInfo tenant) => column.IsKey ? KeyOf(tenant, column.Property.ClrType) : tenant.Slug;

    private object KeyOf(TenantInfo tenant, Type type)
    {
        if (ReferenceEquals(tenant, _tenant) && _tenantKey is { } cached && cached.GetType() == (Nullable.GetUnderlyingType(type) ?? type))
        {
            return cached;
        }

        var resolve = _key ?? throw new InvalidOperationException(
            $"{currentContext.Context.GetType().Name} has entities whose tenant column is the app's own (HasTenantKey), and UseTenantIsolation() was not told where a tenant's key comes from. " +
            "Give it the key from the tenant's catalog record: UseTenantIsolation(o => o.TenantKey(t => t.GetRecord<PostgresTenantRecord>()!.Key)), or any Func<TenantInfo, key>.");
        var key = resolve(tenant) ?? throw new InvalidOperationException($"The tenant key resolver of UseTenantIsolation returned null for tenant '{tenant.Slug}'. Every tenant needs a key.");
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (key.GetType() != target)
        {
            key = Convert.ChangeType(key, target, System.Globalization.CultureInfo.InvariantCulture);
        }

        if (ReferenceEquals(tenant, _tenant))
        {
            _tenantKey = key;
        }

        return key;
    }

    /// <summary>The current tenant; records it as the tenant the context serves.</summary>
    /// <exception cref="TenantScopeRequiredException">No scope is active (and no default tenant is configured).</exception>
    /// <exception cref="CrossTenantContextException">The context still tracks rows of the tenant it served before (a query).</exception>
    /// <exception cref="CrossTenantWriteException">The same, for a save (<paramref name="forWrite"/>).</exception>
    /// <exception cref="ObjectDisposedException">A context from <c>AddDbContext</c> used after the scope that rented it ended.</exception>
    internal TenantInfo Resolve(string member, bool forWrite = false)
    {
        _lease?.EnsureServesCurrentFlow(member);
        if (!TenantContext.TryGetCurrent(out var tenant))
        {
            throw new TenantScopeRequiredException($"{member} ({currentContext.Context.GetType().Name})");
        }

        var previous = _tenant;
        if (previous is null || ReferenceEquals(previous, tenant) || string.Equals(previous.Slug, tenant.Slug, StringComparison.Ordinal))
        {
            Serve(tenant);
            return tenant;
        }

        if (TracksRowsNotOf(tenant) is { } other)
        {
            var message =
                $"This {currentContext.Context.GetType().Name} tracks rows of tenant {other} and is now used in the scope of tenant '{tenant.Slug}'. " +
                "A context serves one tenant at a time: take a context per scope (TenantContext.Get<TContext>() with AddDbContext, or a new context inside the scope), " +
                "or call context.ChangeTracker.Clear() before using it for another tenant. Nothing was read or written.";
            throw forWrite ? new CrossTenantWriteException(message) : new CrossTenantContextException(message);
        }

        Serve(tenant);
        return tenant;
    }

    private void Serve(TenantInfo tenant)
    {
        if (!ReferenceEquals(_tenant, tenant))
        {
            _tenant = tenant;
            _tenantKey = null;
        }
    }

    /// <summary>Another tenant whose rows the context tracks, for a message (new rows not stamped yet count for none).</summary>
    private string? TracksRowsNotOf(TenantInfo tenant)
    {
        var tracker = currentContext.Context.ChangeTracker;
        var autoDetect = tracker.AutoDetectChangesEnabled;
        tracker.AutoDetectChangesEnabled = false;
        try
        {
            foreach (var entry in tracker.Entries())
            {
                if (entry.State == EntityState.Detached || TenantColumn.Of(entry.Metadata) is not { } column)
                {
                    continue;
                }

                // A new row not stamped yet belongs to no tenant: the guard stamps it with the tenant current at SaveChanges.
                var owner = OwnerOf(entry, column);
                if (!column.IsUnset(owner) && !Equals(owner, Expected(column, tenant)))
                {
                    return column.IsKey ? $"key {TenantColumn.Show(owner)}" : TenantColumn.Show(owner);
                }
            }

            return null;
        }
        finally
        {
            tracker.AutoDetectChangesEnabled = autoDetect;
        }
    }

    private static object? OwnerOf(EntityEntry entry, TenantColumn column)
    {
        var property = entry.Property(column.Property.Name);
        return entry.State == EntityState.Added ? property.CurrentValue : property.OriginalValue;
    }

    public void ResetState()
    {
        _tenant = null;
        _tenantKey = null;
        PendingRefusal = null;
    }

    public Task ResetStateAsync(CancellationToken cancellationToken = default)
    {
        ResetState();
        return Task.CompletedTask;
    }
}
