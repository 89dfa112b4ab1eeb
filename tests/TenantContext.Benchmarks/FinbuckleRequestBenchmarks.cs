using System.Linq.Expressions;
using System.Net;
using System.Reflection;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tenancy.AspNetCore;

namespace Tenancy.Benchmarks;

/// <summary>
/// The request cases of the peer table (<c>--finbuckle DIR</c>): a tenant named by a request header, resolved, entered
/// and read three times; and the same through each library's real middleware in an in-process pipeline, next to the
/// pipeline without tenancy (the host floor: a DI scope per request, a context, the terminal delegate). Finbuckle is
/// set up through its public API (<c>AddMultiTenant</c>, <c>WithHeaderStrategy</c>, <c>WithInMemoryStore</c>,
/// <c>UseMultiTenant</c>) by reflection, once; the measured calls are compiled delegates or its own middleware.
/// TenantContext believes the header only from a trusted proxy (its <c>FromTrustedHeader</c> checks the remote
/// address); Finbuckle's header strategy checks nothing. Both requests come from 127.0.0.1, a trusted proxy for TenantContext.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class FinbuckleRequestBenchmarks
{
    private const string Header = "X-Tenant";
    private static readonly AsyncLocal<RawTenant?> s_raw = new();
    private readonly Dictionary<string, RawTenant> _rawTenants = new(StringComparer.Ordinal) { ["acme"] = new RawTenant("acme") };
    private DefaultHttpContext _request = null!;
    private TrustedHeaderTenantResolver _tenantContextResolver = null!;
    private Func<HttpContext, int> _finbuckleResolveAndRead = null!;
    private Func<int> _finbuckleReads = null!;
    private IServiceScope _finbuckleScope = null!;
    private ServiceProvider _floorServices = null!;
    private ServiceProvider _tenantContextServices = null!;
    private ServiceProvider _finbuckleServices = null!;
    private RequestDelegate _floor = null!;
    private RequestDelegate _tenantContextPipeline = null!;
    private RequestDelegate _finbucklePipeline = null!;
    private Action? _clearFinbuckle;

    [GlobalSetup]
    public void Setup()
    {
        BenchmarkTenants.Configure();
        using (TenantContext.Enter("acme"))
        {
            _ = TenantContext.GetDb();
            _ = TenantContext.GetStorage();
            _ = TenantContext.GetRenderer();
        }

        var finbuckle = FinbuckleBuild.Load();
        _clearFinbuckle = finbuckle.Clear();
        _finbuckleReads = finbuckle.ThreeReads();
        _request = NewRequest(services: null);

        var options = new TenantResolutionOptions();
        options.KnownProxies.Add(IPAddress.Loopback);
        _tenantContextResolver = new TrustedHeaderTenantResolver(Header, options);

        _finbuckleServices = finbuckle.Services(Header);
        _finbuckleScope = _finbuckleServices.CreateScope();
        _finbuckleResolveAndRead = finbuckle.ResolveAndRead(_finbuckleScope.ServiceProvider);

        _floorServices = new ServiceCollection().AddLogging().BuildServiceProvider();
        _floor = Pipeline(_floorServices, _ => { }, static _ => Task.CompletedTask);

        var tenantContext = new ServiceCollection().AddLogging();
        tenantContext.AddTenantContext(b => b
            .Db(_ => new BenchmarkDatabase())
            .Storage(t => new FileTenantStorage(Path.Combine(Path.GetTempPath(), "tc-bench", t.Slug)))
            .Renderer(_ => new BenchmarkRenderer()));
        _tenantContextServices = tenantContext.BuildServiceProvider();
        _tenantContextPipeline = Pipeline(
            _tenantContextServices,
            app => app.UseTenantContext(o =>
            {
                o.KnownProxies.Add(IPAddress.Loopback);
                o.FromTrustedHeader(Header);
            }),
            static context =>
            {
                context.Items["n"] = TenantContext.GetStorage().GetHashCode() ^ TenantContext.GetDb().GetHashCode() ^ TenantContext.GetRenderer().GetHashCode();
                return Task.CompletedTask;
            });

        var reads = _finbuckleReads;
        _finbucklePipeline = Pipeline(_finbuckleServices, finbuckle.UseMultiTenant, context =>
        {
            context.Items["n"] = reads();
            return Task.CompletedTask;
        });

        // Each pipeline resolves the tenant once before it is measured (its caches warm, its resources made).
        Run(_floor, _floorServices);
        Run(_tenantContextPipeline, _tenantContextServices);
        Run(_finbucklePipeline, _finbuckleServices);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _finbuckleScope.Dispose();
        _floorServices.Dispose();
        _tenantContextServices.Dispose();
        _finbuckleServices.Dispose();
        _clearFinbuckle?.Invoke();
    }

    [Benchmark(Baseline = true, Description = "raw: header, dictionary look-up, AsyncLocal set + 3 reads + restore"), BenchmarkCategory("3 header resolution")]
    public int RawHeaderUnitOfWork()
    {
        var tenant = _rawTenants[_request.Request.Headers[Header][0]!];
        var previous = s_raw.Value;
        s_raw.Value = tenant;
        int n = s_raw.Value!.Storage.GetHashCode() ^ s_raw.Value!.Db.GetHashCode() ^ s_raw.Value!.Renderer.GetHashCode();
        s_raw.Value = previous;
        return n;
    }

    [Benchmark(Description = "TenantContext: FromTrustedHeader resolver, Enter + 3 role reads + Dispose"), BenchmarkCategory("3 header resolution")]
    public int TenantContextHeaderUnitOfWork()
    {
        using (TenantContext.Enter(_tenantContextResolver.Resolve(_request)!))
        {
            return TenantContext.GetStorage().GetHashCode() ^ TenantContext.GetDb().GetHashCode() ^ TenantContext.GetRenderer().GetHashCode();
        }
    }

    [Benchmark(Description = "Finbuckle: header strategy + in-memory store (ResolveAsync), set, 3 reads, restore"), BenchmarkCategory("3 header resolution")]
    public int FinbuckleHeaderUnitOfWork() => _finbuckleResolveAndRead(_request);

    [Benchmark(Baseline = true, Description = "host floor: DI scope + context + terminal, no tenancy"), BenchmarkCategory("4 middleware")]
    public Task Floor() => Run(_floor, _floorServices);

    [Benchmark(Description = "TenantContext: UseTenantContext(FromTrustedHeader) + 3 role reads"), BenchmarkCategory("4 middleware")]
    public Task TenantContextMiddleware() => Run(_tenantContextPipeline, _tenantContextServices);

    [Benchmark(Description = "Finbuckle: UseMultiTenant (header strategy, in-memory store) + 3 reads"), BenchmarkCategory("4 middleware")]
    public Task FinbuckleMiddleware() => Run(_finbucklePipeline, _finbuckleServices);

    /// <summary>One request as a host runs it: a DI scope of its own, a fresh context, the pipeline, the scope disposed.</summary>
    private static Task Run(RequestDelegate pipeline, ServiceProvider services)
    {
        var scope = services.CreateAsyncScope();
        var context = NewRequest(scope.ServiceProvider);
        var pending = pipeline(context);
        if (!pending.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("The pipeline did not complete synchronously; the benchmark measures synchronous pipelines only.");
        }

        return scope.DisposeAsync().AsTask();
    }

    private static DefaultHttpContext NewRequest(IServiceProvider? services)
    {
        var context = new DefaultHttpContext();
        if (services is not null)
        {
            context.RequestServices = services;
        }

        context.Connection.RemoteIpAddress = IPAddress.Loopback;
        context.Request.Host = new HostString("app.test");
        context.Request.Path = "/pages/Home";
        context.Request.Headers[Header] = "acme";
        return context;
    }

    private static RequestDelegate Pipeline(IServiceProvider services, Action<IApplicationBuilder> middleware, RequestDelegate terminal)
    {
        var app = new ApplicationBuilder(services);
        middleware(app);
        app.Run(terminal);
        return app.Build();
    }

    private sealed class BenchmarkRenderer : ITenantRenderer
    {
        public string Render(string source) => source;
    }

    private sealed class BenchmarkDatabase : ITenantDatabase
    {
        public System.Data.Common.DbConnection OpenConnection() => throw new NotSupportedException();

        public ValueTask<System.Data.Common.DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}

/// <summary>Finbuckle's DI registration, resolver and middleware, reached by reflection over the build's public API.</summary>
internal sealed partial class FinbuckleBuild
{
    private Assembly Companion(string name)
    {
        var path = Path.Combine(Path.GetDirectoryName(_abstractions.Location)!, name + ".dll");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No {name}.dll next to {_abstractions.Location}. Build Finbuckle.MultiTenant.AspNetCore into that folder (see the README's benchmark section).", path);
        }

        return Assembly.LoadFrom(path);
    }

    private static MethodInfo Extension(Assembly assembly, string type, string method, int parameters)
    {
        var found = assembly.GetType(type)?.GetMethods(BindingFlags.Public | BindingFlags.Static)
            .FirstOrDefault(m => m.Name == method && m.GetParameters().Length == parameters);
        return found ?? throw new InvalidOperationException($"{assembly.GetName().Name} has no {type}.{method} with {parameters} parameters: this mode was written against Finbuckle.MultiTenant 10.1.2's public API.");
    }

    /// <summary><c>services.AddMultiTenant&lt;TenantInfo&gt;().WithHeaderStrategy(header).WithInMemoryStore(o =&gt; o.Tenants.Add(acme))</c>.</summary>
    internal ServiceProvider Services(string header)
    {
        var core = Companion("Finbuckle.MultiTenant");
        var aspNetCore = Companion("Finbuckle.MultiTenant.AspNetCore");
        var services = new ServiceCollection().AddLogging();
        var builder = Extension(core, "Finbuckle.MultiTenant.Extensions.ServiceCollectionExtensions", "AddMultiTenant", 1)
            .MakeGenericMethod(_tenantInfo).Invoke(null, [services])!;
        Extension(aspNetCore, "Finbuckle.MultiTenant.AspNetCore.Extensions.MultiTenantBuilderExtensions", "WithHeaderStrategy", 2)
            .MakeGenericMethod(_tenantInfo).Invoke(null, [builder, header]);

        var withStore = Extension(core, "Finbuckle.MultiTenant.Extensions.MultiTenantBuilderExtensions", "WithInMemoryStore", 2).MakeGenericMethod(_tenantInfo);
        var optionsType = withStore.GetParameters()[1].ParameterType.GetGenericArguments()[0];
        var options = Expression.Parameter(optionsType, "o");
        var tenants = Expression.Property(options, "Tenants");
        var addTenant = Expression.Lambda(
            typeof(Action<>).MakeGenericType(optionsType),
            Expression.Call(tenants, typeof(ICollection<>).MakeGenericType(_tenantInfo).GetMethod("Add")!, Expression.Constant(_tenant, _tenantInfo)),
            options).Compile();
        withStore.Invoke(null, [builder, addTenant]);
        return services.BuildServiceProvider();
    }

    /// <summary><c>app.UseMultiTenant()</c>.</summary>
    internal void UseMultiTenant(IApplicationBuilder app)
        => Extension(Companion("Finbuckle.MultiTenant.AspNetCore"), "Finbuckle.MultiTenant.AspNetCore.Extensions.FinbuckleMultiTenantApplicationBuilderExtensions", "UseMultiTenant", 1)
            .Invoke(null, [app]);

    /// <summary>
    /// save, <c>resolver.ResolveAsync(context)</c> (the scoped <c>ITenantResolver</c>, taken once from
    /// <paramref name="scope"/>), set, 3 reads, restore.
    /// </summary>
    internal Func<HttpContext, int> ResolveAndRead(IServiceProvider scope)
    {
        var resolverType = Required(_abstractions, $"{Namespace}.ITenantResolver");
        var resolver = Holder(resolverType, scope.GetRequiredService(resolverType));
        var request = Expression.Parameter(typeof(HttpContext), "request");
        var saved = Expression.Variable(CurrentContext().Type, "saved");
        var result = Expression.Variable(typeof(int), "result");
        var resolve = Expression.Call(resolver, resolverType.GetMethod("ResolveAsync")!, Expression.Convert(request, typeof(object)));
        var resolved = Expression.Call(Expression.Call(resolve, resolve.Type.GetMethod(nameof(Task.GetAwaiter))!), "GetResult", null);
        var body = Expression.Block(
            [saved, result],
            Expression.Assign(saved, CurrentContext()),
            SetContext(Expression.Convert(resolved, CurrentContext().Type)),
            Expression.Assign(result, ReadThree()),
            SetContext(saved),
            result);
        return Expression.Lambda<Func<HttpContext, int>>(body, request).Compile();
    }

    /// <summary>3 reads of the current tenant (Id, Identifier, Name), as a request handler would.</summary>
    internal Func<int> ThreeReads() => Expression.Lambda<Func<int>>(ReadThree()).Compile();

    private Expression ReadThree() => Expression.ExclusiveOr(
        Expression.ExclusiveOr(Hash(Expression.Property(TenantInfo(), "Id")), Hash(Expression.Property(TenantInfo(), "Identifier"))),
        Hash(Expression.Property(TenantInfo(), "Name")));
}
