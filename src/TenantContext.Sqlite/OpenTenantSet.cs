using System.Collections.Concurrent;
using System.Diagnostics;

namespace Tenancy.Sqlite;

/// <summary>
/// The tenants holding pooled connections (open files), bounded: past <see cref="Max"/>, the least recently used are
/// released in a batch (an eighth of the bound), so a stream of cold tenants sorts the set rarely.
/// </summary>
internal sealed class OpenTenantSet
{
    private readonly ConcurrentDictionary<TenantFile, byte> _open = new();
    private readonly object _releaseGate = new();
    private int _count;

    public OpenTenantSet(int max) => Max = max;

    public int Max { get; }

    public int Count => Volatile.Read(ref _count);

    /// <summary>Marks a tenant used now; it joins the set if it was not in it, evicting others past the bound.</summary>
    public void Touch(TenantFile file)
    {
        file.LastUsed = Stopwatch.GetTimestamp();
        if (Volatile.Read(ref file.Open) != 0 || Interlocked.CompareExchange(ref file.Open, 1, 0) != 0)
        {
            return;
        }

        _open.TryAdd(file, 0);
        if (Interlocked.Increment(ref _count) > Max)
        {
            ReleaseLeastRecentlyUsed(file);
        }
    }

    /// <summary>Clears a tenant's pooled connections and takes it out of the set.</summary>
    public void Release(TenantFile file)
    {
        if (Interlocked.CompareExchange(ref file.Open, 0, 1) == 1)
        {
            _open.TryRemove(file, out _);
            Interlocked.Decrement(ref _count);
        }

        SqliteConnections.ClearPool(file.ConnectionString);
    }

    private void ReleaseLeastRecentlyUsed(TenantFile keep)
    {
        lock (_releaseGate)
        {
            int excess = Volatile.Read(ref _count) - Max;
            if (excess <= 0)
            {
                return;
            }

            int target = excess + Math.Max(1, Max / 8);
            var candidates = new List<TenantFile>(_open.Count);
            foreach (var pair in _open)
            {
                if (!ReferenceEquals(pair.Key, keep))
                {
                    candidates.Add(pair.Key);
                }
            }

            candidates.Sort(static (a, b) => a.LastUsed.CompareTo(b.LastUsed));
            for (int i = 0; i < candidates.Count && i < target; i++)
            {
                Release(candidates[i]);
            }
        }
    }
}
