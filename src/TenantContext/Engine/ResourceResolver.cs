using System.Runtime.CompilerServices;

namespace Tenancy;

/// <summary>
/// Hands out the current scope's resources: an override, a per-tenant resource (cached on the tenant's entry, which a
/// live scope keeps from retirement), a per-scope resource (held by the scope that owns it), or a transient one.
/// </summary>
internal static class ResourceResolver
{
    /// <summary>The hot path of every accessor: one AsyncLocal read and an array index when the scope reads through to a warm tenant.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Resolve<T>(int slot, string? member) where T : class
    {
        if (ScopeFlow.Current is TenantScope scope && (scope.State is null || scope.State.ReadsThrough))
        {
            var values = scope.Entry.Values;
            if ((uint)slot < (uint)values.Length && values[slot] is { } value)
            {
                return Unsafe.As<T>(value);
            }
        }

        return Unsafe.As<T>(ResolveSlow(slot, typeof(T), member));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static object ResolveSlow(int slot, Type type, string? member)
    {
        var current = ScopeFlow.Current;
        if (current is TenantScope scope)
        {
            return ResolveFor(scope.Entry, slot, type, member, scope);
        }

        var fallback = ScopeFlow.ConfigurationOf(current).DefaultEntry ?? throw ScopeErrors.NoScope(current, member ?? $"TenantContext.Get<{type.Name}>()");
        return ResolveFor(fallback, slot, type, member, null);
    }

    /// <summary>Resolves a slot for an entry; <paramref name="scope"/> is null for the default tenant outside any scope.</summary>
    private static object ResolveFor(TenantEntry entry, int slot, Type type, string? member, TenantScope? scope)
    {
        var state = scope?.State;
        if (ReferenceEquals(state, ScopeState.Released))
        {
            throw ScopeErrors.Ended(scope!, member, type);
        }

        if (state?.GetOverride(slot) is { } overridden)
        {
            return overridden;
        }

        var registration = entry.Configuration.GetRegistration(slot) ?? throw ScopeErrors.NotRegistered(type, entry.Configuration);
        switch (registration.Lifetime)
        {
            case TenantLifetime.Transient:
                TenantMetrics.ResourceCreated(entry.MetricTag);
                return registration.Create(entry.Tenant);

            case TenantLifetime.PerScope:
                if (scope is null)
                {
                    throw new InvalidOperationException(
                        $"{type.Name} is registered per scope, and no tenant scope is active (the default tenant '{entry.Slug}' has no scope to own it). Enter a scope first: using (TenantContext.Enter(\"{entry.Slug}\")).");
                }

                return GetOrCreatePerScope(scope, registration, member);

            default:
                return Volatile.Read(ref entry.Values[slot]) ?? entry.GetOrCreate(registration);
        }
    }

    /// <summary>
    /// The scope that holds per-scope resources for <paramref name="scope"/>: itself when it owns them (the outermost scope
    /// of its tenant, or one with overrides of its own), else the enclosing scope of the same tenant it was nested in.
    /// </summary>
    private static TenantScope OwnerOf(TenantScope scope, string? member, Type type)
    {
        var owner = scope;
        while (true)
        {
            var state = owner.State;
            if (ReferenceEquals(state, ScopeState.Released))
            {
                throw ScopeErrors.Ended(owner, member, type);
            }

            if (state is { OwnsPerScope: true })
            {
                return owner;
            }

            owner = owner.Previous as TenantScope
                ?? throw new InvalidOperationException($"The scope for tenant '{scope.Entry.Slug}' has no scope to hold its per-scope resources (a bug in TenantContext).");
        }
    }

    private static object GetOrCreatePerScope(TenantScope scope, Registration registration, string? member)
    {
        var owner = OwnerOf(scope, member, registration.ServiceType);
        var state = owner.State!;
        lock (state)
        {
            if (state.IsReleased)
            {
                throw ScopeErrors.Ended(owner, member, registration.ServiceType);
            }

            state.PerScope ??= new object?[owner.Entry.Configuration.SlotCount];
            if (state.PerScope[registration.Slot] is { } existing)
            {
                return existing;
            }

            var value = registration.Create(owner.Entry.Tenant);
            state.PerScope[registration.Slot] = value;
            TenantMetrics.ResourceCreated(owner.Entry.MetricTag);
            return value;
        }
    }
}
