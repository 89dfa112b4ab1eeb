using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace Tenancy;

/// <summary>
/// The run-time half of accessors generated from a <see cref="TenantAccessorsAttribute"/> class. Not meant to be
/// called directly: use the generated properties, or <see cref="TenantContext.Get{T}"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class TenantAccessor
{
    /// <summary>Reads <typeparamref name="T"/> for the current scope from its precomputed slot.</summary>
    /// <typeparam name="T">The accessor's type.</typeparam>
    /// <param name="accessor">The accessor as users write it (<c>Wiki.Db</c>), named in errors.</param>
    /// <exception cref="TenantScopeRequiredException">No scope is active and no default tenant is configured.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Get<T>(string accessor) where T : class => ResourceResolver.Resolve<T>(ServiceSlot<T>.Index, accessor);
}
