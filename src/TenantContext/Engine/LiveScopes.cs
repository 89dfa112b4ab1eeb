using System.Runtime.CompilerServices;

namespace Tenancy;

/// <summary>
/// Which scopes are alive, at no atomic operation per scope. A thread records every scope it enters in a structure that
/// only it writes; a scope ends by marking itself released. Whoever retires a tenant's entry (eviction, <c>Forget</c>,
/// disposal of a configuration) marks the entry first, then calls <see cref="VisitLive"/>: one process-wide memory
/// barrier, then a scan of every thread's record. A scope registered before the barrier is seen by the scan (the entry is
/// spared); a scope registered after it sees the mark when it checks its entry, and moves to a live one. This is the
/// asymmetric form of Dekker's protocol: the rare side (retirement) pays for the barrier so that the common side (every
/// <c>Enter</c>) needs plain writes only.
/// </summary>
/// <remarks>
/// A thread's record is the scope it entered last (<see cref="_last"/>) and a list of older scopes that were still
/// alive when a newer one was entered. The common case, a scope that has ended by the time the thread enters the next
/// one, costs one field write: the ended scope is simply overwritten. An older scope that is still alive (an outer
/// scope, or one suspended across an <c>await</c>) is appended to the list <em>before</em> the newer one replaces it,
/// and a scan reads <see cref="_last"/> before the list, so it meets the older scope in one place or the other.
/// </remarks>
internal sealed class LiveScopes
{
    private const int InitialCapacity = 16;

    [ThreadStatic]
    private static LiveScopes? t_mine;

    private static readonly object s_gate = new();
    private static LiveScopes[] s_all = [];

    private readonly Thread _owner;

    /// <summary>The scope this thread entered last; replaced by the next one, after it was moved to the list if still alive.</summary>
    private TenantScope? _last;

    private TenantScope?[] _items = new TenantScope?[InitialCapacity];
    private int _count;

    /// <summary>Odd while the owner compacts its list in place: a scan that saw it change reads the list again.</summary>
    private int _version;

    private LiveScopes(Thread owner) => _owner = owner;

    /// <summary>Registers a scope entered on this thread (before its entry is checked for retirement).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Add(TenantScope scope)
    {
        var mine = t_mine;
        if (mine is not null && (mine._last is not { } last || last.IsReleased))
        {
            // The scope entered before has ended: nothing to keep of it.
            Volatile.Write(ref mine._last, scope);
            return;
        }

        AddSlow(scope);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddSlow(TenantScope scope)
    {
        var mine = t_mine ??= Join();
        if (mine._last is { IsReleased: false } older)
        {
            // Into the list first, then replaced: a scan reads _last before the list, so it sees the older scope in one of them.
            mine.Append(older);
        }

        Volatile.Write(ref mine._last, scope);
    }

    private void Append(TenantScope scope)
    {
        if (_count == _items.Length)
        {
            MakeRoom();
        }

        Volatile.Write(ref _items[_count], scope);
        _count++;
    }

    private static LiveScopes Join()
    {
        var mine = new LiveScopes(Thread.CurrentThread);
        lock (s_gate)
        {
            Volatile.Write(ref s_all, [.. s_all, mine]);
        }

        return mine;
    }

    /// <summary>Drops released scopes; grows the list when more than half of it is still alive.</summary>
    private void MakeRoom()
    {
        var items = _items;
        int live = 0;
        for (int i = 0; i < _count; i++)
        {
            if (items[i] is { IsReleased: false })
            {
                live++;
            }
        }

        if (live * 2 > items.Length)
        {
            // A new array, filled before it is published: a scan reads the old one or the new one, both whole.
            var bigger = new TenantScope?[items.Length * 2];
            int j = 0;
            for (int i = 0; i < _count; i++)
            {
                if (items[i] is { IsReleased: false } scope)
                {
                    bigger[j++] = scope;
                }
            }

            Volatile.Write(ref _items, bigger);
            _count = j;
            return;
        }

        // In place, inside an odd version: a scan that overlaps it sees the version change and reads again.
        Volatile.Write(ref _version, _version + 1);
        Interlocked.MemoryBarrier();
        int kept = 0;
        for (int i = 0; i < _count; i++)
        {
            if (items[i] is { IsReleased: false } scope)
            {
                items[kept++] = scope;
            }
        }

        Array.Clear(items, kept, _count - kept);
        _count = kept;
        Volatile.Write(ref _version, _version + 1);
    }

    /// <summary>
    /// Issues the process-wide barrier, then calls <paramref name="visit"/> for every scope that may be alive (a scope may
    /// be visited more than once, or after it ended: both only make the caller spare more). Call it after marking the
    /// entries to retire; it is slow (microseconds) and meant for rare work.
    /// </summary>
    internal static void VisitLive<TState>(TState state, Action<TenantScope, TState> visit)
    {
        Interlocked.MemoryBarrierProcessWide();
        bool prune = false;
        foreach (var list in Volatile.Read(ref s_all))
        {
            list.Visit(state, visit);
            prune |= !list._owner.IsAlive;
        }

        if (prune)
        {
            Prune();
        }
    }

    private void Visit<TState>(TState state, Action<TenantScope, TState> visit)
    {
        if (Volatile.Read(ref _last) is { IsReleased: false } last)
        {
            visit(last, state);
        }

        var spinner = default(SpinWait);
        while (true)
        {
            int before = Volatile.Read(ref _version);
            if ((before & 1) != 0)
            {
                spinner.SpinOnce();
                continue;
            }

            foreach (var scope in Volatile.Read(ref _items))
            {
                if (scope is { IsReleased: false })
                {
                    visit(scope, state);
                }
            }

            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref _version) == before)
            {
                return;
            }
        }
    }

    /// <summary>Forgets the lists of threads that have ended and hold no live scope (their scopes may still run elsewhere).</summary>
    private static void Prune()
    {
        lock (s_gate)
        {
            var kept = new List<LiveScopes>(s_all.Length);
            foreach (var list in s_all)
            {
                if (list._owner.IsAlive || list._last is { IsReleased: false } || Array.Exists(list._items, static s => s is { IsReleased: false }))
                {
                    kept.Add(list);
                }
            }

            Volatile.Write(ref s_all, kept.ToArray());
        }
    }
}
