using System.Diagnostics.CodeAnalysis;

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
    /// <summary>
    /// Sets the process-wide configuration (once, at start-up). Calling it again replaces the configuration and
    /// disposes the previous one: scopes already open on it keep their resources until they end (a per-tenant resource
    /// is never disposed under a live scope), new scopes use the new one. Flows inside <see cref="UseConfiguration"/> are unaffected.
    /// A configuration lent with <see cref="TryLendProcessWide"/> (an ASP.NET Core host's) is replaced but not disposed:
    /// its owner disposes it.
    /// </summary>
    /// <param name="configure">Registers roles and services.</param>
    public static void Configure(Action<TenantContextBuilder> configure)
    {
        var configuration = TenantConfiguration.Build(configure);
        configuration.OwnedByProcess = true;
        var previous = ScopeFlow.ReplaceProcess(configuration);
        if (previous.OwnedByProcess)
        {
            previous.Dispose();
        }
    }

    /// <summary>
    /// Makes <paramref name="configuration"/> the process-wide configuration if the process has none (no
    /// <see cref="Configure"/> call, no other configuration lent), without giving it away: the caller keeps owning and
    /// disposing it. Disposing the returned lease leaves the process with no configuration again, but only while
    /// <paramref name="configuration"/> is still the process-wide one (a later <see cref="Configure"/> replaces it without
    /// disposing it, and the lease then changes nothing). Scopes already open on it are unaffected either way.
    /// <c>AddTenantContext</c> (ASP.NET Core) lends its host's configuration this way.
    /// </summary>
    /// <param name="configuration">A configuration from <see cref="TenantConfiguration.Build"/>, not disposed.</param>
    /// <returns>The lease, or null when the process already has a configuration (then activate yours with <see cref="UseConfiguration"/>).</returns>
    /// <exception cref="ObjectDisposedException"><paramref name="configuration"/> was disposed.</exception>
    public static IDisposable? TryLendProcessWide(TenantConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration.Entries.IsClosed)
        {
            throw configuration.Entries.Closed();
        }

        return configuration.OwnedByProcess || !ScopeFlow.TryInstallProcess(configuration) ? null : new ProcessLease(configuration);
    }

    /// <summary>The configuration in effect on this flow: the one from <see cref="UseConfiguration"/>, else the process-wide one.</summary>
    public static TenantConfiguration Configuration => ScopeFlow.ConfigurationOf(ScopeFlow.Current);

    /// <summary>
    /// Activates <paramref name="configuration"/> for this flow and what flows from it, until the returned scope is
    /// disposed. Tests and in-process test servers use it to keep their resources apart.
    /// </summary>
    /// <param name="configuration">A configuration from <see cref="TenantConfiguration.Build"/>.</param>
    public static ConfigurationScope UseConfiguration(TenantConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return ScopeFlow.Use(configuration);
    }

    /// <summary>
    /// Enters a scope for <paramref name="tenant"/> on the current async flow. Dispose the result (a <c>using</c>) to leave it.
    /// </summary>
    /// <param name="tenant">The tenant's slug; validated by <see cref="TenantSlug"/>.</param>
    /// <returns>The scope; disposing it restores the scope that was current before.</returns>
    /// <exception cref="InvalidTenantSlugException"><paramref name="tenant"/> is not a valid slug.</exception>
    /// <exception cref="TenantUnavailableException">The configured resolver refused the tenant (unknown or archived).</exception>
    /// <exception cref="ObjectDisposedException">The flow's configuration was disposed (or replaced by <see cref="Configure"/>).</exception>
    public static TenantScope Enter(string tenant) => ScopeFlow.Enter(tenant);

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
        return ScopeFlow.Enter(tenant, overrides);
    }

    /// <summary>Whether a tenant scope is active on this flow (a default tenant does not count).</summary>
    public static bool IsActive => ScopeFlow.Current is TenantScope { IsReleased: false };

    /// <summary>The current tenant.</summary>
    /// <exception cref="TenantScopeRequiredException">No scope is active and no default tenant is configured.</exception>
    public static TenantInfo Current => TryGetCurrent(out var tenant) ? tenant : throw ScopeErrors.NoScope(ScopeFlow.Current, "TenantContext.Current");

    /// <summary>Gets the current tenant (the default tenant outside a scope, when one is configured).</summary>
    /// <param name="tenant">The tenant, or null.</param>
    /// <returns>Whether there is a current tenant.</returns>
    public static bool TryGetCurrent([NotNullWhen(true)] out TenantInfo? tenant)
    {
        var current = ScopeFlow.Current;
        if (current is TenantScope scope && !scope.IsReleased)
        {
            tenant = scope.Entry.Tenant;
            return true;
        }

        tenant = current is TenantScope ? null : ScopeFlow.ConfigurationOf(current).DefaultEntry?.Tenant;
        return tenant is not null;
    }

    /// <summary>The current tenant's database (its file, schema, shard or row filter).</summary>
    /// <exception cref="TenantScopeRequiredException">No scope is active and no default tenant is configured.</exception>
    public static ITenantDatabase GetDb() => ResourceResolver.Resolve<ITenantDatabase>(ServiceSlots.Database, "TenantContext.GetDb()");

    /// <summary>The current tenant's own file area.</summary>
    /// <exception cref="TenantScopeRequiredException">No scope is active and no default tenant is configured.</exception>
    public static ITenantStorage GetStorage() => ResourceResolver.Resolve<ITenantStorage>(ServiceSlots.Storage, "TenantContext.GetStorage()");

    /// <summary>The current tenant's renderer, with the tenant's settings applied.</summary>
    /// <exception cref="TenantScopeRequiredException">No scope is active and no default tenant is configured.</exception>
    public static ITenantRenderer GetRenderer() => ResourceResolver.Resolve<ITenantRenderer>(ServiceSlots.Renderer, "TenantContext.GetRenderer()");

    /// <summary>The current tenant's <typeparamref name="T"/>, as registered with <see cref="TenantContextBuilder.Add{T}"/>.</summary>
    /// <typeparam name="T">The service type.</typeparam>
    /// <exception cref="TenantScopeRequiredException">No scope is active and no default tenant is configured.</exception>
    public static T Get<T>() where T : class => ResourceResolver.Resolve<T>(ServiceSlot<T>.Index, null);

    /// <summary>
    /// Captures the current tenant and its overrides, for work that runs later (a queued job, a channel consumer, a
    /// timer): re-enter it there with <see cref="TenantSnapshot.Enter"/>.
    /// </summary>
    /// <exception cref="TenantScopeRequiredException">No scope is active and no default tenant is configured.</exception>
    public static TenantSnapshot Capture()
    {
        var current = ScopeFlow.Current;
        if (current is TenantScope scope && !scope.IsReleased)
        {
            return new TenantSnapshot(scope.Entry.Configuration, scope.Entry.Tenant, scope.State?.Overrides);
        }

        var configuration = ScopeFlow.ConfigurationOf(current);
        return configuration.DefaultEntry is { } fallback
            ? new TenantSnapshot(configuration, fallback.Tenant, null)
            : throw ScopeErrors.NoScope(current, "TenantContext.Capture()");
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
}
