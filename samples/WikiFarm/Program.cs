// WikiFarm: many wikis in one process, each with its own SQLite database (through EF Core), git repository and renderer.
// Run: dotnet run --project samples/WikiFarm   → http://127.0.0.1:5080 (Development, through the launch profile; data under
//      ./data; sign in as alice). In any other environment there is no password-less login and no demo seed: users come
//      from a trusted proxy (WikiFarm:TrustedProxies).
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Tenancy;
using Tenancy.AspNetCore;
using WikiFarm;

var builder = WebApplication.CreateBuilder(args);
var settings = FarmSettings.From(builder.Configuration, builder.Environment.IsDevelopment()); // conveniences only in Development

// 1. What a wiki is made of. Registered once; created per wiki on first use, inside that wiki's scope.
builder.Services.AddTenantContext(b =>
{
    b.UseSqlite(o =>
    {
        o.DataRoot = settings.DataRoot;
        o.UseCatalog = true;                            // only wikis in the catalog (data/platform.db) exist
        o.PathTemplate = "wikis/{tenant}/wiki.db";       // the wiki's database file
        o.StoragePathTemplate = "wikis/{tenant}/pages";  // the git repository
    });
    b.AddDbContext<WikiDbContext>(o => o.UseSqlite());  // per scope, pooled, on the wiki's file; tables made on first use
    Wiki.Register(b,
        db: [RequiresTenant] (t) => new WikiDatabase(TenantContext.Get<WikiDbContext>()),
        storage: t => new PageStore(TenantContext.Configuration.GetSqlite().GetStoragePath(t.Slug)!),
        renderer: [RequiresTenant] (t) => new WikiRenderer(Wiki.Db.GetPreferences()),
        dbLifetime: TenantLifetime.PerScope,        // wraps the scope's context, which goes back to the pool with the scope
        rendererLifetime: TenantLifetime.PerScope); // preferences can change: a fresh renderer per request
});
builder.Services.AddSingleton(settings);
builder.Services.AddSingleton(sp => new Platform(sp.GetRequiredService<TenantConfiguration>()));
builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(o =>
{
    o.Cookie.Name = "wikifarm";
    o.Cookie.Path = "/";                                 // one sign-in for every /w/{wiki}/
    o.Cookie.SameSite = SameSiteMode.Strict;             // forms post only from our own pages
    o.Cookie.HttpOnly = true;
});
builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize = Forms.MaxBodyBytes); // no upload is larger than a page's form

var app = builder.Build();
await Farm.InitializeAsync(app, settings);

// 2. Who is asking, and which wiki. Changes come only from the farm's own pages (an Origin check). A wiki is named by
//    its subdomain (handbook.localhost), by /w/{wiki}/, or by a trusted proxy's X-Wiki header — never two at once.
//    Headers from any other address are ignored.
app.UseSameOriginWrites(settings);
RequestTimings.Start(app, settings);
app.UseAuthentication();
app.UseFarmUsers(settings);   // X-Forwarded-User from a trusted proxy, else (Development only) the development login's cookie
RequestTimings.AroundResolution(app, a => a.UseTenantContext(o =>
{
    settings.AddTrustedProxies(o);
    o.RefuseAmbiguousTenants = true; // handbook.localhost/w/recipes/… is refused, not served as one wiki with the other's links
    o.FromTrustedHeader("X-Wiki").FromSubdomain(settings.ParentDomain).FromPathPrefix("/w");
}));

// 3. The farm (no wiki needed).
app.MapGet("/", Farm.Index).AllowWithoutTenant();
app.MapPost("/admin/wikis", Farm.Create).AllowWithoutTenant();
app.MapPost("/admin/wikis/{slug}/archive", Farm.Archive).AllowWithoutTenant();
app.MapPost("/admin/wikis/{slug}/delete", Farm.Delete).AllowWithoutTenant();
app.MapSignIn(settings);      // the development login in Development; elsewhere a page that says users come from the proxy

// 4. A wiki. [RequiresTenant] on each handler is the contract the middleware keeps: it never runs without a wiki.
app.MapGet("/pages", [RequiresTenant] (HttpContext http, Platform p) => WikiPages.List(http, p));
app.MapGet("/pages/{name}", [RequiresTenant] (HttpContext http, Platform p, string name) => WikiPages.Show(http, p, name));
app.MapGet("/pages/{name}/revisions/{revision}", [RequiresTenant] (HttpContext http, Platform p, string name, string revision) => WikiPages.Show(http, p, name, revision));
app.MapGet("/pages/{name}/history", [RequiresTenant] (HttpContext http, Platform p, string name) => WikiPages.History(http, p, name));
app.MapGet("/pages/{name}/edit", [RequiresTenant] (HttpContext http, Platform p, string name) => WikiPages.Edit(http, p, name));
app.MapPost("/pages/{name}", [RequiresTenant] (HttpContext http, Platform p, string name) => WikiPages.Save(http, p, name));
app.MapPost("/pages/{name}/draft", [RequiresTenant] (HttpContext http, Platform p, string name) => WikiPages.SaveDraft(http, p, name));
app.MapGet("/settings", [RequiresTenant] (HttpContext http, Platform p) => WikiPages.Settings(http, p));
app.MapPost("/settings", [RequiresTenant] (HttpContext http, Platform p) => WikiPages.SaveSettings(http, p));
app.MapPost("/settings/access", [RequiresTenant] (HttpContext http, Platform p) => WikiPages.Grant(http, p));

app.Logger.LogInformation("WikiFarm data: {DataRoot}", Path.GetFullPath(settings.DataRoot));
app.Run();

/// <summary>The entry point, public for WebApplicationFactory.</summary>
public partial class Program;
