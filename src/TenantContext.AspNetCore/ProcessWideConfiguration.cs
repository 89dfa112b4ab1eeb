using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Tenancy.AspNetCore;

/// <summary>
/// Ties the host's configuration to the process-wide slot for the host's run: before any hosted service starts
/// (<see cref="StartingAsync"/>, so a <c>BackgroundService</c> registered before <c>AddTenantContext</c> finds it too) the
/// configuration is built, if nothing built it yet, and lent to the process if the process has none; after every hosted
/// service has stopped (<see cref="StoppedAsync"/>, so their last work still finds it) the slot is given back. A host
/// that finds the slot taken says so in the log: its work outside a request must call <see cref="TenantContextHost.Activate"/>.
/// </summary>
internal sealed partial class ProcessWideConfiguration(TenantContextHost host, ILogger<ProcessWideConfiguration> logger) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        if (!host.LendToProcess())
        {
            LogNotProcessWide(logger);
        }

        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        host.ReturnToProcess();
        return Task.CompletedTask;
    }

    [LoggerMessage(1, LogLevel.Information, "Another tenant configuration is process-wide (TenantContext.Configure, or another host of this process): " +
        "this host's configuration serves its requests, and its work outside a request (hosted services, timers) must activate it with " +
        "app.Services.GetRequiredService<TenantContextHost>().Activate().")]
    private static partial void LogNotProcessWide(ILogger logger);
}
