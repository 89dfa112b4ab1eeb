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
/// For every root tenant-owned entity type (<see cref="ITenantOwned"/>, or a tenant column of the app's own named with
/// <c>HasTenantKey</c>): the named query filter <see cref="TenantIsolation.FilterName"/> (<c>tenant column == current
/// tenant</c>, read from the context on every query), an index on the tenant column unless an index already starts with
/// it, the column required and a concurrency token (so an UPDATE or DELETE of a row that belongs to another tenant matches
/// no row in the database, even when the entity was attached with a forged tenant).
/// </summary>
internal sealed class TenantIsolationConvention : IModelFinalizingConvention
{
    private static readonly MethodInfo CurrentTenantIdMethod =
        typeof(TenantQueryState).GetMethod(nameof(TenantQueryState.CurrentTenantId), BindingFlags.Static | BindingFlags.NonPublic)!;

    private static readonly MethodInfo CurrentTenantKeyMethod =
        typeof(TenantQueryState).GetMethod(nameof(TenantQueryState.CurrentTenantKey), BindingFlags.Static | BindingFlags.NonPublic)!;

    private static readonly MethodInfo EfPropertyMethod = typeof(EF).GetMethod(nameof(EF.Property), BindingFlags.Static | BindingFlags.Public)!;

    public void ProcessModelFinalizing(IConventionModelBuilder modelBuilder, IConventionContext<IConventionModelBuilder> context)
    {
        foreach (var entityType in modelBuilder.Metadata.GetEntityTypes().ToList())
        {
            if (TenantColumn.Find(entityType) is not { } column)
            {
                continue;
            }

            var property = (IConventionProperty)column.Property;
            if (ReferenceEquals(property.DeclaringType, entityType))
            {
                property.Builder.IsRequired(true);
                property.Builder.IsConcurrencyToken(true);
            }

            if (entityType.BaseType is null)
            {
                if (!entityType.GetIndexes().Any(i => ReferenceEquals(i.Properties[0], property)))
                {
                    entityType.Builder.HasIndex([property]);
                }

                AddFilter(entityType, column);
            }
        }
    }

    private static void AddFilter(IConventionEntityType entityType, TenantColumn column)
    {
        // e => EF.Property<T>(e, "TenantId") == TenantQueryState.CurrentTenantId(<the context>)   (or CurrentTenantKey<T>)
        // The DbContext-typed constant is replaced by EF with the context that runs the query, so the call runs on every
        // query execution (as a query parameter) and nothing tenant-specific is frozen into the cached model.
        var type = column.Property.ClrType;
        var entity = Expression.Parameter(entityType.ClrType, "e");
        var context = Expression.Constant(null, typeof(DbContext));
        Expression current = column.IsKey
            ? Expression.Call(CurrentTenantKeyMethod.MakeGenericMethod(Nullable.GetUnderlyingType(type) ?? type), context)
            : Expression.Call(CurrentTenantIdMethod, context);
        if (current.Type != type)
        {
            current = Expression.Convert(current, type);
        }

        var body = Expression.Equal(Expression.Call(EfPropertyMethod.MakeGenericMethod(type), entity, Expression.Constant(column.Property.Name)), current);
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
