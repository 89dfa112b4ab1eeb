using System.ComponentModel;
using Microsoft.Extensions.Logging;

namespace Tenancy;

/// <summary>
/// Describes a <see cref="TenantConfiguration"/>: a factory and lifetime per role and per service type, the
/// default tenant, the bound on cached tenants. Used by <see cref="TenantContext.Configure"/> and
/// <see cref="TenantConfiguration.Build"/>; integration packages add extension methods (<c>UseSqlite</c>, …).
/// </summary>
public sealed class TenantContextBuilder
{
    internal readonly Dictionary<Type, Registration> Registrations = new();
    internal readonly List<object> OwnedResources = new();
    internal readonly List<Action<TenantConfiguration>> BuiltCallbacks = new();

    internal TenantContextBuilder()
    {
    }

    internal string? DefaultTenantSlug { get; private set; }

    internal int MaxCachedTenantCount { get; private set; } = 1024;

    internal Func<string, TenantInfo>? TenantResolver { get; private set; }

    internal ILoggerFactory? LoggerFactory { get; private set; }

    internal ITenantCatalog? TenantCatalog { get; private set; }

    internal int MaxMetricTenantTags { get; private set; } = 100;

    /// <summary>
    /// A place for integration packages to keep their state while the configuration is described (for example the
    /// SQLite options, so that a later <c>AddDbContext</c> finds them). Copied to <see cref="TenantConfiguration.Properties"/>.
    /// Applications reach an integration's state through that package's typed API, not through this dictionary.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public IDictionary<string, object> Properties { get; } = new Dictionary<string, object>(StringComparer.Ordinal);

    /// <summary>Registers the tenant's database, returned by <see cref="TenantContext.GetDb"/>.</summary>
    /// <param name="factory">Creates the database object for a tenant.</param>
    /// <param name="lifetime">How long it lives; per tenant by default.</param>
    public TenantContextBuilder Db(Func<TenantInfo, ITenantDatabase> factory, TenantLifetime lifetime = TenantLifetime.PerTenant)
        => Add(factory, lifetime);

    /// <summary>Registers the tenant's file storage, returned by <see cref="TenantContext.GetStorage"/>.</summary>
    /// <param name="factory">Creates the storage for a tenant (for example a <see cref="FileTenantStorage"/>).</param>
    /// <param name="lifetime">How long it lives; per tenant by default.</param>
    public TenantContextBuilder Storage(Func<TenantInfo, ITenantStorage> factory, TenantLifetime lifetime = TenantLifetime.PerTenant)
        => Add(factory, lifetime);

    /// <summary>Registers the tenant's renderer, returned by <see cref="TenantContext.GetRenderer"/>.</summary>
    /// <param name="factory">Creates the renderer for a tenant, with that tenant's settings applied.</param>
    /// <param name="lifetime">How long it lives; per tenant by default.</param>
    public TenantContextBuilder Renderer(Func<TenantInfo, ITenantRenderer> factory, TenantLifetime lifetime = TenantLifetime.PerTenant)
        => Add(factory, lifetime);

    /// <summary>
    /// Registers a per-tenant service returned by <see cref="TenantContext.Get{T}"/> (and by generated accessors of
    /// type <typeparamref name="T"/>). A later registration of the same type replaces an earlier one.
    /// </summary>
    /// <typeparam name="T">The type callers ask for.</typeparam>
    /// <param name="factory">Creates the service for a tenant; it runs inside that tenant's scope.</param>
    /// <param name="lifetime">How long it lives; per tenant by default.</param>
    public TenantContextBuilder Add<T>(Func<TenantInfo, T> factory, TenantLifetime lifetime = TenantLifetime.PerTenant)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (!Enum.IsDefined(lifetime))
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), lifetime, "Use TenantLifetime.PerTenant, PerScope or Transient.");
        }

        Registrations[typeof(T)] = new Registration(typeof(T), ServiceSlot<T>.Index, factory, lifetime);
        return this;
    }

    /// <summary>Returns whether a per-tenant <typeparamref name="T"/> has been registered so far.</summary>
    /// <typeparam name="T">The service type.</typeparam>
    public bool IsRegistered<T>() where T : class => Registrations.ContainsKey(typeof(T));

    /// <summary>
    /// Makes <paramref name="slug"/> the tenant used outside any scope. Off by default: outside a scope every accessor
    /// throws <see cref="TenantScopeRequiredException"/>. Meant for apps moving from one shared database.
    /// </summary>
    /// <param name="slug">The fallback tenant, or null to turn the fallback off.</param>
    public TenantContextBuilder DefaultTenant(string? slug)
    {
        DefaultTenantSlug = slug is null ? null : TenantSlug.Validate(slug, nameof(slug));
        return this;
    }

    /// <summary>
    /// The bound on tenants whose per-tenant resources are held at once (1024 by default). Past it, the least recently
    /// used tenants not in use by a live scope are evicted and their resources disposed.
    /// </summary>
    /// <param name="max">At least 1.</param>
    public TenantContextBuilder MaxCachedTenants(int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        MaxCachedTenantCount = max;
        return this;
    }

    /// <summary>
    /// Bounds the tenant tag on this configuration's metrics (<see cref="TenantMetrics"/>): the first
    /// <paramref name="maxTenants"/> tenants are tagged with their slug, later ones with
    /// <see cref="TenantMetrics.OtherTenants"/>, so a metrics backend never sees more series than that. 100 by default;
    /// 0 drops the tenant tag.
    /// </summary>
    /// <param name="maxTenants">At least 0.</param>
    public TenantContextBuilder MetricTenantTags(int maxTenants)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTenants);
        MaxMetricTenantTags = maxTenants;
        return this;
    }

    /// <summary>
    /// Looks a tenant up when it first enters the cache (for example in a catalog). Return the tenant's
    /// <see cref="TenantInfo"/> (with its record), or throw <see cref="TenantUnavailableException"/> to refuse the scope.
    /// The result is cached with the tenant; call <see cref="TenantConfiguration.Forget"/> when the record changes.
    /// </summary>
    /// <param name="resolve">Receives a validated slug.</param>
    public TenantContextBuilder ResolveTenant(Func<string, TenantInfo> resolve)
    {
        TenantResolver = resolve ?? throw new ArgumentNullException(nameof(resolve));
        return this;
    }

    /// <summary>
    /// Names the store's catalog (integration packages call it: <c>UseSqlite</c> with a catalog, <c>UsePostgres</c>), so that
    /// tools written against any store find it as <see cref="TenantConfiguration.Catalog"/>. A later call replaces an earlier one.
    /// </summary>
    /// <param name="catalog">The catalog.</param>
    public TenantContextBuilder Catalog(ITenantCatalog catalog)
    {
        TenantCatalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        return this;
    }

    /// <summary>Where the configuration logs failures it cannot throw (a resource that failed to dispose on eviction).</summary>
    /// <param name="loggerFactory">The application's logger factory.</param>
    public TenantContextBuilder UseLoggerFactory(ILoggerFactory loggerFactory)
    {
        LoggerFactory = loggerFactory ?? throw new ArgumentNullException(nameof(loggerFactory));
        return this;
    }

    /// <summary>
    /// Runs <paramref name="callback"/> with the configuration once it is built (integration packages use it to reach
    /// the configuration later, for example to <see cref="TenantConfiguration.Forget"/> an archived tenant).
    /// </summary>
    /// <param name="callback">Receives the built configuration.</param>
    public TenantContextBuilder OnBuilt(Action<TenantConfiguration> callback)
    {
        BuiltCallbacks.Add(callback ?? throw new ArgumentNullException(nameof(callback)));
        return this;
    }

    /// <summary>Hands an object to the configuration, which disposes it (sync or async) when it is disposed itself.</summary>
    /// <param name="resource">An <see cref="IDisposable"/> or <see cref="IAsyncDisposable"/>.</param>
    public TenantContextBuilder Owns(object resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        OwnedResources.Add(resource);
        return this;
    }
}
