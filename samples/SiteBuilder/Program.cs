// SiteBuilder: many websites in one process on PostgreSQL. Every website's pages, contacts and messages live in shared
// tables with a website_id column; EF Core filters and guards them and PostgreSQL's row-level security enforces them.
// Run: dotnet run --project samples/SiteBuilder   → http://127.0.0.1:5090 (admin), http://acme.localhost:5090 (a site).
//      Without SiteBuilder:Postgres it starts two throwaway PostgreSQL servers (the server binaries on the PATH).
using Microsoft.EntityFrameworkCore;
using Npgsql;
using SiteBuilder;
using Tenancy;
using Tenancy.AspNetCore;
using Tenancy.Npgsql;
using Tenancy.Testing;

var builder = WebApplication.CreateBuilder(args);
var settings = SiteSettings.From(builder.Configuration, builder.Environment.IsDevelopment());

// 1. The servers. Each shard is prepared by its owner (tables, row-level security, the app's role); the app's tenant
//    connections then log in as a role that owns nothing and cannot bypass row-level security.
var throwaway = new List<PostgresTestCluster>();
var owners = settings.Shards.ToList();
if (owners.Count == 0)
{
    foreach (var name in SiteSettings.ShardNames)
    {
        var cluster = await PostgresTestCluster.StartAsync("site-" + name); // stopped, and its folder removed, when the app exits
        throwaway.Add(cluster);
        await cluster.ExecuteAsync("CREATE DATABASE sitebuilder");
        owners.Add(cluster.ConnectionString("sitebuilder"));
    }
}

var appPassword = SiteSchema.AppPassword(settings);
var shards = new List<(string Name, string App)>();
for (var i = 0; i < owners.Count; i++)
{
    shards.Add((SiteSettings.ShardNames[i], await SiteSchema.PrepareShardAsync(owners[i], settings, appPassword, withPlatform: i == 0, CancellationToken.None)));
}

// 2. Websites are tenants in the catalog (on the main shard's database, as its owner); their rows live on their shard.
builder.Services.AddTenantContext(b =>
{
    b.UsePostgres(o =>
    {
        o.Catalog = owners[0];
        foreach (var (name, app) in shards)
        {
            o.AddShard(name, app);
        }

        o.Isolation = PostgresIsolation.Rows;  // shared tables; each connection carries tenancy.tenant_key = the website's id
        o.TenantColumn = "website_id";         // which rows are a website's when it moves to another shard (Admin.Move)…
        o.TenantColumns["websites"] = "id";    // …and its own row in websites
    });
    b.AddDbContext<SiteContext>(o => o
        .UseNpgsql()
        .UseTenantIsolation(i => i.TenantKey(t => t.GetRecord<PostgresTenantRecord>()!.Key))); // website_id = the catalog key
});
builder.Services.AddSingleton(settings);
builder.Services.AddSingleton(_ => new SiteDomains(NpgsqlDataSource.Create(owners[0]))); // disposed with the host
builder.Services.AddHostedService<SiteDomains.Refresher>();
builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize = 256 * 1024);

var app = builder.Build();
app.Lifetime.ApplicationStopped.Register(() =>
{
    foreach (var cluster in throwaway)
    {
        cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
});
await app.Services.GetRequiredService<SiteDomains>().ReloadAsync(CancellationToken.None);
if (settings.Seed)
{
    await Seed.RunAsync(app);
}

// 3. Which website: its subdomain (acme.localhost), one of its own domains (www.acme-bakery.test: any subdomain of a
//    registrable domain), or /s/acme/ — never two different ones at once.
var domains = app.Services.GetRequiredService<SiteDomains>();
app.UseSameOriginWrites();
app.UseTenantContext(o =>
{
    o.RefuseAmbiguousTenants = true;
    o.FromSubdomain(settings.ParentDomain).FromRequest("custom-domain", domains.Resolve).FromPathPrefix("/s");
});

// 4. The platform (no website).
app.MapGet("/", (HttpContext http, CancellationToken ct) =>
{
    if (TenantContext.IsActive)
    {
        return SitePages.Home(http, ct);
    }

    return Task.FromResult(Results.Redirect("/admin"));
}).AllowWithoutTenant();
app.MapGet("/admin", (HttpContext http, SiteDomains d, SiteSettings s, CancellationToken ct) => Admin.Index(http, d, s, ct)).AllowWithoutTenant();
app.MapPost("/admin/websites", Admin.Create).AllowWithoutTenant();
app.MapPost("/admin/domains", Admin.AddDomain).AllowWithoutTenant();
app.MapPost("/admin/websites/{slug}/move", Admin.Move).AllowWithoutTenant();

// 5. A website. [RequiresTenant] is the contract the middleware keeps: these never run without a website.
app.MapGet("/p/{slug}", [RequiresTenant] (HttpContext http, string slug, CancellationToken ct) => SitePages.Show(http, slug, ct));
app.MapGet("/contact", [RequiresTenant] (HttpContext http, CancellationToken ct) => SitePages.ContactForm(http, ct));
app.MapPost("/contact", [RequiresTenant] (HttpContext http, CancellationToken ct) => SitePages.Contact(http, ct));
var edit = app.MapGroup("/edit").AddEndpointFilter(async (context, next) => Html.FromOperator(context.HttpContext) ? await next(context) : Html.NotOperator());
edit.MapGet("", [RequiresTenant] (HttpContext http, CancellationToken ct) => SitePages.Dashboard(http, ct));
edit.MapGet("/pages/new", [RequiresTenant] (HttpContext http, CancellationToken ct) => SitePages.NewPage(http, ct));
edit.MapPost("/pages", [RequiresTenant] (HttpContext http, CancellationToken ct) => SitePages.Create(http, ct));
edit.MapGet("/pages/{id:long}", [RequiresTenant] (HttpContext http, long id, CancellationToken ct) => SitePages.EditPage(http, id, ct));
edit.MapPost("/pages/{id:long}", [RequiresTenant] (HttpContext http, long id, CancellationToken ct) => SitePages.Update(http, id, ct));
edit.MapPost("/pages/{id:long}/delete", [RequiresTenant] (HttpContext http, long id, CancellationToken ct) => SitePages.Delete(http, id, ct));

app.Logger.LogInformation("SiteBuilder: {Shards} shard(s){Throwaway}; admin on /admin, websites on {{site}}.{Parent}", shards.Count,
    throwaway.Count > 0 ? " on throwaway servers (their data is gone when the app stops)" : "", settings.ParentDomain);
app.Run();

/// <summary>The entry point, public for WebApplicationFactory.</summary>
public partial class Program;
