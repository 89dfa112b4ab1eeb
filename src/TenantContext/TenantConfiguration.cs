using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Tenancy;

/// <summary>
/// One set of per-tenant registrations and the caches of the resources they create. The process normally has one
/// (<see cref="TenantContext.Configure"/>); tests and in-process test servers build their own with
/// <see cref="Build"/> and activate it for a flow with <see cref="TenantContext.UseConfiguration"/>, so they never share
/// resources by accident. Disposing a configuration disposes every cached per-tenant resource.
/// </summary>
public sealed class TenantConfiguration : IDisposable, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, TenantEntry> _entries = new(StringComparer.Ordinal);
    private readonly Registration?[] _registrations;
    private readonly Func<string, TenantInfo>? _resolve;
    private readonly List<object> _owned;
    private readonly ILogger? _logger;
    private readonly object _gate = new();
    private TenantEntry? _defaultEntry;
    private long _clock;
    private int _disposed;

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
        }

        DefaultTenant = builder.DefaultTenantSlug;
        MaxCachedTenants = builder.MaxCachedTenantCount;
        _resolve = builder.TenantResolver;
        _owned = new List<object>(builder.OwnedResources);
        _logger = builder.LoggerFactory?.CreateLogger("Tenancy.TenantConfiguration");
        Properties = new Dictionary<string, object>(builder.Properties, StringComparer.Ordinal);
        Catalog = builder.TenantCatalog;
    }

    /// <summary>Builds a configuration. It is not active until <see cref="TenantContext.UseConfiguration"/> (or <see cref="TenantContext.Configure"/>).</summary>
    /// <param name="configure">Registers roles and services.</param>
    public static TenantConfiguration Build(Action<TenantContextBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
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
    public int CachedTenantCount => _entries.Count;

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
        if (!_entries.TryRemove(slug, out var entry))
        {
            return false;
        }

        entry.Doomed = true;
        TryRetire(entry);
        return true;
    }

    internal Registration? GetRegistration(int slot) => (uint)slot < (uint)_registrations.Length ? _registrations[slot] : null;

    internal int SlotCount => _registrations.Length;

    internal long Tick() => ++_clock;

    internal TenantEntry GetEntry(string slug)
    {
        if (slug is not null && _entries.TryGetValue(slug, out var entry))
        {
            return entry;
        }

        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return AddEntry(slug!);
    }

    /// <summary>The default tenant's entry, pinned for the configuration's life; null when there is no default.</summary>
    internal TenantEntry? DefaultEntry
    {
        get
        {
            if (_defaultEntry is { } e || DefaultTenant is null)
            {
                return _defaultEntry;
            }

            lock (_gate)
            {
                if (_defaultEntry is null)
                {
                    var entry = GetEntry(DefaultTenant);
                    while (!entry.TryPin())
                    {
                        entry = GetEntry(DefaultTenant);
                    }

                    _defaultEntry = entry;
                }

                return _defaultEntry;
            }
        }
    }

    private TenantEntry AddEntry(string slug)
    {
        TenantSlug.Validate(slug);
        var info = _resolve is null ? new TenantInfo(slug) : _resolve(slug);
        if (info is null || !string.Equals(info.Slug, slug, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"The tenant resolver returned {(info is null ? "null" : $"'{info.Slug}'")} for '{slug}'. It must return a TenantInfo for the same slug, or throw TenantUnavailableException.");
        }

        var created = new TenantEntry(this, info);
        var entry = _entries.GetOrAdd(slug, created);
        if (ReferenceEquals(entry, created) && _entries.Count > MaxCachedTenants)
        {
            EvictLeastRecentlyUsed();
        }

        return entry;
    }

    private void EvictLeastRecentlyUsed()
    {
        lock (_gate)
        {
            int excess = _entries.Count - MaxCachedTenants;
            if (excess <= 0)
            {
                return;
            }

            // Evict a batch (an eighth of the bound) so that a stream of new tenants scans the cache rarely.
            int target = Math.Min(_entries.Count, excess + Math.Max(1, MaxCachedTenants / 8));
            var candidates = new List<TenantEntry>(_entries.Count);
            foreach (var pair in _entries)
            {
                if (Volatile.Read(ref pair.Value.Pins) == 0)
                {
                    candidates.Add(pair.Value);
                }
            }

            candidates.Sort(static (a, b) => a.LastUsed.CompareTo(b.LastUsed));
            int evicted = 0;
            foreach (var entry in candidates)
            {
                if (evicted >= target)
                {
                    break;
                }

                if (entry.TryRetireUnused())
                {
                    _entries.TryRemove(new KeyValuePair<string, TenantEntry>(entry.Tenant.Slug, entry));
                    DisposeValues(entry, evicted: true);
                    evicted++;
                }
            }
        }
    }

    /// <summary>Disposes a forgotten entry's resources once no scope holds it.</summary>
    internal void TryRetire(TenantEntry entry)
    {
        if (entry.Doomed && entry.TryRetireUnused())
        {
            DisposeValues(entry, evicted: true);
        }
    }

    private void DisposeValues(TenantEntry entry, bool evicted)
    {
        var values = entry.Values;
        for (int i = 0; i < values.Length; i++)
        {
            var value = Interlocked.Exchange(ref values[i], null);
            if (value is null)
            {
                continue;
            }

            if (evicted)
            {
                TenantMetrics.ResourceEvicted(entry.Tenant.Slug);
            }

            try
            {
                if (value is IDisposable d)
                {
                    d.Dispose();
                }
                else if (value is IAsyncDisposable ad)
                {
                    var pending = ad.DisposeAsync();
                    if (!pending.IsCompletedSuccessfully)
                    {
                        _ = ObserveAsync(pending, entry.Tenant.Slug, value.GetType());
                    }
                }
            }
            catch (Exception ex)
            {
                _logger?.LogWarning(ex, "Disposing the {Resource} of tenant {Tenant} failed.", value.GetType().Name, entry.Tenant.Slug);
            }
        }
    }

    private async Task ObserveAsync(ValueTask pending, string slug, Type type)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger?.LogWarning(ex, "Disposing the {Resource} of tenant {Tenant} failed.", type.Name, slug);
        }
    }

    /// <summary>Disposes every cached per-tenant resource and every owned object.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var entry in _entries.Values)
        {
            DisposeValues(entry, evicted: false);
        }

        _entries.Clear();
        foreach (var owned in _owned)
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
    }

    /// <summary>Disposes every cached per-tenant resource and every owned object, asynchronously where they allow it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var entry in _entries.Values)
        {
            for (int i = 0; i < entry.Values.Length; i++)
            {
                await DisposeObjectAsync(Interlocked.Exchange(ref entry.Values[i], null)).ConfigureAwait(false);
            }
        }

        _entries.Clear();
        foreach (var owned in _owned)
        {
            await DisposeObjectAsync(owned).ConfigureAwait(false);
        }
    }

    internal static ValueTask DisposeObjectAsync(object? value)
    {
        switch (value)
        {
            case IAsyncDisposable ad:
                return ad.DisposeAsync();
            case IDisposable d:
                d.Dispose();
                return default;
            default:
                return default;
        }
    }
}

/// <summary>One cached tenant of a configuration: its info and its per-tenant resources.</summary>
internal sealed class TenantEntry
{
    internal readonly TenantConfiguration Configuration;
    internal readonly TenantInfo Tenant;
    internal readonly object?[] Values;

    /// <summary>Live scopes using the resources; <see cref="int.MinValue"/> once retired (evicted or forgotten).</summary>
    internal int Pins;
    internal long LastUsed;
    internal volatile bool Doomed;

    internal TenantEntry(TenantConfiguration configuration, TenantInfo tenant)
    {
        Configuration = configuration;
        Tenant = tenant;
        Values = new object?[configuration.SlotCount];
        LastUsed = configuration.Tick();
    }

    /// <summary>Takes a pin; false when the entry was retired (ask the configuration for a fresh one).</summary>
    internal bool TryPin()
    {
        if (Interlocked.Increment(ref Pins) > 0)
        {
            LastUsed = Configuration.Tick();
            return true;
        }

        return false;
    }

    internal void Unpin()
    {
        if (Interlocked.Decrement(ref Pins) == 0 && Doomed)
        {
            Configuration.TryRetire(this);
        }
    }

    internal bool TryRetireUnused() => Interlocked.CompareExchange(ref Pins, int.MinValue, 0) == 0;

    internal object GetOrCreate(Registration registration)
    {
        lock (this)
        {
            if (Values[registration.Slot] is { } existing)
            {
                return existing;
            }

            var created = registration.Create(Tenant);
            Volatile.Write(ref Values[registration.Slot], created);
            TenantMetrics.ResourceCreated(Tenant.Slug);
            return created;
        }
    }

    internal static bool SameTenant(TenantEntry a, TenantEntry b)
        => ReferenceEquals(a, b) ||
           (ReferenceEquals(a.Configuration, b.Configuration) && string.Equals(a.Tenant.Slug, b.Tenant.Slug, StringComparison.Ordinal));
}
