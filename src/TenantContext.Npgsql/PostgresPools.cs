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
/// may have opened: a lease uses one of the pool's permits (Npgsql only opens a physical connection when no idle one is
/// free, so physical connections never exceed the permits in use at the peak), taking a new one from the shard's budget
/// only when all of the pool's are in use; it gives them all back when it is disposed. Leases that find every permit in
/// use wait in line, first come first served: a permit freed by a closing connection goes to the longest waiter, never
/// to a newcomer (so under more clients than connections every wait stays bounded, instead of the unlucky ones starving
/// until their timeout). A retired pool takes no new leases, sends its waiters on to the next pool, and is disposed
/// when its last lease ends, never under a connection in use.
/// </summary>
internal sealed class PostgresPool
{
    private readonly object _gate = new();
    private readonly StateChangeEventHandler _onStateChange;
    private readonly LinkedList<TaskCompletionSource<bool>> _waiters = new();
    private int _leases;   // leases in use or waiting in line
    private int _inUse;    // leases using one of the pool's permits
    private int _reserved; // budget permits the pool holds
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
                return _leases == 0 && !_retired;
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

    /// <summary>
    /// Takes a lease: <see langword="false"/> when the pool is retired. Otherwise <paramref name="place"/> is
    /// <see langword="null"/> when one of the pool's permits was free and nobody waited before, else the caller's place
    /// in line (complete it with <see cref="TryUsePermit"/>, or wait for it and end with <see cref="Abandon"/>).
    /// </summary>
    internal bool TryLease(out LinkedListNode<TaskCompletionSource<bool>>? place)
    {
        lock (_gate)
        {
            place = null;
            if (_retired)
            {
                return false;
            }

            _leases++;
            if (_waiters.Count == 0 && _inUse < _reserved)
            {
                _inUse++;
                return true;
            }

            place = _waiters.AddLast(new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
            return true;
        }
    }

    /// <summary>
    /// The waiter at <paramref name="place"/> took a permit from the shard's budget: it becomes the pool's, in use by this
    /// lease. <see langword="false"/> when the waiter's turn came meanwhile (a freed permit, or the pool retired): the
    /// caller gives the budget permit back and reads the outcome from <paramref name="place"/>.
    /// </summary>
    internal bool TryUsePermit(LinkedListNode<TaskCompletionSource<bool>> place)
    {
        lock (_gate)
        {
            if (place.List is null)
            {
                return false;
            }

            _waiters.Remove(place);
            _reserved++;
            _inUse++;
            return true;
        }
    }

    /// <summary>
    /// Leaves the line (a timeout, a cancellation, the pool retired) and ends the lease. A permit handed to the waiter at
    /// the last moment passes on to the next one.
    /// </summary>
    internal void Abandon(LinkedListNode<TaskCompletionSource<bool>> place)
    {
        bool handed;
        lock (_gate)
        {
            if (place.List is not null)
            {
                _waiters.Remove(place);
            }

            handed = place.List is null && place.Value.Task is { IsCompletedSuccessfully: true, Result: true };
        }

        if (handed)
        {
            Release();
        }
        else
        {
            EndLease();
        }
    }

    /// <summary>Ties the lease to the connection: it ends when the connection closes.</summary>
    internal void Attach(NpgsqlConnection connection) => connection.StateChange += _onStateChange;

    /// <summary>Ends a lease whose connection never opened (so no close will end it).</summary>
    internal void Detach(NpgsqlConnection connection)
    {
        connection.StateChange -= _onStateChange;
        Release();
    }

    private void OnStateChange(object sender, StateChangeEventArgs e)
    {
        if (e.CurrentState == ConnectionState.Closed && e.OriginalState != ConnectionState.Closed)
        {
            ((NpgsqlConnection)sender).StateChange -= _onStateChange;
            Release();
        }
    }

    /// <summary>Ends a lease that used a permit: the permit goes to the longest waiter, or back to the pool.</summary>
    internal void Release()
    {
        lock (_gate)
        {
            if (_waiters.First is { } next && !_retired)
            {
                _waiters.RemoveFirst();
                next.Value.TrySetResult(true); // the permit changes hands; _inUse stays
            }
            else
            {
                _inUse--;
            }
        }

        EndLease();
    }

    private void EndLease()
    {
        bool dispose;
        lock (_gate)
        {
            _leases--;
            dispose = _retired && _leases == 0 && !_disposed;
            _disposed |= dispose;
        }

        if (dispose)
        {
            DisposeNow();
        }
    }

    /// <summary>Stops new leases and sends the waiters on; disposes now when nothing is leased, else when the last lease ends.</summary>
    /// <param name="onlyIfIdle">Retire only when nothing is leased (budget reclaim).</param>
    /// <returns>Whether the pool was retired.</returns>
    internal bool Retire(bool onlyIfIdle)
    {
        bool dispose;
        lock (_gate)
        {
            if (_retired || (onlyIfIdle && _leases > 0))
            {
                return false;
            }

            _retired = true;
            while (_waiters.First is { } waiter)
            {
                _waiters.RemoveFirst();
                waiter.Value.TrySetResult(false);
            }

            dispose = _leases == 0;
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
    private static readonly TimeSpan PermitPoll = TimeSpan.FromMilliseconds(50);
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

    /// <summary>Leases a permit on the placement's pool: one of its own, or a new one from the shard's budget, in turn.</summary>
    internal async ValueTask<PostgresPool> LeaseAsync(PostgresPlacement placement, bool async, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var pool = GetOrCreate(placement);
            if (!pool.TryLease(out var place))
            {
                continue; // retired meanwhile: take the next one
            }

            if (place is null || await WaitInLineAsync(pool, place, started, async, cancellationToken).ConfigureAwait(false))
            {
                return pool;
            }
        }
    }

    /// <summary>
    /// Waits for the pool's next free permit (handed over in turn) or a permit of the shard's budget, whichever comes
    /// first, for at most the budget's timeout since <paramref name="started"/>. <see langword="false"/>: the pool retired.
    /// </summary>
    private async ValueTask<bool> WaitInLineAsync(PostgresPool pool, LinkedListNode<TaskCompletionSource<bool>> place, long started, bool async, CancellationToken cancellationToken)
    {
        var budget = pool.Budget;
        var done = false;
        try
        {
            while (true)
            {
                if (budget.Semaphore.Wait(0))
                {
                    if (pool.TryUsePermit(place))
                    {
                        done = true;
                        return true;
                    }

                    budget.Semaphore.Release(); // our turn came meanwhile
                }

                if (place.Value.Task.IsCompleted)
                {
                    done = place.Value.Task.Result; // false: the pool retired and sent us on (the finally ends the lease)
                    return done;
                }

                if (ReclaimIdle(budget, pool))
                {
                    continue;
                }

                var left = budget.Timeout - Stopwatch.GetElapsedTime(started);
                if (left <= TimeSpan.Zero)
                {
                    throw new PostgresConnectionBudgetException(pool.Placement.Slug, budget.Shard, budget.Permits, budget.Timeout);
                }

                // Woken at once by a permit handed over; every PermitPoll to look at the shard's budget again.
                var wait = left < PermitPoll ? left : PermitPoll;
                if (async)
                {
                    await Task.WhenAny(place.Value.Task, Task.Delay(wait, cancellationToken)).ConfigureAwait(false);
                }
                else
                {
                    place.Value.Task.Wait(wait, cancellationToken);
                }

                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            if (!done)
            {
                pool.Abandon(place); // a timeout, a cancellation or a retired pool: out of line, lease ended
            }
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

    /// <summary>
    /// Closes the idle connections of every pool on <paramref name="shard"/> (busy ones close when returned): after its
    /// server restarted they are all broken, and each would fail its next user once.
    /// </summary>
    internal void ClearShard(string shard)
    {
        foreach (var pool in _pools.Values.Where(p => p.Placement.Shard == shard))
        {
            pool.DataSource.Clear();
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
