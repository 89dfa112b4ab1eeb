namespace Tenancy.AspNetCore;

/// <summary>
/// The <see cref="TenantConfiguration"/> a host built with <c>AddTenantContext</c>. It is a singleton of the host's
/// service provider and is disposed with it, disposing every cached per-tenant resource. The middleware activates it
/// for each request (<see cref="TenantContext.UseConfiguration"/>), so several hosts in one process (test servers)
/// never share resources.
/// </summary>
public sealed class TenantContextHost : IDisposable, IAsyncDisposable
{
    internal TenantContextHost(TenantConfiguration configuration)
    {
        Configuration = configuration;
    }

    /// <summary>The host's configuration: its registrations and resource caches.</summary>
    public TenantConfiguration Configuration { get; }

    /// <summary>
    /// Activates the host's configuration on the current flow, for work outside a request (a hosted service, a start-up
    /// seeding step): <c>using (host.Activate()) using (TenantContext.Enter("acme")) { … }</c>.
    /// </summary>
    /// <returns>The configuration scope; dispose it to restore the previous configuration.</returns>
    public ConfigurationScope Activate() => TenantContext.UseConfiguration(Configuration);

    /// <inheritdoc />
    public void Dispose() => Configuration.Dispose();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Configuration.DisposeAsync();
}
