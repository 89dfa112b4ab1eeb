using System.Collections.Concurrent;
using System.Data;
using System.Diagnostics;
using Npgsql;

namespace Tenancy.Npgsql;

/// <summary>
/// One shard's connection budget: a permit per physical connection that any pool of the shard may hold
/// (<see cref="PostgresTenantOptions.MaxConnectionsPerShard"/>), and how long an open waits for one.
/// </summary>
internal sealed class ShardBudget(string shard, int permits, TimeSpan timeout)
{
    internal string Shard { get; } = shard;

    internal int Permits { get; } = permits;

    /// <summary>How long an open waits for a permit: the shard connection string's <c>Timeout</c>.</summary>
    internal TimeSpan Timeout { get; } = timeout;

    internal SemaphoreSlim Semaphore { get; } = new(permits, permits);
}

/// <summary>
/// One data source (a connection pool) and its accounting. A pool holds one budget permit per physical connection it
/// may have opened: it takes one whenever its concurrent leases exceed the permits it holds (Npgsql only opens a
/// physical connection when no idle one is free, so physical connections never exceed the peak of concurrent leases),
/// and gives them all back when it is disposed. A retired pool takes no new leases and is disposed when its last lease
/// ends, never under a connection in use.
/// </summary>
internal sealed class PostgresPool
{
    private readonly object _gate = new();
    private readonly StateChangeEventHandler _onStateChange;
    private int _leases;
    private int _reserved;
    private int _acquiring;
    private bool _retired;
    private bool _disposed;

    internal PostgresPool(string key, PostgresPlacement placement, NpgsqlDataSource dataSource, ShardBudget budget)
    {
        Key = key;
        Placement = placement;
        DataSource = dataSource;
        Budget = budget;
        _onStateChange = OnStateChange;
    }

    internal string Key { get; }

    internal PostgresPlacement Placement { get; }

    internal NpgsqlDataSource DataSource { get; }

    internal ShardBudget Budget { get; }

    internal long LastUsed;

    /// <summary>Set once the placement's schema version was checked (and migrated) through this pool.</summary>
    internal Task? Ready;

    internal bool IsIdle
    {
        get
        {
            lock (_gate)
            {
                return _leases == 0 && _acquiring == 0 && !_retired;
            }
        }
    }

    internal int Reserved
    {
        get
        {
            lock (_gate)
            {
                return _reserved;
            }
        }
    }

    /// <summary>Takes a lease; <paramref name="needsPermit"/> says whether the caller must first take a budget permit.</summary>
    internal bool TryLease(out bool needsPermit)
    {
        lock (_gate)
        {
            if (_retired)
            {
                needsPermit = false;
                return false;
            }

            _leases++;
            needsPermit = _leases > _reserved + _acquiring;
            if (needsPermit)
            {
                _acquiring++;
            }

            return true;
        }
    }

    /// <summary>The permit the lease needed was taken (<paramref name="granted"/>) or could not be (the lease ends).</summary>
    internal void PermitTaken(bool granted)
    {
        lock (_gate)
        {
            _acquiring--;
            if (granted)
            {
                _reserved++;
            }
        }

        if (!granted)
        {
            EndLease();
        }
    }

    /// <summary>Ties the lease to the connection: it ends when the connection closes.</summary>
    internal void Attach(NpgsqlConnection connection) => connection.StateChange += _onStateChange;

    private void OnStateChange(object sender, StateChangeEventArgs e)
    {
        if (e.CurrentState == ConnectionState.Closed && e.OriginalState != ConnectionState.Closed)
        {
            ((NpgsqlConnection)sender).StateChange -= _onStateChange;
            EndLease();
        }
    }

    /// <summary>Ends a lease (the connection was closed, or the open failed).</summary>
    internal void EndLease()
    {
        bool dispose;
        lock (_gate)
        {
            _leases--;
            dispose = _retired && _leases == 0 && _acquiring == 0 && !_disposed;
            _disposed |= dispose;
        }

        if (dispose)
        {
            DisposeNow();
        }
    }

    /// <summary>Stops new leases; disposes now when nothing is leased, else when the last lease ends.</summary>
    /// <param name="onlyIfIdle">Retire only when nothing is leased (budget reclaim).</param>
    /// <returns>Whether the pool was retired.</returns>
    internal bool Retire(bool onlyIfIdle)
    {
        bool dispose;
        lock (_gate)
        {
            if (_retired || (onlyIfIdle && (_leases > 0 || _acquiring > 0)))
            {
                return false;
            }

            _retired = true;
            dispose = _leases == 0 && _acquiring == 0;
            _disposed |= dispose;
        }

        if (dispose)
        {
            DisposeNow();
        }

        return true;
    }

    private void DisposeNow()
    {
        try
        {
            DataSource.Dispose(); // closes the idle physical connections
        }
        finally
        {
            int release;
            lock (_gate)
            {
                release = _reserved;
                _reserved = 0;
            }

            if (release > 0)
            {
                Budget.Semaphore.Release(release);
            }
        }
    }
}

/// <summary>
/// The bounded registry of pools: at most <see cref="PostgresTenantOptions.MaxOpenTenants"/> (least recently used
/// retired first), each shard under its connection budget.
/// </summary>
internal sealed class PostgresPools : IDisposable
{
    private static readonly TimeSpan PermitPoll = TimeSpan.FromMilliseconds(20);
    private readonly ConcurrentDictionary<string, PostgresPool> _pools = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ShardBudget> _budgets;
    private readonly Func<PostgresPlacement, NpgsqlDataSource> _createDataSource;
    private readonly int _maxOpen;
    private readonly object _createGate = new();
    private long _clock;
    private bool _disposed;

    internal PostgresPools(IReadOnlyDictionary<string, string> shards, int permitsPerShard, int maxOpen, Func<PostgresPlacement, NpgsqlDataSource> createDataSource)
    {
        _budgets = shards.ToDictionary(
            s => s.Key,
            s => new ShardBudget(s.Key, permitsPerShard, TimeSpan.FromSeconds(Math.Max(1, new NpgsqlConnectionStringBuilder(s.Value).Timeout))), // parsed once
            StringComparer.Ordinal);
        _maxOpen = maxOpen;
        _createDataSource = createDataSource;
    }

    internal int Count => _pools.Count;

    internal ShardBudget Budget(string shard) => _budgets.TryGetValue(shard, out var b)
        ? b
        : throw new InvalidOperationException($"Shard '{shard}' is recorded in the catalog but not configured in this process. Add it with o.AddShard(\"{shard}\", connectionString).");

    /// <summary>Leases a connection slot on the placement's pool, taking a budget permit when the pool needs one more.</summary>
    internal async ValueTask<PostgresPool> LeaseAsync(PostgresPlacement placement, bool async, CancellationToken cancellationToken)
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var pool = GetOrCreate(placement);
            if (!pool.TryLease(out var needsPermit))
            {
                continue; // retired meanwhile: take the next one
            }

            if (needsPermit)
            {
                var granted = false;
                try
                {
                    await TakePermitAsync(pool, async, cancellationToken).ConfigureAwait(false);
                    granted = true;
                }
                finally
                {
                    pool.PermitTaken(granted);
                }
            }

            return pool;
        }
    }

    private PostgresPool GetOrCreate(PostgresPlacement placement)
    {
        var key = placement.PoolKey;
        if (!_pools.TryGetValue(key, out var pool))
        {
            lock (_createGate)
            {
                if (!_pools.TryGetValue(key, out pool))
                {
                    pool = new PostgresPool(key, placement, _createDataSource(placement), Budget(placement.Shard));
                    _pools[key] = pool;
                    if (_pools.Count > _maxOpen)
                    {
                        RetireLeastRecentlyUsed(_pools.Count - _maxOpen, except: pool);
                    }
                }
            }
        }

        pool.LastUsed = Interlocked.Increment(ref _clock);
        return pool;
    }

    private void RetireLeastRecentlyUsed(int count, PostgresPool except)
    {
        foreach (var victim in _pools.Values.Where(p => p != except).OrderBy(p => p.LastUsed).Take(count).ToList())
        {
            _pools.TryRemove(new KeyValuePair<string, PostgresPool>(victim.Key, victim));
            victim.Retire(onlyIfIdle: false); // disposed now, or when its last connection is returned
        }
    }

    private async ValueTask TakePermitAsync(PostgresPool pool, bool async, CancellationToken cancellationToken)
    {
        var budget = pool.Budget;
        var timeout = budget.Timeout;
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            if (budget.Semaphore.Wait(0))
            {
                return;
            }

            if (ReclaimIdle(budget, pool))
            {
                continue;
            }

            var left = timeout - Stopwatch.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                throw new PostgresConnectionBudgetException(pool.Placement.Slug, budget.Shard, budget.Permits, timeout);
            }

            var wait = left < PermitPoll ? left : PermitPoll;
            var got = async
                ? await budget.Semaphore.WaitAsync(wait, cancellationToken).ConfigureAwait(false)
                : budget.Semaphore.Wait(wait, cancellationToken);
            if (got)
            {
                return;
            }
        }
    }

    /// <summary>Retires the least recently used idle pool of the shard that holds permits, freeing them.</summary>
    private bool ReclaimIdle(ShardBudget budget, PostgresPool except)
    {
        foreach (var victim in _pools.Values
                     .Where(p => p != except && p.Budget == budget && p.Reserved > 0 && p.IsIdle)
                     .OrderBy(p => p.LastUsed))
        {
            if (victim.Retire(onlyIfIdle: true))
            {
                _pools.TryRemove(new KeyValuePair<string, PostgresPool>(victim.Key, victim));
                return true;
            }
        }

        return false;
    }

    /// <summary>Retires every pool serving <paramref name="slug"/>'s own schema or database, or its moving connections (delete, move).</summary>
    internal void RetireTenant(string slug)
    {
        foreach (var pool in _pools.Values.Where(p => (p.Placement.Isolation != PostgresIsolation.Rows || p.Placement.Moving) && p.Placement.Slug == slug).ToList())
        {
            _pools.TryRemove(new KeyValuePair<string, PostgresPool>(pool.Key, pool));
            pool.Retire(onlyIfIdle: false);
        }
    }

    /// <summary>Retires one pool by its key, if open (its connections in use finish first).</summary>
    internal void Retire(string key)
    {
        if (_pools.TryRemove(key, out var pool))
        {
            pool.Retire(onlyIfIdle: false);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        foreach (var pool in _pools.Values.ToList())
        {
            _pools.TryRemove(new KeyValuePair<string, PostgresPool>(pool.Key, pool));
            pool.Retire(onlyIfIdle: false);
        }
    }
}
