namespace Tenancy;

/// <summary>
/// Returned by <see cref="TenantContext.TryLendProcessWide"/>: while not disposed, a configuration its owner lent is the
/// process-wide one. Disposing it gives the process-wide slot back (compare-and-swap: only while the lent configuration
/// still holds it, never clearing one that <see cref="TenantContext.Configure"/> put there since). It never disposes the
/// configuration.
/// </summary>
internal sealed class ProcessLease(TenantConfiguration configuration) : IDisposable
{
    private TenantConfiguration? _configuration = configuration;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _configuration, null) is { } lent)
        {
            ScopeFlow.TryUninstallProcess(lent);
        }
    }
}
