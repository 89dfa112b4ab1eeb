namespace Tenancy;

/// <summary>
/// The scope returned by <see cref="TenantContext.Enter(string)"/>: while it is current, the flow serves its tenant.
/// Disposing restores exactly the scope that was current at <c>Enter</c>. Scopes nest; disposing twice is a no-op;
/// disposing a scope that is not the current one throws <see cref="TenantScopeMismatchException"/> and changes nothing.
/// </summary>
/// <remarks>
/// Child tasks inherit the scope (ExecutionContext flow) and nothing done in a child flows back. A flow that outlives
/// the scope (fire-and-forget work) can no longer reach the tenant's resources: it gets an
/// <see cref="ObjectDisposedException"/> that says to carry <see cref="TenantContext.Capture"/> instead.
/// </remarks>
public sealed class TenantScope : IDisposable, IAsyncDisposable
{
    // Three fields on purpose: a scope is allocated by every Enter, and 40 bytes is its whole cost.
    internal readonly object? Previous;

    /// <summary>The tenant's entry; a live scope keeps it from retirement (see <see cref="LiveScopes"/>).</summary>
    internal readonly TenantEntry Entry;

    /// <summary>null (nothing beyond the tenant's cached resources), a <see cref="ScopeState"/>, or <see cref="ScopeState.Released"/>.</summary>
    internal ScopeState? State;

    internal TenantScope(object? previous, TenantEntry entry, ScopeState? state)
    {
        Previous = previous;
        Entry = entry;
        State = state;
    }

    /// <summary>The tenant this scope serves.</summary>
    public TenantInfo Tenant => Entry.Tenant;

    /// <summary>The configuration whose resources this scope uses.</summary>
    public TenantConfiguration Configuration => Entry.Configuration;

    /// <summary>Whether the scope has been disposed.</summary>
    public bool IsDisposed => IsReleased;

    internal bool IsReleased => ReferenceEquals(Volatile.Read(ref State), ScopeState.Released);

    /// <summary>Ends the scope: restores the scope that was current at <c>Enter</c> and disposes per-scope resources.</summary>
    /// <exception cref="TenantScopeMismatchException">A scope entered after this one is still current.</exception>
    public void Dispose()
    {
        if (End() is { } perScope)
        {
            ResourceDisposal.DisposeAll(perScope);
        }
    }

    /// <summary>Ends the scope, disposing per-scope resources asynchronously where they allow it.</summary>
    /// <exception cref="TenantScopeMismatchException">A scope entered after this one is still current.</exception>
    public ValueTask DisposeAsync()
    {
        // Not an async method: the AsyncLocal change must happen in the caller's flow.
        return End() is { } perScope ? ResourceDisposal.DisposeAllAsync(perScope) : default;
    }

    /// <summary>Restores the previous scope and ends this one; returns per-scope resources to dispose, if any.</summary>
    private object?[]? End()
    {
        var current = ScopeFlow.Current;
        if (ReferenceEquals(current, this))
        {
            ScopeFlow.Current = Previous;
        }
        else if (ScopeFlow.IsInChain(current, this))
        {
            throw new TenantScopeMismatchException(
                $"The scope for tenant '{Tenant.Slug}' was disposed while {ScopeFlow.Describe(current)}, entered after it, is still current. " +
                "Dispose scopes in the reverse order of Enter (a using statement does). Nothing was changed.");
        }

        var state = State;
        if (ReferenceEquals(state, ScopeState.Released))
        {
            return null;
        }

        // A plain write: the retirement scan's process-wide barrier orders it against the Doomed read below.
        Volatile.Write(ref State, ScopeState.Released);
        var perScope = state?.End(Entry.Slug);
        if (Entry.Doomed)
        {
            Entry.Configuration.Entries.RetireIfUnused(Entry);
        }

        return perScope;
    }

    /// <summary>Returns the tenant slug.</summary>
    public override string ToString() => $"TenantScope({Tenant.Slug})";
}
