using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Tenancy;

/// <summary>
/// The flow's chain of scopes (one <see cref="AsyncLocal{T}"/>), the process-wide configuration, and entering a scope:
/// look the tenant up (free when it is the tenant entered last, or the one already current), register the scope as
/// live, check its entry was not retired meanwhile, make it current.
/// </summary>
internal static class ScopeFlow
{
    /// <summary>The flow's innermost scope: a <see cref="TenantScope"/>, a <see cref="ConfigurationScope"/>, or null.</summary>
    private static readonly AsyncLocal<object?> s_flow = new();

    private static TenantConfiguration s_process = TenantConfiguration.Empty;

    internal static object? Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => s_flow.Value;
        set => s_flow.Value = value;
    }

    internal static TenantConfiguration Process => Volatile.Read(ref s_process);

    /// <summary>Installs <paramref name="configuration"/> process-wide; returns the one it replaces.</summary>
    internal static TenantConfiguration ReplaceProcess(TenantConfiguration configuration) => Interlocked.Exchange(ref s_process, configuration);

    /// <summary>Installs <paramref name="configuration"/> process-wide only if the process has none; returns whether it did.</summary>
    internal static bool TryInstallProcess(TenantConfiguration configuration)
        => ReferenceEquals(Interlocked.CompareExchange(ref s_process, configuration, TenantConfiguration.Empty), TenantConfiguration.Empty);

    /// <summary>Leaves the process with no configuration (tests start from there); disposes the previous one if the process owned it.</summary>
    internal static void ClearProcess()
    {
        var previous = Interlocked.Exchange(ref s_process, TenantConfiguration.Empty);
        if (previous.OwnedByProcess)
        {
            previous.Dispose();
        }
    }

    /// <summary>Leaves the process with no configuration only if <paramref name="configuration"/> is still the process-wide one.</summary>
    internal static bool TryUninstallProcess(TenantConfiguration configuration)
        => ReferenceEquals(Interlocked.CompareExchange(ref s_process, TenantConfiguration.Empty, configuration), configuration);

    internal static TenantConfiguration ConfigurationOf(object? current) => current switch
    {
        TenantScope scope => scope.Entry.Configuration,
        ConfigurationScope configured => configured.Configuration,
        _ => Volatile.Read(ref s_process),
    };

    /// <summary>Enters <paramref name="tenant"/>; a scope nested in one of the same tenant shares its entry, overrides and per-scope resources.</summary>
    internal static TenantScope Enter(string tenant)
    {
        var current = s_flow.Value;
        if (current is TenantScope outer && SameTenantLive(outer, tenant))
        {
            var inherited = outer.State?.Overrides;
            return Push(current, outer.Entry, inherited is null ? null : new ScopeState(inherited, ownsPerScope: false), ownsPerScope: false);
        }

        var configuration = ConfigurationOf(current);
        var entry = configuration.Entries.Get(tenant, current);
        return Push(current, entry, configuration.HasPerScope ? new ScopeState(null, ownsPerScope: true) : null, ownsPerScope: true);
    }

    /// <summary>Enters <paramref name="tenant"/> with overrides of its own (merged over those of an enclosing scope of the same tenant).</summary>
    internal static TenantScope Enter(string tenant, Action<TenantOverrides> overrides)
    {
        var current = s_flow.Value;
        TenantEntry entry;
        object?[]? inherited = null;
        if (current is TenantScope outer && SameTenantLive(outer, tenant))
        {
            entry = outer.Entry;
            inherited = outer.State?.Overrides;
        }
        else
        {
            entry = ConfigurationOf(current).Entries.Get(tenant, current);
        }

        var o = new TenantOverrides();
        overrides(o);

        // Its own overrides make it the owner of what it creates per scope: built from them, it must not outlive them.
        return Push(current, entry, new ScopeState(o.MergeOver(inherited), ownsPerScope: true), ownsPerScope: true);
    }

    internal static TenantScope Enter(TenantSnapshot snapshot)
    {
        var current = s_flow.Value;
        var configuration = snapshot.Configuration;
        if (current is TenantScope outer && ReferenceEquals(outer.Entry.Configuration, configuration) &&
            SameTenantLive(outer, snapshot.Tenant.Slug) && ReferenceEquals(outer.State?.Overrides, snapshot.Overrides))
        {
            // Re-entered where it was captured (or in the same tenant and overrides): nests like Enter of the same tenant.
            return Push(current, outer.Entry, snapshot.Overrides is null ? null : new ScopeState(snapshot.Overrides, ownsPerScope: false), ownsPerScope: false);
        }

        var entry = configuration.Entries.Get(snapshot.Tenant.Slug, current);
        var state = snapshot.Overrides is { } o ? new ScopeState(o, ownsPerScope: true)
            : configuration.HasPerScope ? new ScopeState(null, ownsPerScope: true)
            : null;
        return Push(current, entry, state, ownsPerScope: true);
    }

    internal static ConfigurationScope Use(TenantConfiguration configuration)
    {
        var scope = new ConfigurationScope(s_flow.Value, configuration);
        s_flow.Value = scope;
        return scope;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool SameTenantLive(TenantScope outer, string tenant)
        => !ReferenceEquals(outer.State, ScopeState.Released) &&
           (ReferenceEquals(outer.Entry.Slug, tenant) || string.Equals(outer.Entry.Slug, tenant, StringComparison.Ordinal));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TenantScope Push(object? current, TenantEntry entry, ScopeState? state, bool ownsPerScope)
    {
        var scope = new TenantScope(current, entry, state);
        LiveScopes.Add(scope);
        if (Volatile.Read(ref entry.Retirement) != TenantEntry.Live)
        {
            scope = Rescue(scope);
        }

        TenantEntries.Touch(scope.Entry);
        s_flow.Value = scope;
        TenantMetrics.ScopeEntered(scope.Entry.MetricTag);
        if (ActivityWatch.Seen && Activity.Current is { } activity)
        {
            Relabel(scope, activity, ownsPerScope);
        }

        return scope;
    }

    /// <summary>
    /// The scope was registered on an entry marked for retirement: wait for the decision; when the entry was retired,
    /// abandon the scope and enter again on the tenant's live entry.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TenantScope Rescue(TenantScope scope)
    {
        while (true)
        {
            var entry = scope.Entry;
            var entries = entry.Configuration.Entries;
            if (entries.WaitForDecision(entry))
            {
                return scope;
            }

            var state = scope.State;
            scope.State = ScopeState.Released;
            var fresh = entries.Get(entry.Slug, scope.Previous);
            scope = new TenantScope(scope.Previous, fresh, state);
            LiveScopes.Add(scope);
            if (Volatile.Read(ref fresh.Retirement) == TenantEntry.Live)
            {
                return scope;
            }
        }
    }

    /// <summary>
    /// Labels the current activity with the scope's tenant. A span keeps the tenant of the outermost scope entered under
    /// it; a scope of another tenant nested inside relabels it while current and restores the label when it ends.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Relabel(TenantScope scope, Activity activity, bool ownsPerScope)
    {
        var slug = scope.Entry.Slug;
        var previous = activity.GetTagItem(TenantMetrics.TenantTag);
        if (previous is string s && string.Equals(s, slug, StringComparison.Ordinal))
        {
            return;
        }

        activity.SetTag(TenantMetrics.TenantTag, slug);
        if (previous is not null)
        {
            var state = scope.State ??= new ScopeState(null, ownsPerScope);
            state.RelabelledActivity = activity;
            state.PreviousTenantTag = previous;
        }
    }

    internal static bool IsInChain(object? current, object scope)
    {
        for (var frame = current; frame is not null; frame = frame switch
             {
                 TenantScope t => t.Previous,
                 ConfigurationScope c => c.Previous,
                 _ => null,
             })
        {
            if (ReferenceEquals(frame, scope))
            {
                return true;
            }
        }

        return false;
    }

    internal static string Describe(object? frame) => frame switch
    {
        TenantScope t => $"the scope for tenant '{t.Tenant.Slug}'",
        ConfigurationScope => "a configuration scope",
        _ => "no scope",
    };
}
