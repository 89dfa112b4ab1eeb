using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;
using Microsoft.EntityFrameworkCore.Metadata.Conventions.Infrastructure;

namespace Tenancy.EntityFrameworkCore;

/// <summary>Adds <see cref="TenantIsolationConvention"/> to every model built for a context with <c>UseTenantIsolation()</c>.</summary>
internal sealed class TenantIsolationConventionSetPlugin : IConventionSetPlugin
{
    public ConventionSet ModifyConventions(ConventionSet conventionSet)
    {
        conventionSet.Add(new TenantIsolationConvention());
        return conventionSet;
    }
}

/// <summary>
/// For every root <see cref="ITenantOwned"/> entity type: the named query filter <see cref="TenantIsolation.FilterName"/>
/// (<c>e.TenantId == current tenant</c>, read from the context on every query), an index on <c>TenantId</c> unless an
/// index already starts with it, <c>TenantId</c> required and a concurrency token (so an UPDATE or DELETE of a row that
/// belongs to another tenant matches no row in the database, even when the entity was attached with a forged id).
/// </summary>
internal sealed class TenantIsolationConvention : IModelFinalizingConvention
{
    private static readonly MethodInfo CurrentTenantIdMethod =
        typeof(TenantQueryState).GetMethod(nameof(TenantQueryState.CurrentTenantId), BindingFlags.Static | BindingFlags.NonPublic)!;

    private static readonly MethodInfo EfPropertyMethod =
        typeof(EF).GetMethod(nameof(EF.Property), BindingFlags.Static | BindingFlags.Public)!.MakeGenericMethod(typeof(string));

    public void ProcessModelFinalizing(IConventionModelBuilder modelBuilder, IConventionContext<IConventionModelBuilder> context)
    {
        foreach (var entityType in modelBuilder.Metadata.GetEntityTypes().ToList())
        {
            if (!typeof(ITenantOwned).IsAssignableFrom(entityType.ClrType) || entityType.IsOwned())
            {
                continue;
            }

            var tenantId = entityType.FindProperty(nameof(ITenantOwned.TenantId));
            if (tenantId is null)
            {
                continue;
            }

            tenantId.Builder.IsRequired(true);
            tenantId.Builder.IsConcurrencyToken(true);

            if (!entityType.GetIndexes().Any(i => ReferenceEquals(i.Properties[0], tenantId)))
            {
                entityType.Builder.HasIndex([tenantId]);
            }

            if (entityType.BaseType is null)
            {
                AddFilter(entityType);
            }
        }
    }

    private static void AddFilter(IConventionEntityType entityType)
    {
        // e => e.TenantId == TenantQueryState.CurrentTenantId(<the context>)
        // The DbContext-typed constant is replaced by EF with the context that runs the query, so the call runs on every
        // query execution (as a query parameter) and nothing tenant-specific is frozen into the cached model.
        var entity = Expression.Parameter(entityType.ClrType, "e");
        var body = Expression.Equal(
            Expression.Call(EfPropertyMethod, entity, Expression.Constant(nameof(ITenantOwned.TenantId))),
            Expression.Call(CurrentTenantIdMethod, Expression.Constant(null, typeof(DbContext))));
        var filter = Expression.Lambda(body, entity);

        if (entityType.GetDeclaredQueryFilters().Any(f => f.IsAnonymous))
        {
            throw new InvalidOperationException(
                $"The entity type '{entityType.DisplayName()}' has an unnamed query filter (HasQueryFilter(e => ...)), and UseTenantIsolation() adds the named filter '{TenantIsolation.FilterName}'. " +
                "EF Core does not mix named and unnamed filters on one entity type: give your filter a name, for example HasQueryFilter(\"SoftDelete\", e => !e.IsDeleted).");
        }

        entityType.Builder.HasQueryFilter(TenantIsolation.FilterName, filter);
    }
}
