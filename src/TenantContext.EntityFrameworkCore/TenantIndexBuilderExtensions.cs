using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Tenancy.EntityFrameworkCore;

namespace Tenancy;

/// <summary>
/// Model configuration for row-level isolation (in <c>Tenancy</c> so <c>using Tenancy;</c> finds it): unique indexes per
/// tenant, and a tenant column of the app's own.
/// </summary>
public static class TenantIndexBuilderExtensions
{
    /// <summary>
    /// A unique index on (the tenant column, the given properties): the same value is allowed once per tenant, in as many
    /// tenants as you like. <c>entity.HasTenantUniqueIndex(e =&gt; e.Name)</c> or <c>e =&gt; new { e.Path, e.Locale }</c>.
    /// The tenant column is <see cref="ITenantOwned.TenantId"/>, or the one named by <see cref="HasTenantKey{TEntity, TKey}"/>
    /// (call that first).
    /// </summary>
    /// <typeparam name="TEntity">A tenant-owned entity type.</typeparam>
    /// <param name="builder">The entity type builder.</param>
    /// <param name="properties">A property access, or an anonymous type of property accesses.</param>
    /// <returns>The index builder (already unique), to name or configure the index further.</returns>
    /// <exception cref="ArgumentException"><paramref name="properties"/> is not a property access or an anonymous type of them.</exception>
    /// <exception cref="InvalidOperationException">The entity is neither <see cref="ITenantOwned"/> nor given a tenant key.</exception>
    public static IndexBuilder<TEntity> HasTenantUniqueIndex<TEntity>(this EntityTypeBuilder<TEntity> builder, Expression<Func<TEntity, object?>> properties)
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(properties);
        var tenant = builder.Metadata.FindAnnotation(TenantColumn.KeyAnnotation)?.Value as string
            ?? (typeof(ITenantOwned).IsAssignableFrom(typeof(TEntity)) ? nameof(ITenantOwned.TenantId)
                : throw new InvalidOperationException(
                    $"HasTenantUniqueIndex on {typeof(TEntity).Name}: the entity has no tenant column. Implement ITenantOwned, or name the app's own column first: entity.HasTenantKey(e => e.WebsiteId)."));
        var names = new List<string> { tenant };
        names.AddRange(MemberNames(properties));
        return builder.HasIndex(names.ToArray()).IsUnique();
    }

    /// <summary>
    /// Names the app's own tenant column (for example <c>website_id bigint NOT NULL REFERENCES websites(id)</c>) instead of
    /// <see cref="ITenantOwned.TenantId"/>: with <c>UseTenantIsolation(o =&gt; o.TenantKey(...))</c> the query filter, the
    /// <c>SaveChanges</c> guard (new rows stamped with the current tenant's key) and PostgreSQL's row-level security all
    /// work on it. An existing schema adopts row-level isolation without renaming a column.
    /// </summary>
    /// <typeparam name="TEntity">The entity type.</typeparam>
    /// <typeparam name="TKey">The column's type: the tenant's key (a <c>long</c> for a <c>bigint</c>, a <c>Guid</c>, ...).</typeparam>
    /// <param name="builder">The entity type builder.</param>
    /// <param name="property">The property that holds the tenant's key: <c>e =&gt; e.WebsiteId</c>.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentException"><paramref name="property"/> is not a property access.</exception>
    public static EntityTypeBuilder<TEntity> HasTenantKey<TEntity, TKey>(this EntityTypeBuilder<TEntity> builder, Expression<Func<TEntity, TKey>> property)
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(property);
        var name = MemberNames(property, nameof(property)).Single();
        builder.Property(name);
        builder.HasAnnotation(TenantColumn.KeyAnnotation, name);
        return builder;
    }

    private static string[] MemberNames(LambdaExpression lambda, string parameterName = "properties")
    {
        var body = lambda.Body is UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } convert ? convert.Operand : lambda.Body;
        switch (body)
        {
            case MemberExpression { Member: PropertyInfo or FieldInfo } member when member.Expression == lambda.Parameters[0]:
                return [member.Member.Name];
            case NewExpression { Arguments.Count: > 0 } created when parameterName == "properties" && created.Arguments.All(a => a is MemberExpression m && m.Expression == lambda.Parameters[0]):
                return created.Arguments.Select(a => ((MemberExpression)a).Member.Name).ToArray();
            default:
                throw new ArgumentException(
                    $"'{lambda}' is not a property access. Write e => e.Name, or e => new {{ e.Name, e.Locale }} for several properties (the tenant column is added first for you).",
                    parameterName);
        }
    }
}
