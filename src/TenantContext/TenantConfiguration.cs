using Microsoft.Extensions.Logging;

namespace Tenancy;

/// <summary>
/// One set of per-tenant registrations and the caches of the resources they create. The process normally has one
/// (<see cref="TenantContext.Configure"/>, or an ASP.NET Core host's, lent with <see cref="TenantContext.TryLendProcessWide"/>);
/// tests and in-process test servers build their own with <see cref="Build"/> and activate it for a flow with
/// <see cref="TenantContext.UseConfiguration"/>, so they never share resources by accident. Disposing a configuration disposes every cached per-tenant resource.
/// </summary>
public sealed class TenantConfiguration : IDisposable, IAsyncDisposable
{
    private readonly Registration?[] _registrations;
    private readonly List<object> _owned;
    private readonly ILogger? _logger;
    private int _ownedDisposed;

    private TenantConfiguration(TenantContextBuilder builder)
    {
        int slots = 3;
        foreach (var r in builder.Registrations.Values)
        {
            slots = Math.Max(slots, r.Slot + 1);
        }

        _registrations = new Registration?[slots];
        foreach (var r in builder.Registrations.Values)
        {
            _registrations[r.Slot] = r;
            HasPerScope |= r.Lifetime == TenantLifetime.PerScope;
        }

        DefaultTenant = builder.DefaultTenantSlug;
        MaxCachedTenants = builder.MaxCachedTenantCount;
        _owned = new List<object>(builder.OwnedResources);
        _logger = builder.LoggerFactory?.CreateLogger("Tenancy.TenantConfiguration");
        Entries = new TenantEntries(this, builder.TenantResolver, builder.MaxCachedTenantCount, builder.MaxMetricTenantTags, _logger);
        Entries.Drained += DisposeOwned;
        Properties = new Dictionary<string, object>(builder.Properties, StringComparer.Ordinal);
        Catalog = builder.TenantCatalog;
    }

    /// <summary>
    /// Builds a configuration. It is not active until <see cref="TenantContext.UseConfiguration"/> activates it for a flow, or
    /// <see cref="TenantContext.TryLendProcessWide"/> for the process.
    /// </summary>
    /// <param name="configure">Registers roles and services.</param>
    public static TenantConfiguration Build(Action<TenantContextBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        ActivityWatch.Start();
        var builder = new TenantContextBuilder();
        configure(builder);
        var configuration = new TenantConfiguration(builder);
        foreach (var callback in builder.BuiltCallbacks)
        {
            callback(configuration);
        }

        return configuration;
    }

    internal static TenantConfiguration Empty { get; } = Build(static _ => { });

    /// <summary>The tenant used outside any scope, or null (the default: outside a scope accessors throw).</summary>
    public string? DefaultTenant { get; }

    /// <summary>The bound on tenants whose per-tenant resources are held at once.</summary>
    public int MaxCachedTenants { get; }

    /// <summary>How many tenants are cached right now.</summary>
    public int CachedTenantCount => Entries.Count;

    /// <summary>
    /// The store's catalog of tenants (registered with <see cref="TenantContextBuilder.Catalog"/>), or null when the
    /// configuration has none (for example SQLite without <c>UseCatalog</c>).
    /// </summary>
    public ITenantCatalog? Catalog { get; }

    /// <summary>State integration packages left on the builder (see <see cref="TenantContextBuilder.Properties"/>).</summary>
    public IReadOnlyDictionary<string, object> Properties { get; }

    /// <summary>Returns whether a per-tenant <typeparamref name="T"/> is registered.</summary>
    /// <typeparam name="T">The service type.</typeparam>
    public bool IsRegistered<T>() where T : class => GetRegistration(ServiceSlot<T>.Index) is not null;

    /// <summary>
    /// Drops a tenant from the cache, so that the next <see cref="TenantContext.Enter(string)"/> looks it up again
    /// (call it after archiving, deleting or moving a tenant). Its per-tenant resources are disposed now, or, when a live
    /// scope still uses them, as soon as the last such scope ends.
    /// </summary>
    /// <param name="slug">The tenant.</param>
    /// <returns>Whether the tenant was cached.</returns>
    public bool Forget(string slug)
    {
        ArgumentNullException.ThrowIfNull(slug);
        return Entries.Forget(slug);
    }

    internal TenantEntries Entries { get; }

    /// <summary>Whether <see cref="TenantContext.Configure"/> built it: the process owns it and disposes it when replaced.</summary>
    internal bool OwnedByProcess { get; set; }

    /// <summary>Whether any registration is per scope (then every outermost scope carries a place for them).</summary>
    internal bool HasPerScope { get; }

    internal Registration? GetRegistration(int slot) => (uint)slot < (uint)_registrations.Length ? _registrations[slot] : null;

    internal int SlotCount => _registrations.Length;

    /// <summary>The default tenant's entry, kept for the configuration's life; null when there is no default.</summary>
    internal TenantEntry? DefaultEntry => Entries.GetDefault(DefaultTenant);

    /// <summary>
    /// Disposes every cached per-tenant resource and every owned object. Resources that live scopes still use (and the
    /// owned objects) are disposed when the last of those scopes ends; meanwhile the configuration serves those scopes and
    /// refuses new ones with <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        if (Entries.Close(collect: null, out bool first) && first)
        {
            Entries.OnDrained();
        }
    }

    /// <summary>Like <see cref="Dispose"/>, awaiting resources (and owned objects) that dispose asynchronously.</summary>
    public async ValueTask DisposeAsync()
    {
        var retired = new List<object?[]>();
        if (!Entries.Close(retired, out bool first) || !first)
        {
            foreach (var values in retired)
            {
                foreach (var value in values)
                {
                    await ResourceDisposal.DisposeAsync(value).ConfigureAwait(false);
                }
            }

            return;
        }

        foreach (var values in retired)
        {
            foreach (var value in values)
            {
                await ResourceDisposal.DisposeAsync(value).ConfigureAwait(false);
            }
        }

        if (Interlocked.Exchange(ref _ownedDisposed, 1) == 0)
        {
            foreach (var owned in _owned)
            {
                await ResourceDisposal.DisposeAsync(owned).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Disposes the owned objects, once, when the configuration is closed and no scope uses it any more.</summary>
    private void DisposeOwned()
    {
        if (Interlocked.Exchange(ref _ownedDisposed, 1) != 0)
        {
            return;
        }

        foreach (var owned in _owned)
        {
            try
            {
                if (owned is IDisposable d)
                {
                    d.Dispose();
                }
                else if (owned is IAsyncDisposable ad)
                {
                    ad.DisposeAsync().AsTask().GetAwaiter().GetResult();
                }
            }
            catch (Exception ex) when (_logger is not null)
            {
                _logger.LogWarning(ex, "Disposing {Owned}, owned by a tenant configuration, failed.", owned.GetType().Name);
            }
        }
    }
}
