namespace Tenancy;

/// <summary>
/// Replaces resources for one scope and everything that flows from it (test injection). Overrides are not owned:
/// the scope never disposes them.
/// </summary>
/// <example><code>using (TenantContext.Enter("acme", o => o.Storage(memory).Use&lt;IClock&gt;(fakeClock))) { … }</code></example>
public sealed class TenantOverrides
{
    private object?[] _values = new object?[ServiceSlots.Count];

    internal TenantOverrides()
    {
    }

    /// <summary>Uses <paramref name="db"/> as the tenant's database in this scope.</summary>
    /// <param name="db">The replacement.</param>
    public TenantOverrides Db(ITenantDatabase db) => Use(db);

    /// <summary>Uses <paramref name="storage"/> as the tenant's storage in this scope.</summary>
    /// <param name="storage">The replacement.</param>
    public TenantOverrides Storage(ITenantStorage storage) => Use(storage);

    /// <summary>Uses <paramref name="renderer"/> as the tenant's renderer in this scope.</summary>
    /// <param name="renderer">The replacement.</param>
    public TenantOverrides Renderer(ITenantRenderer renderer) => Use(renderer);

    /// <summary>Uses <paramref name="instance"/> for <typeparamref name="T"/> in this scope.</summary>
    /// <typeparam name="T">The service type callers ask for.</typeparam>
    /// <param name="instance">The replacement.</param>
    public TenantOverrides Use<T>(T instance) where T : class
    {
        ArgumentNullException.ThrowIfNull(instance);
        int slot = ServiceSlot<T>.Index;
        if (slot >= _values.Length)
        {
            Array.Resize(ref _values, ServiceSlots.Count);
        }

        _values[slot] = instance;
        return this;
    }

    /// <summary>Merges over <paramref name="inherited"/>: own values win. Returns null when there is nothing.</summary>
    internal object?[]? MergeOver(object?[]? inherited)
    {
        if (inherited is null)
        {
            return _values;
        }

        var merged = new object?[Math.Max(inherited.Length, _values.Length)];
        Array.Copy(inherited, merged, inherited.Length);
        for (int i = 0; i < _values.Length; i++)
        {
            if (_values[i] is { } v)
            {
                merged[i] = v;
            }
        }

        return merged;
    }
}
