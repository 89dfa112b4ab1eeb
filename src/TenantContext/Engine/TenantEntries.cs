using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Tenancy;

/// <summary>
/// A configuration's cache of tenants: lookup, the least-recently-used bound, and retirement. An entry is retired
/// (its per-tenant resources disposed) only after a scan of <see cref="LiveScopes"/> finds no live scope on it; one
/// that is still in use is spared, and, when it was forgotten or its configuration disposed, retired by the last of
/// its scopes to end.
/// </summary>
internal sealed class TenantEntries
{
    /// <summary>The last tick handed out; starts above 0, the tick of an entry never touched.</summary>
    private static long s_clock = 1;

    private readonly TenantConfiguration _configuration;
    private readonly ConcurrentDictionary<string, TenantEntry> _entries = new(StringComparer.Ordinal);
    private readonly Func<string, TenantInfo>? _resolve;
    private readonly int _maxCached;
    private readonly int _maxTaggedTenants;
    private readonly HashSet<string> _taggedTenants = new(StringComparer.Ordinal);
    private readonly ILogger? _logger;

    /// <summary>Held by everything that marks, retires or adds: retirement decisions are made one at a time.</summary>
    private readonly object _gate = new();

    /// <summary>Entries out of the cache but not yet retired (forgotten or closed while in use).</summary>
    private readonly List<TenantEntry> _doomed = new();

    private TenantEntry? _last;
    private TenantEntry? _default;
    private volatile bool _closed;

    internal TenantEntries(TenantConfiguration configuration, Func<string, TenantInfo>? resolve, int maxCached, int maxTaggedTenants, ILogger? logger)
    {
        _configuration = configuration;
        _resolve = resolve;
        _maxCached = maxCached;
        _maxTaggedTenants = maxTaggedTenants;
        _logger = logger;
    }

    internal int Count => _entries.Count;

    /// <summary>Raised once, after the configuration was closed and its last entry retired.</summary>
    internal event Action? Drained;

    /// <summary>The entry for <paramref name="slug"/>; free when it is the tenant entered last.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal TenantEntry Get(string slug, object? current)
    {
        var last = _last;
        if (last is not null && (ReferenceEquals(last.Slug, slug) || string.Equals(last.Slug, slug, StringComparison.Ordinal)))
        {
            return last;
        }

        return GetSlow(slug, current);
    }

    /// <summary>
    /// Marks <paramref name="entry"/> most recently used. Entering the tenant that holds the latest tick again (the common
    /// case) writes nothing; another tenant takes a new tick. Ticks are unique and never go back, so the order holds
    /// when threads touch tenants at once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Touch(TenantEntry entry)
    {
        if (entry.LastUsed != Volatile.Read(ref s_clock))
        {
            entry.LastUsed = Interlocked.Increment(ref s_clock);
        }
    }

    private TenantEntry GetSlow(string slug, object? current)
    {
        if (slug is not null && _entries.TryGetValue(slug, out var entry))
        {
            _last = entry;
            return entry;
        }

        return Add(slug!, current);
    }

    private TenantEntry Add(string slug, object? current)
    {
        TenantSlug.Validate(slug);
        if (_closed)
        {
            return AddWhileClosed(slug, current);
        }

        var info = _resolve is null ? new TenantInfo(slug) : _resolve(slug);
        if (info is null || !string.Equals(info.Slug, slug, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"The tenant resolver returned {(info is null ? "null" : $"'{info.Slug}'")} for '{slug}'. It must return a TenantInfo for the same slug, or throw TenantUnavailableException.");
        }

        lock (_gate)
        {
            if (_closed)
            {
                return AddWhileClosed(slug, current);
            }

            var created = new TenantEntry(_configuration, info, MetricTagFor(slug));
            Touch(created);
            var entry = _entries.GetOrAdd(slug, created);
            if (ReferenceEquals(entry, created) && _entries.Count > _maxCached)
            {
                EvictLeastRecentlyUsed(except: created);
            }

            _last = entry;
            return entry;
        }
    }

    /// <summary>
    /// A closed configuration serves the scopes already open (and scopes nested in them) until they end, and refuses
    /// new ones: an entry made for a nested scope is doomed from the start.
    /// </summary>
    private TenantEntry AddWhileClosed(string slug, object? current)
    {
        if (current is not TenantScope { IsReleased: false } outer || !ReferenceEquals(outer.Entry.Configuration, _configuration))
        {
            throw Closed();
        }

        var info = _resolve is null ? new TenantInfo(slug) : _resolve(slug);
        lock (_gate)
        {
            var entry = new TenantEntry(_configuration, info, MetricTagFor(slug)) { Doomed = true };
            _doomed.Add(entry);
            return entry;
        }
    }

    /// <summary>Whether the configuration was disposed (it refuses new scopes).</summary>
    internal bool IsClosed => _closed;

    internal ObjectDisposedException Closed() => new(nameof(TenantConfiguration),
        "This tenant configuration has been disposed (TenantContext.Configure replaced it, or its owner disposed it). It serves the scopes " +
        "that were open until they end, and refuses new ones: enter the tenant from a flow that uses the current configuration " +
        "(TenantContext.Configuration), or re-capture snapshots after replacing the configuration.");

    /// <summary>
    /// Called by <c>Enter</c> when the entry of a scope it just registered was marked for retirement: waits for the
    /// decision, and returns whether the entry was spared (otherwise the caller looks the tenant up again).
    /// </summary>
    internal bool WaitForDecision(TenantEntry entry)
    {
        lock (_gate)
        {
            if (Volatile.Read(ref entry.Retirement) == TenantEntry.Live)
            {
                return true;
            }
        }

        DropLast(entry);
        return false;
    }

    /// <summary>
    /// Takes a retired <paramref name="entry"/> out of the last-entered slot. <see cref="GetSlow"/> fills that slot without
    /// the gate, so a lookup that found the entry just before it was retired can put it back after the retirement cleared
    /// the slot: whoever meets a retired entry there removes it, or every later lookup of the tenant would return it again.
    /// </summary>
    private void DropLast(TenantEntry entry) => Interlocked.CompareExchange(ref _last, null, entry);

    /// <summary>The default tenant's entry, never evicted; null when there is no default tenant.</summary>
    internal TenantEntry? GetDefault(string? slug)
    {
        if (_default is { } known || slug is null)
        {
            return _default;
        }

        lock (_gate)
        {
            while (_default is null)
            {
                var entry = Get(slug, null);
                if (Volatile.Read(ref entry.Retirement) == TenantEntry.Live)
                {
                    entry.Permanent = true;
                    _default = entry;
                }
                else
                {
                    DropLast(entry);
                }
            }

            return _default;
        }
    }

    internal bool Forget(string slug)
    {
        lock (_gate)
        {
            if (!_entries.TryRemove(slug, out var entry))
            {
                return false;
            }

            if (ReferenceEquals(_last, entry))
            {
                _last = null;
            }

            entry.Doomed = true;
            _doomed.Add(entry);
            if (!entry.Permanent)
            {
                RetireUnused([entry], int.MaxValue, evicted: true, collect: null);
            }

            return true;
        }
    }

    /// <summary>Called by the last scope of a doomed entry as it ends (or by any scope of it: the scan decides).</summary>
    internal void RetireIfUnused(TenantEntry entry)
    {
        bool drained;
        lock (_gate)
        {
            if (Volatile.Read(ref entry.Retirement) == TenantEntry.Retired || (entry.Permanent && !_closed))
            {
                return;
            }

            RetireUnused([entry], int.MaxValue, evicted: !_closed, collect: null);
            drained = _closed && _doomed.Count == 0;
        }

        if (drained)
        {
            OnDrained();
        }
    }

    /// <summary>
    /// Closes the cache: every entry is doomed, those no live scope uses are retired now (their resources added to
    /// <paramref name="collect"/> when given, disposed otherwise). Returns whether nothing is left in use.
    /// </summary>
    internal bool Close(List<object?[]>? collect, out bool first)
    {
        lock (_gate)
        {
            first = !_closed;
            if (!first)
            {
                return false;
            }

            _closed = true;
            foreach (var entry in _entries.Values)
            {
                entry.Doomed = true;
                _doomed.Add(entry);
            }

            if (_default is { Doomed: false } fallback)
            {
                fallback.Doomed = true;
                _doomed.Add(fallback);
            }

            _entries.Clear();
            _last = null;
            RetireUnused([.. _doomed], int.MaxValue, evicted: false, collect);
            return _doomed.Count == 0;
        }
    }

    /// <summary>Raises <see cref="Drained"/> (once, whoever calls first).</summary>
    internal void OnDrained() => Interlocked.Exchange(ref Drained, null)?.Invoke();

    private void EvictLeastRecentlyUsed(TenantEntry except)
    {
        int excess = _entries.Count - _maxCached;
        if (excess <= 0)
        {
            return;
        }

        // Evict a batch (an eighth of the bound) so that a stream of new tenants scans the cache rarely.
        int target = Math.Min(_entries.Count, excess + Math.Max(1, _maxCached / 8));
        // Sorted by a snapshot of the ticks: other threads touch entries during the sort, and a comparison that reads the
        // live field can see one entry's tick change between two comparisons (List.Sort then throws).
        var candidates = new List<TenantEntry>(_entries.Count);
        var ticks = new List<long>(_entries.Count);
        foreach (var pair in _entries)
        {
            if (!ReferenceEquals(pair.Value, except) && !pair.Value.Permanent)
            {
                candidates.Add(pair.Value);
                ticks.Add(Volatile.Read(ref pair.Value.LastUsed));
            }
        }

        var entries = candidates.ToArray();
        Array.Sort(ticks.ToArray(), entries);
        RetireUnused([.. entries], target, evicted: true, collect: null);
    }

    /// <summary>
    /// Marks <paramref name="marked"/>, finds which of them a live scope uses, and retires up to <paramref name="limit"/>
    /// of the others in order; the rest are spared. Runs under the gate.
    /// </summary>
    private void RetireUnused(List<TenantEntry> marked, int limit, bool evicted, List<object?[]>? collect)
    {
        foreach (var entry in marked)
        {
            Volatile.Write(ref entry.Retirement, TenantEntry.Retiring);
        }

        var inUse = new HashSet<TenantEntry>();
        LiveScopes.VisitLive(inUse, static (scope, set) =>
        {
            var entry = scope.Entry;
            if (Volatile.Read(ref entry.Retirement) == TenantEntry.Retiring)
            {
                set.Add(entry);
            }
        });

        int retired = 0;
        foreach (var entry in marked)
        {
            if (retired < limit && !inUse.Contains(entry))
            {
                var values = Retire(entry);
                retired++;
                if (collect is not null)
                {
                    collect.Add(values);
                }
                else
                {
                    DisposeValues(entry, values, evicted);
                }
            }
            else
            {
                Volatile.Write(ref entry.Retirement, TenantEntry.Live);
            }
        }
    }

    private object?[] Retire(TenantEntry entry)
    {
        object?[] values;
        lock (entry)
        {
            Volatile.Write(ref entry.Retirement, TenantEntry.Retired);
            values = (object?[])entry.Values.Clone();
            Array.Clear(entry.Values);
        }

        _entries.TryRemove(new KeyValuePair<string, TenantEntry>(entry.Slug, entry));
        if (ReferenceEquals(_last, entry))
        {
            _last = null;
        }

        _doomed.Remove(entry);
        return values;
    }

    private void DisposeValues(TenantEntry entry, object?[] values, bool evicted)
    {
        foreach (var value in values)
        {
            if (value is null)
            {
                continue;
            }

            if (evicted)
            {
                TenantMetrics.ResourceEvicted(entry.MetricTag);
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
                        _ = ObserveAsync(pending, entry.Slug, value.GetType());
                    }
                }
            }
            catch (Exception ex)
            {
                _logger?.LogWarning(ex, "Disposing the {Resource} of tenant {Tenant} failed.", value.GetType().Name, entry.Slug);
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

    /// <summary>The tenant tag for metrics: the slug for the first tenants up to the bound, then one shared value.</summary>
    private string? MetricTagFor(string slug)
    {
        if (_maxTaggedTenants == 0)
        {
            return null;
        }

        lock (_taggedTenants)
        {
            return _taggedTenants.Contains(slug) || (_taggedTenants.Count < _maxTaggedTenants && _taggedTenants.Add(slug))
                ? slug
                : TenantMetrics.OtherTenants;
        }
    }
}
