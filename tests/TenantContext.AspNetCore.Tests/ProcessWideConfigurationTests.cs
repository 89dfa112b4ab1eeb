using System.Data.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Tenancy.AspNetCore.Tests;

/// <summary>The tests that look at the process-wide configuration: they run alone, after the parallel classes.</summary>
[CollectionDefinition("ProcessWideConfiguration", DisableParallelization = true)]
public sealed class ProcessWideConfigurationCollection;

/// <summary>
/// DESIGN.md: <c>AddTenantContext</c> configures "the process-wide configuration". The only host of a process lends its
/// configuration to the process (tenant work outside a request needs no <c>Activate()</c>); a second host stays per host; the
/// slot is given back when the host stops; an app's own <c>TenantContext.Configure</c> wins.
/// </summary>
[Collection("ProcessWideConfiguration")]
public sealed class ProcessWideConfigurationTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public ProcessWideConfigurationTests() => AssertProcessUnconfigured("before the test (a host of another test was not disposed?)");

    public void Dispose() => ScopeFlow.ClearProcess();

    private static void AssertProcessUnconfigured(string when)
        => Assert.True(ReferenceEquals(ScopeFlow.Process, TenantConfiguration.Empty), $"The process has a tenant configuration {when}.");

    private static Action<TenantContextBuilder> Tenants(string host) => b => b
        .Db(t => new FakeDb(host, t.Slug))
        .Add(t => new Tracked(host, t.Slug));

    private static void Endpoints(IEndpointRouteBuilder app)
        => app.MapGet("/owner", [RequiresTenant] () => TenantContext.Get<Tracked>().ToString());

    private static Task<LoopbackHost> StartAsync(string host, Action<IServiceCollection>? services = null)
        => LoopbackHost.StartAsync(Tenants(host), o => o.FromPathPrefix("/w"), Endpoints,
            services: services is null ? null : builder => services(builder.Services));

    [Fact]
    public async Task A_BackgroundService_of_the_only_host_reaches_tenant_resources_without_Activate()
    {
        var worker = new Worker();
        await using var host = await StartAsync("only", s => s.AddSingleton<IHostedService>(worker));

        Assert.Equal("only:acme", await worker.Result.WaitAsync(Timeout));
    }

    [Fact]
    public async Task A_worker_host_lends_its_configuration_when_it_starts_even_with_the_worker_registered_first()
    {
        // No UseTenantContext and nothing resolved before the start: the host's start builds and lends the configuration
        // before any hosted service starts, whatever the registration order.
        var worker = new Worker();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<IHostedService>(worker);
        builder.Services.AddTenantContext(Tenants("worker"));
        using var host = builder.Build();
        await host.StartAsync().WaitAsync(Timeout);
        try
        {
            Assert.Equal("worker:acme", await worker.Result.WaitAsync(Timeout));
        }
        finally
        {
            await host.StopAsync().WaitAsync(Timeout);
        }

        AssertProcessUnconfigured("after the worker host stopped");
    }

    [Fact]
    public async Task Code_after_StartAsync_uses_the_hosts_configuration_and_the_slot_is_given_back_when_the_host_stops()
    {
        var host = await StartAsync("only");
        try
        {
            var configuration = host.App.Services.GetRequiredService<TenantContextHost>().Configuration;
            Assert.Same(configuration, TenantContext.Configuration);
            Assert.Equal("only:acme", TenantContext.Run("acme", () => (FakeDb)TenantContext.GetDb()).ToString());

            await host.App.StopAsync().WaitAsync(Timeout);
            AssertProcessUnconfigured("after its host stopped");
            var error = Assert.Throws<TenantResourceNotRegisteredException>(() => TenantContext.Run("acme", TenantContext.Get<Tracked>));
            Assert.Contains("TenantContextHost>().Activate()", error.Message);
        }
        finally
        {
            await host.App.DisposeAsync();
        }

        // The slot is free again: the next host takes it.
        await using var next = await StartAsync("next");
        Assert.Equal("next:acme", TenantContext.Run("acme", TenantContext.Get<Tracked>).ToString());
    }

    [Fact]
    public async Task A_second_host_stays_per_host_and_the_two_never_share_resources()
    {
        await using var first = await StartAsync("first");
        await using var second = await StartAsync("second");
        var firstHost = first.App.Services.GetRequiredService<TenantContextHost>();
        var secondHost = second.App.Services.GetRequiredService<TenantContextHost>();
        Assert.Same(firstHost.Configuration, TenantContext.Configuration);

        using var a = first.CreateClient();
        using var b = second.CreateClient();
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i => (i, await (i % 2 == 0 ? a : b).GetStringAsync("/w/acme/owner"))));
        foreach (var (i, answer) in answers)
        {
            Assert.Equal(i % 2 == 0 ? "first:acme" : "second:acme", answer);
        }

        Tracked secondsOwn;
        using (secondHost.Activate())
        {
            secondsOwn = TenantContext.Run("acme", TenantContext.Get<Tracked>);
        }

        var processWide = TenantContext.Run("acme", TenantContext.Get<Tracked>);
        Assert.Equal("second:acme", secondsOwn.ToString());
        Assert.Equal("first:acme", processWide.ToString());
        Assert.NotSame(secondsOwn, processWide);
    }

    [Fact]
    public async Task Two_hosts_starting_at_once_lend_exactly_one_configuration()
    {
        var hosts = await Task.WhenAll(StartAsync("a"), StartAsync("b")).WaitAsync(Timeout);
        await using var a = hosts[0];
        await using var b = hosts[1];
        var configurations = hosts.Select(h => h.App.Services.GetRequiredService<TenantContextHost>().Configuration).ToArray();
        Assert.Single(configurations, c => ReferenceEquals(c, TenantContext.Configuration));
        using var clientA = a.CreateClient();
        using var clientB = b.CreateClient();
        Assert.Equal("a:acme", await clientA.GetStringAsync("/w/acme/owner"));
        Assert.Equal("b:acme", await clientB.GetStringAsync("/w/acme/owner"));
    }

    [Fact]
    public async Task Configure_by_the_app_wins_without_disposing_the_hosts_configuration()
    {
        var host = await StartAsync("host");
        try
        {
            var hostResource = TenantContext.Run("acme", TenantContext.Get<Tracked>);

            TenantContext.Configure(Tenants("app"));
            Assert.Equal("app:acme", TenantContext.Run("acme", TenantContext.Get<Tracked>).ToString());
            Assert.False(hostResource.IsDisposed);
            using var client = host.CreateClient();
            Assert.Equal("host:acme", await client.GetStringAsync("/w/acme/owner")); // the host's own, still alive

            await host.App.StopAsync().WaitAsync(Timeout);
            Assert.Equal("app:acme", TenantContext.Run("acme", TenantContext.Get<Tracked>).ToString()); // never cleared by the host
        }
        finally
        {
            await host.App.DisposeAsync();
        }

        Assert.Equal("app:acme", TenantContext.Run("acme", TenantContext.Get<Tracked>).ToString());
    }

    [Fact]
    public async Task An_app_that_configured_the_process_keeps_its_own_configuration()
    {
        TenantContext.Configure(Tenants("app"));
        var worker = new Worker();
        await using var host = await StartAsync("host", s => s.AddSingleton<IHostedService>(worker));

        Assert.Equal("app:acme", await worker.Result.WaitAsync(Timeout));
        using var client = host.CreateClient();
        Assert.Equal("host:acme", await client.GetStringAsync("/w/acme/owner"));
    }

    [Fact]
    public async Task A_scope_open_on_the_hosts_configuration_keeps_its_resources_when_the_host_is_disposed()
    {
        var host = await StartAsync("host");
        Tracked resource;
        using (TenantContext.Enter("acme"))
        {
            resource = TenantContext.Get<Tracked>();
            await host.DisposeAsync();
            AssertProcessUnconfigured("after its host was disposed");
            Assert.False(resource.IsDisposed);
            Assert.Same(resource, TenantContext.Get<Tracked>());
        }

        Assert.True(resource.IsDisposed);
    }

    /// <summary>A hosted service that does one tenant's work at start, with no <c>Activate()</c>, as DESIGN.md's user writes it.</summary>
    private sealed class Worker : BackgroundService
    {
        private readonly TaskCompletionSource<string> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<string> Result => _result.Task;

        protected override Task ExecuteAsync(CancellationToken stoppingToken)
        {
            try
            {
                _result.TrySetResult(TenantContext.Run("acme", () => ((FakeDb)TenantContext.GetDb()).ToString()));
            }
            catch (Exception ex)
            {
                _result.TrySetException(ex);
            }

            return Task.CompletedTask;
        }
    }

    private sealed record FakeDb(string Host, string Tenant) : ITenantDatabase
    {
        public DbConnection OpenConnection() => throw new NotSupportedException();

        public ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public override string ToString() => $"{Host}:{Tenant}";
    }

    private sealed class Tracked(string host, string tenant) : IDisposable
    {
        public bool IsDisposed { get; private set; }

        public void Dispose() => IsDisposed = true;

        public override string ToString() => $"{host}:{tenant}";
    }
}
