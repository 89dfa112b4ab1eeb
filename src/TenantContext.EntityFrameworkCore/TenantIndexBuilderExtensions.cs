using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Tenancy;

/// <summary>Unique indexes per tenant for <see cref="ITenantOwned"/> entities (in <c>Tenancy</c> so <c>using Tenancy;</c> finds it).</summary>
public static class TenantIndexBuilderExtensions
{
    /// <summary>
    /// A unique index on (<c>TenantId</c>, the given properties): the same value is allowed once per tenant, in as many
    /// tenants as you like. <c>entity.HasTenantUniqueIndex(e =&gt; e.Name)</c> or <c>e =&gt; new { e.Path, e.Locale }</c>.
    /// </summary>
    /// <typeparam name="TEntity">A tenant-owned entity type.</typeparam>
    /// <param name="builder">The entity type builder.</param>
    /// <param name="properties">A property access, or an anonymous type of property accesses.</param>
    /// <returns>The index builder (already unique), to name or configure the index further.</returns>
    /// <exception cref="ArgumentException"><paramref name="properties"/> is not a property access or an anonymous type of them.</exception>
    public static IndexBuilder<TEntity> HasTenantUniqueIndex<TEntity>(this EntityTypeBuilder<TEntity> builder, Expression<Func<TEntity, object?>> properties)
        where TEntity : class, ITenantOwned
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(properties);
        var names = new List<string> { nameof(ITenantOwned.TenantId) };
        names.AddRange(MemberNames(properties));
        return builder.HasIndex(names.ToArray()).IsUnique();
    }

    private static IEnumerable<string> MemberNames(LambdaExpression lambda, string parameterName = "properties")
    {
        var body = lambda.Body is UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } convert ? convert.Operand : lambda.Body;
        switch (body)
        {
            case MemberExpression { Member: PropertyInfo or FieldInfo } member when member.Expression == lambda.Parameters[0]:
                return [member.Member.Name];
            case NewExpression { Arguments.Count: > 0 } created when created.Arguments.All(a => a is MemberExpression m && m.Expression == lambda.Parameters[0]):
                return created.Arguments.Select(a => ((MemberExpression)a).Member.Name).ToArray();
            default:
                throw new ArgumentException(
                    $"'{lambda}' is not a property access. Write e => e.Name, or e => new {{ e.Name, e.Locale }} for several properties (TenantId is added first for you).",
                    parameterName);
        }
    }
}
