using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tenancy.AspNetCore;

namespace Tenancy.Benchmarks;

/// <summary>
/// The per-request cost of <c>UseTenantContext</c> over an empty pipeline, in process (no sockets): the same request
/// through a pipeline that only ends it (the baseline), and through <c>UseTenantContext</c> resolving the tenant from the
/// subdomain or from a path prefix (which adds the path rewrite and <c>UseRouting</c>), entering its scope and ending.
/// </summary>
[MemoryDiagnoser]
public class MiddlewareBenchmarks
{
    private ServiceProvider _services = null!;
    private RequestDelegate _empty = null!;
    private RequestDelegate _subdomain = null!;
    private RequestDelegate _pathPrefix = null!;

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddRouting();
        services.AddSingleton(new System.Diagnostics.DiagnosticListener("Microsoft.AspNetCore")); // UseRouting asks for it (the host adds it)
        services.AddTenantContext(b => b.Add(t => new BenchmarkTenants.Clock()));
        _services = services.BuildServiceProvider();
        _empty = Pipeline(_ => { });
        _subdomain = Pipeline(app => app.UseTenantContext(o => o.FromSubdomain("wiki.test")));
        _pathPrefix = Pipeline(app => app.UseTenantContext(o => o.FromPathPrefix("/w")));
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Baseline = true, Description = "empty pipeline (baseline)")]
    public Task Empty() => _empty(Request("/pages/Home"));

    [Benchmark(Description = "UseTenantContext, subdomain")]
    public Task Subdomain() => _subdomain(Request("/pages/Home"));

    [Benchmark(Description = "UseTenantContext, path prefix (+ UseRouting)")]
    public Task PathPrefix() => _pathPrefix(Request("/w/acme/pages/Home"));

    private RequestDelegate Pipeline(Action<IApplicationBuilder> middleware)
    {
        var app = new ApplicationBuilder(_services);
        middleware(app);
        app.Run(static _ => Task.CompletedTask);
        return app.Build();
    }

    private DefaultHttpContext Request(string path)
    {
        var context = new DefaultHttpContext { RequestServices = _services };
        context.Request.Host = new HostString("acme.wiki.test");
        context.Request.Path = path;
        return context;
    }
}
