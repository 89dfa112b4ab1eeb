// The one place this package derives from an EF Core internal type. EF Core answers DbSet.Find, DbSet.Local and
// context.Entry from its state manager without running a query or an interceptor, so that is where a context serving the
// wrong scope or the wrong tenant has to be stopped; and SaveChanges asks it for the entries to save right after EF has
// detected changes, which lets the write guard run without detecting them a second time.
#pragma warning disable EF1001 // Internal EF Core API usage: StateManager (pinned EF Core version, see the comment above)
using Microsoft.EntityFrameworkCore.ChangeTracking.Internal;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Update;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Tenancy.EntityFrameworkCore;

/// <summary>
/// EF Core's state manager with the tenant checks of <c>AddDbContext</c> (the context serves the scope that rented it) and
/// <c>UseTenantIsolation()</c> (tracked rows of another tenant are not handed out; the write guard on save).
/// </summary>
internal sealed class TenantStateManager : StateManager
{
    private readonly TenantConnectionLease? _lease;
    private readonly TenantQueryState? _isolation;

    public TenantStateManager(StateManagerDependencies dependencies, IEnumerable<TenantConnectionLease> leases, IEnumerable<TenantQueryState> isolation)
        : base(dependencies)
    {
        _lease = leases.FirstOrDefault();
        _isolation = isolation.FirstOrDefault();
    }

    /// <summary>Registers the state manager; either extension may call it, in any order, before or after the provider's services.</summary>
    internal static void Register(IServiceCollection services)
        => services.Replace(ServiceDescriptor.Scoped<IStateManager, TenantStateManager>());

    public override InternalEntityEntry? TryGetEntry(IKey key, IReadOnlyList<object?> keyValues)
    {
        BeforeRead(key.DeclaringEntityType, "DbSet.Find");
        return base.TryGetEntry(key, keyValues);
    }

    public override InternalEntityEntry? TryGetEntryTyped<TKey>(IKey key, TKey keyValue)
    {
        BeforeRead(key.DeclaringEntityType, "DbSet.Find");
        return base.TryGetEntryTyped(key, keyValue);
    }

    public override IEnumerable<TEntity> GetNonDeletedEntities<TEntity>()
    {
        BeforeRead(Dependencies.Model.FindEntityType(typeof(TEntity)) is { } type && TenantColumn.Of(type) is not null, "DbSet.Local");
        return base.GetNonDeletedEntities<TEntity>();
    }

    public override InternalEntityEntry GetOrCreateEntry(object entity)
    {
        BeforeEntry(entity);
        return base.GetOrCreateEntry(entity);
    }

    public override InternalEntityEntry GetOrCreateEntry(object entity, IEntityType? entityType)
    {
        BeforeEntry(entity);
        return base.GetOrCreateEntry(entity, entityType);
    }

    public override IList<IUpdateEntry> GetEntriesToSave(bool cascadeChanges)
    {
        _lease?.EnsureServesCurrentFlow("SaveChanges");
        var entries = base.GetEntriesToSave(cascadeChanges); // after EF's own DetectChanges: the guard never detects again
        if (_isolation is not null && entries.Count > 0)
        {
            TenantWriteGuard.Check(entries, _isolation);
        }

        return entries;
    }

    private void BeforeRead(IReadOnlyEntityType type, string member) => BeforeRead(TenantColumn.Of(type) is not null, member);

    private void BeforeRead(bool tenantOwned, string member)
    {
        if (tenantOwned && _isolation is not null)
        {
            _isolation.Resolve(member); // asks the lease first
        }
        else
        {
            _lease?.EnsureServesCurrentFlow(member);
        }
    }

    /// <summary>
    /// context.Entry, Add, Attach, Update, Remove. Outside any scope only the lease is asked: a new row is stamped (or
    /// refused) by the guard when it is saved, and the caller already holds the entity it asks about.
    /// </summary>
    private void BeforeEntry(object entity)
    {
        if (_isolation is not null && Dependencies.Model.FindRuntimeEntityType(entity.GetType()) is { } type && TenantColumn.Of(type) is not null && TenantContext.TryGetCurrent(out _))
        {
            _isolation.Resolve("Tracking an entity"); // asks the lease first
        }
        else
        {
            _lease?.EnsureServesCurrentFlow("Tracking an entity");
        }
    }
}
