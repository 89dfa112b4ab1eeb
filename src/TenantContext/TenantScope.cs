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
    internal TenantEntry Entry;

    /// <summary>null: resources not yet used; <see cref="Pinned"/>; <see cref="Released"/>; or a <see cref="ScopeState"/>.</summary>
    internal object? State;

    internal static readonly object Pinned = new();
    internal static readonly object Released = new();

    internal TenantScope(object? previous, TenantEntry entry, object? state)
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
    public bool IsDisposed => ReferenceEquals(Volatile.Read(ref State), Released);

    /// <summary>Ends the scope: restores the scope that was current at <c>Enter</c> and disposes per-scope resources.</summary>
    /// <exception cref="TenantScopeMismatchException">A scope entered after this one is still current.</exception>
    public void Dispose()
    {
        if (Pop() is { } perScope)
        {
            ScopeState.DisposeAll(perScope);
        }
    }

    /// <summary>Ends the scope, disposing per-scope resources asynchronously where they allow it.</summary>
    /// <exception cref="TenantScopeMismatchException">A scope entered after this one is still current.</exception>
    public ValueTask DisposeAsync()
    {
        // Not an async method: the AsyncLocal change must happen in the caller's flow.
        return Pop() is { } perScope ? ScopeState.DisposeAllAsync(perScope) : default;
    }

    /// <summary>Restores the previous scope and releases resources; returns per-scope resources to dispose, if any.</summary>
    private object?[]? Pop()
    {
        var current = TenantContext.Flow.Value;
        if (ReferenceEquals(current, this))
        {
            TenantContext.Flow.Value = Previous;
        }
        else if (TenantContext.IsInChain(current, this))
        {
            throw new TenantScopeMismatchException(
                $"The scope for tenant '{Tenant.Slug}' was disposed while {TenantContext.Describe(current)}, entered after it, is still current. " +
                "Dispose scopes in the reverse order of Enter (a using statement does). Nothing was changed.");
        }

        return Release();
    }

    private object?[]? Release()
    {
        var old = Interlocked.Exchange(ref State, Released);
        if (ReferenceEquals(old, Pinned))
        {
            Entry.Unpin();
        }
        else if (old is ScopeState state)
        {
            return state.Release(Entry);
        }

        return null;
    }

    /// <summary>Returns the tenant slug.</summary>
    public override string ToString() => $"TenantScope({Tenant.Slug})";
}

/// <summary>A scope's optional parts: overrides, per-scope resources, the pin. Allocated only when needed.</summary>
internal sealed class ScopeState(object?[]? overrides)
{
    internal readonly object?[]? Overrides = overrides;
    internal object?[]? PerScope;
    internal bool IsPinned;
    internal bool IsReleased;

    internal object? GetOverride(int slot)
        => Overrides is { } o && (uint)slot < (uint)o.Length ? o[slot] : null;

    internal object?[]? Release(TenantEntry entry)
    {
        lock (this)
        {
            if (IsReleased)
            {
                return null;
            }

            IsReleased = true;
            if (IsPinned)
            {
                IsPinned = false;
                entry.Unpin();
            }

            var perScope = PerScope;
            PerScope = null;
            return perScope;
        }
    }

    internal static void DisposeAll(object?[] values)
    {
        List<Exception>? errors = null;
        for (int i = values.Length - 1; i >= 0; i--)
        {
            try
            {
                switch (values[i])
                {
                    case IDisposable d:
                        d.Dispose();
                        break;
                    case IAsyncDisposable ad:
                        ad.DisposeAsync().AsTask().GetAwaiter().GetResult();
                        break;
                }
            }
            catch (Exception ex)
            {
                (errors ??= new()).Add(ex);
            }
        }

        if (errors is not null)
        {
            throw new AggregateException("Disposing per-scope tenant resources failed.", errors);
        }
    }

    internal static async ValueTask DisposeAllAsync(object?[] values)
    {
        List<Exception>? errors = null;
        for (int i = values.Length - 1; i >= 0; i--)
        {
            try
            {
                await TenantConfiguration.DisposeObjectAsync(values[i]).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                (errors ??= new()).Add(ex);
            }
        }

        if (errors is not null)
        {
            throw new AggregateException("Disposing per-scope tenant resources failed.", errors);
        }
    }
}

/// <summary>
/// Returned by <see cref="TenantContext.UseConfiguration"/>: while current, the flow's scopes use that configuration.
/// Disposing restores the previous one (out-of-order disposal throws <see cref="TenantScopeMismatchException"/>).
/// </summary>
public sealed class ConfigurationScope : IDisposable
{
    internal readonly object? Previous;

    internal ConfigurationScope(object? previous, TenantConfiguration configuration)
    {
        Previous = previous;
        Configuration = configuration;
    }

    /// <summary>The configuration this scope activates.</summary>
    public TenantConfiguration Configuration { get; }

    /// <summary>Restores the configuration that was active before.</summary>
    /// <exception cref="TenantScopeMismatchException">A scope entered after this one is still current.</exception>
    public void Dispose()
    {
        var current = TenantContext.Flow.Value;
        if (ReferenceEquals(current, this))
        {
            TenantContext.Flow.Value = Previous;
        }
        else if (TenantContext.IsInChain(current, this))
        {
            throw new TenantScopeMismatchException(
                $"A configuration scope was disposed while {TenantContext.Describe(current)}, entered after it, is still current. " +
                "Dispose scopes in the reverse order they were entered. Nothing was changed.");
        }
    }
}
