using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Tenancy.EntityFrameworkCore;

/// <summary>
/// Which property of a tenant-owned entity type names its tenant, and what it holds: the tenant's slug
/// (<see cref="ITenantOwned.TenantId"/>), or the tenant's key in a column of the app's own
/// (<see cref="TenantIndexBuilderExtensions.HasTenantKey{TEntity, TKey}"/>, e.g. <c>website_id bigint</c>).
/// </summary>
internal sealed class TenantColumn
{
    /// <summary>The annotation <c>HasTenantKey</c> leaves on the entity type: the name of the property that holds the tenant's key.</summary>
    internal const string KeyAnnotation = "Tenancy:TenantKey";

    private static readonly ConcurrentDictionary<IReadOnlyEntityType, TenantColumn?> s_cache = new(ReferenceEqualityComparer.Instance);

    private TenantColumn(IReadOnlyProperty property, bool isKey)
    {
        Property = property;
        IsKey = isKey;
        var type = property.ClrType;
        Unset = isKey && type.IsValueType ? Activator.CreateInstance(Nullable.GetUnderlyingType(type) ?? type) : null;
    }

    /// <summary>The property that names the row's tenant.</summary>
    internal IReadOnlyProperty Property { get; }

    /// <summary>True when it holds the tenant's key (<c>HasTenantKey</c>); false for the slug (<see cref="ITenantOwned.TenantId"/>).</summary>
    internal bool IsKey { get; }

    /// <summary>The value of a row not stamped yet: null, "", or the key type's default (0).</summary>
    private object? Unset { get; }

    /// <summary>The tenant column of <paramref name="entityType"/> (of its root type), or null when it is not tenant-owned.</summary>
    internal static TenantColumn? Of(IReadOnlyEntityType entityType)
        => s_cache.TryGetValue(entityType, out var known) ? known : s_cache.GetOrAdd(entityType, Find(entityType));

    /// <summary>Finds the column while the model is being built (not cached: the model may still change).</summary>
    internal static TenantColumn? Find(IReadOnlyEntityType entityType)
    {
        var root = entityType.GetRootType();
        if (root.IsOwned())
        {
            return null;
        }

        if (root.FindAnnotation(KeyAnnotation)?.Value is string name)
        {
            var key = root.FindProperty(name)
                ?? throw new InvalidOperationException($"HasTenantKey on '{root.DisplayName()}' names the property '{name}', which the entity type does not have.");
            return new TenantColumn(key, isKey: true);
        }

        return typeof(ITenantOwned).IsAssignableFrom(root.ClrType) && root.FindProperty(nameof(ITenantOwned.TenantId)) is { } slug
            ? new TenantColumn(slug, isKey: false)
            : null;
    }

    /// <summary>Whether a value means "no tenant yet" (a new row the guard stamps).</summary>
    internal bool IsUnset(object? value) => value is null || (value is string s ? s.Length == 0 : Equals(value, Unset));

    /// <summary>Displays a tenant value in a message.</summary>
    internal static string Show(object? value) => value is null ? "(none)" : $"'{value}'";
}
