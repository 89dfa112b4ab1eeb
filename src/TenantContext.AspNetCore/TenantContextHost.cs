namespace Tenancy.AspNetCore;

/// <summary>
/// The <see cref="TenantConfiguration"/> a host built with <c>AddTenantContext</c>. It is a singleton of the host's
/// service provider and is disposed with it, disposing every cached per-tenant resource. The middleware activates it
/// for each request (<see cref="TenantContext.UseConfiguration"/>), so several hosts in one process (test servers)
/// never share resources in a request.
/// </summary>
/// <remarks>
/// <para>
/// Outside requests, the configuration is also the process-wide one (<see cref="TenantContext.Configuration"/>, what
/// <c>TenantContext.Run("acme", …)</c> in a hosted service, a timer or start-up code uses) from when it is built — by
/// <c>app.UseTenantContext</c>, by whatever resolves it, at the latest when the host starts — until the host stops or is
/// disposed, if the process had none: the normal app (one host) needs nothing more. It is lent
/// (<see cref="TenantContext.TryLendProcessWide"/>), never given away: an app that calls <see cref="TenantContext.Configure"/>
/// replaces it without disposing it, and the host gives the process-wide slot back only if it still holds it.
/// </para>
/// <para>
/// A second host in the same process (parallel test servers) finds the slot taken and stays per host: its requests
/// use its own configuration as always, and its work outside a request calls <see cref="Activate"/>, or it would use the
/// first host's configuration.
/// </para>
/// </remarks>
public sealed class TenantContextHost : IDisposable, IAsyncDisposable
{
    private readonly Lock _gate = new();
    private IDisposable? _processWide;
    private bool _disposed;

    internal TenantContextHost(TenantConfiguration configuration)
    {
        Configuration = configuration;
    }

    /// <summary>The host's configuration: its registrations and resource caches.</summary>
    public TenantConfiguration Configuration { get; }

    /// <summary>
    /// Activates the host's configuration on the current flow, for work outside a request when this host's configuration
    /// is not the process-wide one — a second host in the process (test servers), or code that runs before the
    /// configuration is built or after the host stopped: <c>using (host.Activate()) using (TenantContext.Enter("acme")) { … }</c>.
    /// Harmless when the configuration is process-wide anyway, and the one way that never picks another host's.
    /// </summary>
    /// <returns>The configuration scope; dispose it to restore the previous configuration.</returns>
    public ConfigurationScope Activate() => TenantContext.UseConfiguration(Configuration);

    /// <summary>Makes the configuration process-wide if the process has none (and the host is not disposed).</summary>
    /// <returns>Whether the host holds the process-wide slot now (it may have been replaced since by <see cref="TenantContext.Configure"/>).</returns>
    internal bool LendToProcess()
    {
        lock (_gate)
        {
            if (!_disposed && _processWide is null)
            {
                _processWide = TenantContext.TryLendProcessWide(Configuration);
            }

            return _processWide is not null;
        }
    }

    /// <summary>Gives the process-wide slot back, if the configuration still holds it.</summary>
    internal void ReturnToProcess()
    {
        lock (_gate)
        {
            _processWide?.Dispose();
            _processWide = null;
        }
    }

    /// <summary>Gives the process-wide slot back (if held), then disposes the configuration (see <see cref="TenantConfiguration.Dispose"/>).</summary>
    public void Dispose()
    {
        Close();
        Configuration.Dispose();
    }

    /// <summary>Gives the process-wide slot back (if held), then disposes the configuration (see <see cref="TenantConfiguration.DisposeAsync"/>).</summary>
    public ValueTask DisposeAsync()
    {
        Close();
        return Configuration.DisposeAsync();
    }

    private void Close()
    {
        lock (_gate)
        {
            _disposed = true;
            _processWide?.Dispose();
            _processWide = null;
        }
    }
}
