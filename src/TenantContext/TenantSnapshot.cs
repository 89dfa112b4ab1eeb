namespace Tenancy;

/// <summary>
/// A captured tenant (with its configuration and overrides) for work that outlives the scope that started it: a
/// queued job, a channel consumer, a timer. Re-enter it where the work runs with <see cref="Enter"/>.
/// </summary>
public sealed class TenantSnapshot
{
    internal TenantSnapshot(TenantConfiguration configuration, TenantInfo tenant, object?[]? overrides)
    {
        Configuration = configuration;
        Tenant = tenant;
        Overrides = overrides;
    }

    /// <summary>The captured tenant.</summary>
    public TenantInfo Tenant { get; }

    /// <summary>The configuration the captured scope used.</summary>
    public TenantConfiguration Configuration { get; }

    internal object?[]? Overrides { get; }

    /// <summary>Enters a new scope for the captured tenant, with the captured overrides. Dispose it when the work ends.</summary>
    public TenantScope Enter() => ScopeFlow.Enter(this);

    /// <summary>Runs <paramref name="work"/> inside a new scope for the captured tenant.</summary>
    /// <param name="work">The work.</param>
    public void Run(Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        using (Enter())
        {
            work();
        }
    }

    /// <summary>Awaits <paramref name="work"/> inside a new scope for the captured tenant.</summary>
    /// <param name="work">The work.</param>
    public async Task RunAsync(Func<Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using (Enter())
        {
            await work().ConfigureAwait(false);
        }
    }

    /// <summary>Returns the tenant slug.</summary>
    public override string ToString() => $"TenantSnapshot({Tenant.Slug})";
}
