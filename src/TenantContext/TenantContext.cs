using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Tenancy;

/// <summary>
/// The ambient tenant of the current async flow, and the tenant's resources.
/// </summary>
/// <example>
/// <code>
/// TenantContext.Configure(b => b.Storage(t => new FileTenantStorage(Path.Combine("data", "tenants", t.Slug))));
/// using (TenantContext.Enter("acme"))
/// {
///     using var page = TenantContext.GetStorage().Create("pages/home.md");
/// }
/// </code>
/// </example>
public static class TenantContext
{
    /// <summary>The flow's innermost scope: a <see cref="TenantScope"/>, a <see cref="ConfigurationScope"/>, or null.</summary>
    internal static readonly AsyncLocal<object?> Flow = new();

    private static TenantConfiguration s_process = TenantConfiguration.Empty;

    /// <summary>
    /// Sets the process-wide configuration (once, at start-up). Calling it again replaces the configuration and
    /// disposes the previous one's cached resources. Flows inside <see cref="UseConfiguration"/> are unaffected.
    /// </summary>
    /// <param name="configure">Registers roles and services.</param>
    public static void Configure(Action<TenantContextBuilder> configure)
    {
        var configuration = TenantConfiguration.Build(configure);
        var previous = Interlocked.Exchange(ref s_process, configuration);
        if (!ReferenceEquals(previous, TenantConfiguration.Empty))
        {
            previous.Dispose();
        }
    }

    /// <summary>The configuration in effect on this flow: the one from <see cref="UseConfiguration"/>, else the process-wide one.</summary>
    public static TenantConfiguration Configuration => ConfigurationOf(Flow.Value);

    /// <summary>
    /// Activates <paramref name="configuration"/> for this flow and what flows from it, until the returned scope is
    /// disposed. Tests and in-process test servers use it to keep their resources apart.
    /// </summary>
    /// <param name="configuration">A configuration from <see cref="TenantConfiguration.Build"/>.</param>
    public static ConfigurationScope UseConfiguration(TenantConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var scope = new ConfigurationScope(Flow.Value, configuration);
        Flow.Value = scope;
        return scope;
    }

    /// <summary>
    /// Enters a scope for <paramref name="tenant"/> on the current async flow. Dispose the result (a <c>using</c>) to leave it.
    /// </summary>
    /// <param name="tenant">The tenant's slug; validated by <see cref="TenantSlug"/>.</param>
    /// <returns>The scope; disposing it restores the scope that was current before.</returns>
    /// <exception cref="InvalidTenantSlugException"><paramref name="tenant"/> is not a valid slug.</exception>
    /// <exception cref="TenantUnavailableException">The configured resolver refused the tenant (unknown or archived).</exception>
    public static TenantScope Enter(string tenant)
    {
        var current = Flow.Value;
        var entry = ConfigurationOf(current).GetEntry(tenant);
        object? state = null;
        if (current is TenantScope outer && outer.State is ScopeState { Overrides: { } inherited } && TenantEntry.SameTenant(outer.Entry, entry))
        {
            state = new ScopeState(inherited);
        }

        return Push(current, entry, state);
    }

    /// <summary>
    /// Enters a scope for <paramref name="tenant"/> whose resources are replaced by <paramref name="overrides"/> for this
    /// scope and everything that flows from it (test injection). Parallel tests never see each other's fakes.
    /// </summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="overrides">Replaces resources: <c>o =&gt; o.Storage(memory).Use&lt;IClock&gt;(clock)</c>.</param>
    /// <returns>The scope.</returns>
    public static TenantScope Enter(string tenant, Action<TenantOverrides> overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        var current = Flow.Value;
        var entry = ConfigurationOf(current).GetEntry(tenant);
        var o = new TenantOverrides();
        overrides(o);
        object?[]? inherited = current is TenantScope outer && outer.State is ScopeState s && TenantEntry.SameTenant(outer.Entry, entry)
            ? s.Overrides
            : null;
        return Push(current, entry, new ScopeState(o.MergeOver(inherited)));
    }

    internal static TenantScope EnterSnapshot(TenantSnapshot snapshot)
    {
        var current = Flow.Value;
        var entry = snapshot.Configuration.GetEntry(snapshot.Tenant.Slug);
        return Push(current, entry, snapshot.Overrides is null ? null : new ScopeState(snapshot.Overrides));
    }

    private static TenantScope Push(object? current, TenantEntry entry, object? state)
    {
        var scope = new TenantScope(current, entry, state);
        Flow.Value = scope;
        TenantMetrics.ScopeEntered(entry.Tenant.Slug);
        return scope;
    }

    /// <summary>Whether a tenant scope is active on this flow (a default tenant does not count).</summary>
    public static bool IsActive => Flow.Value is TenantScope { IsDisposed: false };

    /// <summary>The current tenant.</summary>
    /// <exception cref="TenantScopeRequiredException">No scope is active and no default tenant is configured.</exception>
    public static TenantInfo Current => TryGetCurrent(out var tenant) ? tenant : throw NoScope(Flow.Value, "TenantContext.Current");

    /// <summary>Gets the current tenant (the default tenant outside a scope, when one is configured).</summary>
    /// <param name="tenant">The tenant, or null.</param>
    /// <returns>Whether there is a current tenant.</returns>
    public static bool TryGetCurrent([NotNullWhen(true)] out TenantInfo? tenant)
    {
        var current = Flow.Value;
        if (current is TenantScope scope && !scope.IsDisposed)
        {
            tenant = scope.Entry.Tenant;
            return true;
        }

        tenant = current is TenantScope ? null : ConfigurationOf(current).DefaultEntry?.Tenant;
        return tenant is not null;
    }

    /// <summary>The current tenant's database (its file, schema, shard or row filter).</summary>
    /// <exception cref="TenantScopeRequiredException">No scope is active and no default tenant is configured.</exception>
    public static ITenantDatabase GetDb() => Resolve<ITenantDatabase>(ServiceSlots.Database, "TenantContext.GetDb()");

    /// <summary>The current tenant's own file area.</summary>
    /// <exception cref="TenantScopeRequiredException">No scope is active and no default tenant is configured.</exception>
    public static ITenantStorage GetStorage() => Resolve<ITenantStorage>(ServiceSlots.Storage, "TenantContext.GetStorage()");

    /// <summary>The current tenant's renderer, with the tenant's settings applied.</summary>
    /// <exception cref="TenantScopeRequiredException">No scope is active and no default tenant is configured.</exception>
    public static ITenantRenderer GetRenderer() => Resolve<ITenantRenderer>(ServiceSlots.Renderer, "TenantContext.GetRenderer()");

    /// <summary>The current tenant's <typeparamref name="T"/>, as registered with <see cref="TenantContextBuilder.Add{T}"/>.</summary>
    /// <typeparam name="T">The service type.</typeparam>
    /// <exception cref="TenantScopeRequiredException">No scope is active and no default tenant is configured.</exception>
    public static T Get<T>() where T : class => Resolve<T>(ServiceSlot<T>.Index, null);

    /// <summary>
    /// Captures the current tenant and its overrides, for work that runs later (a queued job, a channel consumer, a
    /// timer): re-enter it there with <see cref="TenantSnapshot.Enter"/>.
    /// </summary>
    /// <exception cref="TenantScopeRequiredException">No scope is active and no default tenant is configured.</exception>
    public static TenantSnapshot Capture()
    {
        var current = Flow.Value;
        if (current is TenantScope scope && !scope.IsDisposed)
        {
            return new TenantSnapshot(scope.Entry.Configuration, scope.Entry.Tenant, (scope.State as ScopeState)?.Overrides);
        }

        var configuration = ConfigurationOf(current);
        return configuration.DefaultEntry is { } fallback
            ? new TenantSnapshot(configuration, fallback.Tenant, null)
            : throw NoScope(current, "TenantContext.Capture()");
    }

    /// <summary>Enters <paramref name="tenant"/>, runs <paramref name="work"/>, and leaves the scope.</summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="work">The work to run inside the scope.</param>
    public static void Run(string tenant, Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        using (Enter(tenant))
        {
            work();
        }
    }

    /// <summary>Enters <paramref name="tenant"/>, runs <paramref name="work"/>, leaves the scope and returns the result.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="work">The work to run inside the scope.</param>
    public static T Run<T>(string tenant, Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        using (Enter(tenant))
        {
            return work();
        }
    }

    /// <summary>Enters <paramref name="tenant"/>, awaits <paramref name="work"/>, and leaves the scope.</summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="work">The work to run inside the scope.</param>
    public static async Task RunAsync(string tenant, Func<Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using (Enter(tenant))
        {
            await work().ConfigureAwait(false);
        }
    }

    /// <summary>Enters <paramref name="tenant"/>, awaits <paramref name="work"/>, leaves the scope and returns the result.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="work">The work to run inside the scope.</param>
    public static async Task<T> RunAsync<T>(string tenant, Func<Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using (Enter(tenant))
        {
            return await work().ConfigureAwait(false);
        }
    }

    /// <summary>The hot path of every accessor: one AsyncLocal read and an array index when the scope already holds the tenant.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Resolve<T>(int slot, string? member) where T : class
    {
        if (Flow.Value is TenantScope scope && ReferenceEquals(scope.State, TenantScope.Pinned))
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
        var current = Flow.Value;
        if (current is not TenantScope scope)
        {
            var configuration = ConfigurationOf(current);
            var fallback = configuration.DefaultEntry ?? throw NoScope(current, member ?? $"TenantContext.Get<{type.Name}>()");
            return ResolveFor(fallback, slot, type, member, null);
        }

        return ResolveFor(scope.Entry, slot, type, member, scope);
    }

    /// <summary>Resolves a slot for an entry; <paramref name="scope"/> is null for the default tenant outside any scope.</summary>
    private static object ResolveFor(TenantEntry entry, int slot, Type type, string? member, TenantScope? scope)
    {
        var state = scope?.State;
        if (ReferenceEquals(state, TenantScope.Released))
        {
            throw Ended(scope!, member, type);
        }

        if (state is ScopeState s && s.GetOverride(slot) is { } overridden)
        {
            return overridden;
        }

        var registration = entry.Configuration.GetRegistration(slot) ?? throw NotRegistered(type);
        switch (registration.Lifetime)
        {
            case TenantLifetime.Transient:
                TenantMetrics.ResourceCreated(entry.Tenant.Slug);
                return registration.Create(entry.Tenant);

            case TenantLifetime.PerScope:
                if (scope is null)
                {
                    throw new InvalidOperationException(
                        $"{type.Name} is registered per scope, and no tenant scope is active (the default tenant '{entry.Tenant.Slug}' has no scope to own it). Enter a scope first: using (TenantContext.Enter(\"{entry.Tenant.Slug}\")).");
                }

                return GetOrCreatePerScope(OwnerOf(scope), registration, member);

            default:
                if (scope is not null)
                {
                    entry = Pin(scope, member, type);
                }

                return Volatile.Read(ref entry.Values[slot]) ?? entry.GetOrCreate(registration);
        }
    }

    /// <summary>Makes sure the scope holds a pin on its tenant's entry (so eviction cannot dispose what it uses).</summary>
    private static TenantEntry Pin(TenantScope scope, string? member, Type type)
    {
        while (true)
        {
            var state = Volatile.Read(ref scope.State);
            if (ReferenceEquals(state, TenantScope.Pinned))
            {
                return scope.Entry;
            }

            if (ReferenceEquals(state, TenantScope.Released))
            {
                throw Ended(scope, member, type);
            }

            if (state is ScopeState s)
            {
                lock (s)
                {
                    if (s.IsReleased)
                    {
                        throw Ended(scope, member, type);
                    }

                    if (!s.IsPinned)
                    {
                        scope.Entry = PinFresh(scope.Entry);
                        s.IsPinned = true;
                    }

                    return scope.Entry;
                }
            }

            var pinned = PinFresh(scope.Entry);
            scope.Entry = pinned;
            if (Interlocked.CompareExchange(ref scope.State, TenantScope.Pinned, null) is null)
            {
                return pinned;
            }

            pinned.Unpin(); // another flow changed the state first; look again
        }
    }

    /// <summary>Pins <paramref name="entry"/>, or, when it was evicted meanwhile, the configuration's live entry for the tenant.</summary>
    private static TenantEntry PinFresh(TenantEntry entry)
    {
        while (!entry.TryPin())
        {
            entry = entry.Configuration.GetEntry(entry.Tenant.Slug);
        }

        return entry;
    }

    /// <summary>The outermost scope of the same tenant directly enclosing <paramref name="scope"/> (nested re-entries share it).</summary>
    private static TenantScope OwnerOf(TenantScope scope)
    {
        var owner = scope;
        while (owner.Previous is TenantScope outer && TenantEntry.SameTenant(outer.Entry, scope.Entry))
        {
            owner = outer;
        }

        return owner;
    }

    private static object GetOrCreatePerScope(TenantScope owner, Registration registration, string? member)
    {
        ScopeState state;
        while (true)
        {
            var current = Volatile.Read(ref owner.State);
            if (current is ScopeState existing)
            {
                state = existing;
                break;
            }

            if (ReferenceEquals(current, TenantScope.Released))
            {
                throw Ended(owner, member, registration.ServiceType);
            }

            var created = new ScopeState(null) { IsPinned = ReferenceEquals(current, TenantScope.Pinned) };
            if (ReferenceEquals(Interlocked.CompareExchange(ref owner.State, created, current), current))
            {
                state = created;
                break;
            }
        }

        lock (state)
        {
            if (state.IsReleased)
            {
                throw Ended(owner, member, registration.ServiceType);
            }

            state.PerScope ??= new object?[owner.Entry.Configuration.SlotCount];
            if (state.PerScope[registration.Slot] is { } existing)
            {
                return existing;
            }

            var value = registration.Create(owner.Entry.Tenant);
            state.PerScope[registration.Slot] = value;
            TenantMetrics.ResourceCreated(owner.Entry.Tenant.Slug);
            return value;
        }
    }

    internal static TenantConfiguration ConfigurationOf(object? current) => current switch
    {
        TenantScope scope => scope.Entry.Configuration,
        ConfigurationScope configured => configured.Configuration,
        _ => Volatile.Read(ref s_process),
    };

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

    private static Exception NoScope(object? current, string member)
        => current is TenantScope ended ? Ended(ended, member, null) : new TenantScopeRequiredException(member);

    private static ObjectDisposedException Ended(TenantScope scope, string? member, Type? type)
        => new(nameof(TenantScope),
            $"{member ?? $"TenantContext.Get<{type?.Name}>()"} was used after the scope for tenant '{scope.Tenant.Slug}' ended, on a flow that still carries it: work started inside the scope outlived it. " +
            "Work that must outlive a scope captures it with TenantContext.Capture() and re-enters with snapshot.Enter().");

    private static TenantResourceNotRegisteredException NotRegistered(Type type)
    {
        string hint = type == typeof(ITenantDatabase) ? "Register one with TenantContext.Configure(b => b.Db(...)) or b.UseSqlite(...)."
            : type == typeof(ITenantStorage) ? "Register one with TenantContext.Configure(b => b.Storage(t => new FileTenantStorage(...)))."
            : type == typeof(ITenantRenderer) ? "Register one with TenantContext.Configure(b => b.Renderer(...))."
            : $"Register it with TenantContext.Configure(b => b.Add<{type.Name}>(t => ...)), or the generated Register method of your [TenantAccessors] class.";
        return new TenantResourceNotRegisteredException(type, hint);
    }
}
