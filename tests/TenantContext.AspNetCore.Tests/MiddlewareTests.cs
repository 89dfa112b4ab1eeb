using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tenancy.AspNetCore.Tests;

/// <summary>UseTenantContext on a real Kestrel server on loopback.</summary>
public sealed class MiddlewareTests
{
    private static void WhoAmI(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder app)
    {
        app.MapGet("/whoami", [RequiresTenant] (HttpContext http) =>
            $"{TenantContext.Current.Slug}|{http.Request.PathBase}|{http.Request.Path}");
        app.MapGet("/", () => TenantContext.IsActive ? $"tenant {TenantContext.Current.Slug}" : "no tenant").AllowWithoutTenant();
    }

    private static readonly HashSet<string> Known = ["acme", "globex", "initech", "attic"];

    /// <summary>Tenants acme, globex and initech exist; attic is archived; every other slug is unknown.</summary>
    private static void Catalog(TenantContextBuilder b) => b.ResolveTenant(slug => slug switch
    {
        "attic" => throw new TenantUnavailableException(slug, TenantUnavailableReason.Archived, "archived"),
        _ when Known.Contains(slug) => new TenantInfo(slug),
        _ => throw new TenantUnavailableException(slug, TenantUnavailableReason.NotFound, "unknown"),
    });

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task Subdomain_request_runs_inside_the_tenants_scope()
    {
        await using var host = await LoopbackHost.StartAsync(Catalog, o => o.FromSubdomain("wiki.test"), WhoAmI);
        using var client = host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami") { Headers = { Host = "globex.wiki.test" } };
        var body = await (await client.SendAsync(request)).Content.ReadAsStringAsync();
        Assert.Equal("globex||/whoami", body);
    }

    [Fact]
    public async Task Path_prefix_names_the_tenant_and_moves_into_the_path_base()
    {
        await using var host = await LoopbackHost.StartAsync(Catalog, o => o.FromPathPrefix("/w"), WhoAmI);
        using var client = host.CreateClient();
        Assert.Equal("acme|/w/acme|/whoami", await client.GetStringAsync("/w/acme/whoami"));
    }

    [Fact]
    public async Task First_matching_resolver_wins()
    {
        await using var host = await LoopbackHost.StartAsync(Catalog, o => o
            .FromHostMap(new Dictionary<string, string> { ["intranet.test"] = "initech" })
            .FromSubdomain("wiki.test")
            .FromPathPrefix("/w"), WhoAmI);
        using var client = host.CreateClient();

        async Task<string> Get(string hostName, string path)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Host = hostName } };
            return await (await client.SendAsync(request)).Content.ReadAsStringAsync();
        }

        Assert.StartsWith("initech|", await Get("intranet.test", "/w/acme/whoami"));
        Assert.StartsWith("globex|", await Get("globex.wiki.test", "/w/acme/whoami"));
        Assert.StartsWith("acme|", await Get("elsewhere.test", "/w/acme/whoami"));
    }

    [Fact]
    public async Task Invalid_tenant_is_answered_400_with_problem_details()
    {
        await using var host = await LoopbackHost.StartAsync(Catalog, o => o.FromPathPrefix("/w"), WhoAmI);
        using var client = host.CreateClient();
        var response = await client.GetAsync("/w/Bad..Name/whoami");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.Equal("Invalid tenant", problem.GetProperty("title").GetString());
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Unknown_tenant_is_answered_404_with_problem_details()
    {
        await using var host = await LoopbackHost.StartAsync(Catalog, o => o.FromPathPrefix("/w"), WhoAmI);
        using var client = host.CreateClient();
        var response = await client.GetAsync("/w/umbrella/whoami");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.Equal("Unknown tenant", problem.GetProperty("title").GetString());
        Assert.Equal("umbrella", problem.GetProperty("tenant").GetString());
    }

    [Fact]
    public async Task Archived_tenant_gets_the_same_answer_as_an_unknown_one()
    {
        await using var host = await LoopbackHost.StartAsync(Catalog, o => o.FromPathPrefix("/w"), WhoAmI);
        using var client = host.CreateClient();
        var archived = await client.GetAsync("/w/attic/whoami");
        var unknown = await client.GetAsync("/w/attix/whoami");
        Assert.Equal(HttpStatusCode.NotFound, archived.StatusCode);
        Assert.Equal(unknown.StatusCode, archived.StatusCode);
        Assert.Equal(
            (await unknown.Content.ReadAsStringAsync()).Replace("attix", "NAME", StringComparison.Ordinal),
            (await archived.Content.ReadAsStringAsync()).Replace("attic", "NAME", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Two_resolvers_naming_different_tenants_are_refused_400_when_asked()
    {
        await using var host = await LoopbackHost.StartAsync(Catalog, o =>
        {
            o.RefuseAmbiguousTenants = true;
            o.FromSubdomain("wiki.test").FromPathPrefix("/w");
        }, WhoAmI);
        using var client = host.CreateClient();

        async Task<HttpResponseMessage> Get(string hostName, string path)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Host = hostName } };
            return await client.SendAsync(request);
        }

        var ambiguous = await Get("globex.wiki.test", "/w/acme/whoami");
        Assert.Equal(HttpStatusCode.BadRequest, ambiguous.StatusCode);
        Assert.Equal("Ambiguous tenant", (await ProblemAsync(ambiguous)).GetProperty("title").GetString());
        Assert.Equal("acme|/w/acme|/whoami", await (await Get("acme.wiki.test", "/w/acme/whoami")).Content.ReadAsStringAsync());
        Assert.Equal("globex||/whoami", await (await Get("globex.wiki.test", "/whoami")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Problem_details_go_through_the_registered_problem_details_service()
    {
        await using var host = await LoopbackHost.StartAsync(Catalog, o => o.FromPathPrefix("/w"), WhoAmI,
            services: b => b.Services.AddProblemDetails(p => p.CustomizeProblemDetails = c => c.ProblemDetails.Extensions["app"] = "customised"));
        using var client = host.CreateClient();
        var problem = await ProblemAsync(await client.GetAsync("/w/umbrella/whoami"));
        Assert.Equal("customised", problem.GetProperty("app").GetString());
    }

    [Fact]
    public async Task Endpoint_that_needs_a_tenant_is_answered_404_when_none_is_named()
    {
        await using var host = await LoopbackHost.StartAsync(Catalog, o => o.FromPathPrefix("/w"), WhoAmI);
        using var client = host.CreateClient();
        var response = await client.GetAsync("/whoami");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("No tenant", (await ProblemAsync(response)).GetProperty("title").GetString());
    }

    [Fact]
    public async Task Endpoint_allowed_without_a_tenant_runs_without_a_scope()
    {
        await using var host = await LoopbackHost.StartAsync(Catalog, o => o.FromPathPrefix("/w"), WhoAmI);
        using var client = host.CreateClient();
        Assert.Equal("no tenant", await client.GetStringAsync("/"));
        Assert.Equal("tenant acme", await client.GetStringAsync("/w/acme/"));
    }

    [Fact]
    public async Task Tenant_header_is_believed_only_from_the_trusted_proxy_address()
    {
        await using var host = await LoopbackHost.StartAsync(Catalog, o =>
        {
            o.KnownProxies.Add(IPAddress.Parse("127.0.0.2"));
            o.FromTrustedHeader("X-Tenant");
        }, WhoAmI);

        using var proxy = host.CreateClient("127.0.0.2");
        proxy.DefaultRequestHeaders.Add("X-Tenant", "acme");
        Assert.Equal("acme||/whoami", await proxy.GetStringAsync("/whoami"));

        using var stranger = host.CreateClient("127.0.0.1");
        stranger.DefaultRequestHeaders.Add("X-Tenant", "acme");
        var spoofed = await stranger.GetAsync("/whoami");
        Assert.Equal(HttpStatusCode.NotFound, spoofed.StatusCode);
        Assert.Equal("No tenant", (await ProblemAsync(spoofed)).GetProperty("title").GetString());
    }

    [Fact]
    public async Task Route_value_names_the_tenant()
    {
        await using var host = await LoopbackHost.StartAsync(Catalog, o => o.FromRouteValue("tenant"), app =>
            app.MapGet("/sites/{tenant}/name", [RequiresTenant] () => TenantContext.Current.Slug));
        using var client = host.CreateClient();
        Assert.Equal("initech", await client.GetStringAsync("/sites/initech/name"));
    }

    [Fact]
    public async Task Log_scope_carries_the_tenant()
    {
        var sink = new ScopeCapturingLoggerProvider();
        await using var host = await LoopbackHost.StartAsync(Catalog, o => o.FromPathPrefix("/w"),
            app => app.MapGet("/log", [RequiresTenant] (ILoggerFactory factory) =>
            {
                factory.CreateLogger("Handler").LogWarning("saving a page");
                return "ok";
            }),
            services: b => b.Logging.AddProvider(sink));
        using var client = host.CreateClient();
        Assert.Equal("ok", await client.GetStringAsync("/w/globex/log"));
        var entry = Assert.Single(sink.Entries, e => e.Message == "saving a page");
        Assert.Contains(new KeyValuePair<string, object?>(TenantLogging.TenantProperty, "globex"), entry.ScopeProperties);
    }

    [Fact]
    public async Task Injected_tenant_roles_are_the_current_tenants()
    {
        var root = Path.Combine(Path.GetTempPath(), "tc-aspnet-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var host = await LoopbackHost.StartAsync(
                b => b.Storage(t => new FileTenantStorage(Path.Combine(root, t.Slug))),
                o => o.FromPathPrefix("/w"),
                app => app.MapGet("/root", (ITenantStorage storage) => storage.Root));
            using var client = host.CreateClient();
            Assert.Equal(Path.Combine(root, "acme"), await client.GetStringAsync("/w/acme/root"));
            Assert.Equal(Path.Combine(root, "globex"), await client.GetStringAsync("/w/globex/root"));
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    [Fact]
    public async Task A_singleton_taking_a_tenant_role_is_refused_with_what_to_do()
    {
        await using var host = await LoopbackHost.StartAsync(
            b => b.Storage(t => new FileTenantStorage(Path.Combine(Path.GetTempPath(), "tc-aspnet-unused", t.Slug))),
            o => o.FromPathPrefix("/w"),
            app => app.MapGet("/root", (StorageHolder holder) => holder.Storage.Root),
            services: builder => builder.Services.AddSingleton<StorageHolder>());
        using (host.App.Services.GetRequiredService<TenantContextHost>().Activate())
        using (TenantContext.Enter("acme"))
        {
            var error = Assert.Throws<InvalidOperationException>(() => host.App.Services.GetRequiredService<StorageHolder>());
            Assert.Contains("root service provider", error.Message);
            Assert.Contains("TenantContext.GetStorage()", error.Message);
        }

        using var client = host.CreateClient();
        Assert.Equal(HttpStatusCode.InternalServerError, (await client.GetAsync("/w/acme/root")).StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, (await client.GetAsync("/w/globex/root")).StatusCode); // never acme's
    }

    [Fact]
    public async Task A_singleton_taking_a_tenant_service_is_refused()
    {
        await using var host = await LoopbackHost.StartAsync(
            b => b.Add(t => new Owner("x", t.Slug)),
            o => o.FromPathPrefix("/w"),
            app => app.MapGet("/owner", (Owner owner) => owner.ToString()),
            services: builder => builder.Services.AddTenantService<Owner>());
        using var client = host.CreateClient();
        Assert.Equal("x:acme", await client.GetStringAsync("/w/acme/owner")); // from the request's scope: fine
        using (host.App.Services.GetRequiredService<TenantContextHost>().Activate())
        using (TenantContext.Enter("acme"))
        {
            var error = Assert.Throws<InvalidOperationException>(() => host.App.Services.GetRequiredService<Owner>());
            Assert.Contains("TenantContext.Get<Owner>()", error.Message);
        }
    }

    private sealed class StorageHolder(ITenantStorage storage)
    {
        public ITenantStorage Storage { get; } = storage;
    }

    [Fact]
    public async Task Two_hosts_in_one_process_never_share_resources()
    {
        static Action<TenantContextBuilder> Tenants(string hostName) => b => b.Add(t => new Owner(hostName, t.Slug));
        static void Endpoints(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder app) =>
            app.MapGet("/owner", [RequiresTenant] () => TenantContext.Get<Owner>().ToString());

        await using var first = await LoopbackHost.StartAsync(Tenants("first"), o => o.FromPathPrefix("/w"), Endpoints);
        await using var second = await LoopbackHost.StartAsync(Tenants("second"), o => o.FromPathPrefix("/w"), Endpoints);
        using var a = first.CreateClient();
        using var b = second.CreateClient();
        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
            (i, await (i % 2 == 0 ? a : b).GetStringAsync("/w/acme/owner"))));
        foreach (var (i, answer) in answers)
        {
            Assert.Equal(i % 2 == 0 ? "first:acme" : "second:acme", answer);
        }

        Assert.NotSame(first.App.Services.GetRequiredService<TenantContextHost>().Configuration,
            second.App.Services.GetRequiredService<TenantContextHost>().Configuration);
    }

    [Fact]
    public async Task Host_configuration_is_disposed_with_the_host()
    {
        var host = await LoopbackHost.StartAsync(b => b.Add(t => new Owner("x", t.Slug)), o => o.FromPathPrefix("/w"), WhoAmI);
        var configuration = host.App.Services.GetRequiredService<TenantContextHost>().Configuration;
        await host.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() =>
        {
            using (TenantContext.UseConfiguration(configuration))
            using (TenantContext.Enter("acme"))
            {
            }
        });
    }

    [Fact]
    public async Task UseTenantContext_without_AddTenantContext_says_what_to_call()
    {
        await using var app = WebApplication.CreateSlimBuilder().Build();
        var error = Assert.Throws<InvalidOperationException>(() => app.UseTenantContext(o => o.FromPathPrefix("/w")));
        Assert.Contains("AddTenantContext", error.Message);
    }

    [Fact]
    public async Task Path_prefix_after_UseRouting_is_refused_with_the_fix()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddTenantContext(_ => { });
        await using var app = builder.Build(); // disposed: its configuration, built here, is lent to the process until then
        app.UseRouting();
        var error = Assert.Throws<InvalidOperationException>(() => app.UseTenantContext(o => o.FromPathPrefix("/w")));
        Assert.Contains("before app.UseRouting()", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UseTenantContext_twice_in_one_pipeline_is_refused_with_the_fix(bool pathPrefix)
    {
        // Twice would enter a second tenant scope inside the first: a request could be served for a tenant the first
        // resolution did not choose (a header inside a subdomain, a second path prefix inside the first).
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddTenantContext(_ => { });
        await using var app = builder.Build();
        app.UseTenantContext(o => o.FromSubdomain("wiki.test"));
        var error = Assert.Throws<InvalidOperationException>(() => app.UseTenantContext(o =>
        {
            if (pathPrefix)
            {
                o.FromPathPrefix("/w");
            }
            else
            {
                o.FromTrustedHeader("X-Tenant");
            }
        }));
        Assert.Contains("UseTenantContext was already called", error.Message);
        Assert.Contains("one call", error.Message);
    }

    [Fact]
    public async Task UseTenantContext_in_two_sibling_branches_is_allowed()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddTenantContext(_ => { });
        await using var app = builder.Build();
        app.Map("/a", a => a.UseTenantContext(o => o.FromSubdomain("wiki.test")));
        app.Map("/b", b => b.UseTenantContext(o => o.FromSubdomain("wiki.test")));
    }

    private sealed record Owner(string Host, string Tenant)
    {
        public override string ToString() => $"{Host}:{Tenant}";
    }
}
