using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Tenancy.AspNetCore;

/// <summary>Adds per-request tenant resolution to an ASP.NET Core pipeline.</summary>
public static class TenantContextApplicationBuilderExtensions
{
    private const string RoutingAddedKey = "__EndpointRouteBuilder";
    private const string TenantContextAddedKey = "Tenancy.AspNetCore.UseTenantContext";

    /// <summary>
    /// Resolves the tenant of every request and runs the rest of the pipeline inside its scope.
    /// <list type="number">
    /// <item>The host's configuration (from <c>AddTenantContext</c>) is activated for the request with
    /// <see cref="TenantContext.UseConfiguration"/>, so two hosts in one process never share resources.</item>
    /// <item>The resolvers are asked in order; the first to name a tenant wins. A path prefix is moved into
    /// <c>PathBase</c> before routing (so <c>UseTenantContext</c> adds <c>UseRouting</c> itself when a path prefix is
    /// configured, and must then come before any explicit <c>UseRouting</c>).</item>
    /// <item>An invalid slug is answered 400, an unknown or archived tenant (the configuration's resolver — for example the
    /// SQLite catalog with <c>UseCatalog</c> — refused it) 404 with one answer for both (so strangers cannot tell which
    /// names exist), as RFC 7807 problem details (through <c>IProblemDetailsService</c> when registered). With
    /// <see cref="TenantResolutionOptions.RefuseAmbiguousTenants"/>, a request two resolvers name differently is answered 400.</item>
    /// <item>No tenant: endpoints marked <see cref="AllowWithoutTenantAttribute"/> (or <c>.AllowWithoutTenant()</c>) run
    /// without a scope; other endpoints are answered 404; requests that match no endpoint go on (to the app's 404).</item>
    /// <item>Otherwise the rest of the pipeline runs inside <c>await using (TenantContext.Enter(tenant))</c>, with the
    /// tenant in the log scope (<c>Tenant</c>).</item>
    /// </list>
    /// </summary>
    /// <remarks>
    /// <b>Analyzers.</b> The middleware guarantees the scope at run time, but the analyzers cannot see a middleware:
    /// mark every handler that uses tenant-scoped members <see cref="RequiresTenantAttribute"/> —
    /// <c>app.MapGet("/pages/{name}", [RequiresTenant] (string name) =&gt; Pages.Show(name))</c>. That is the honest
    /// contract (this handler runs only inside a tenant scope), and inside it TC1001 stays quiet. A handler that is not
    /// marked is checked as code outside a scope, so an endpoint marked <c>AllowWithoutTenant</c> must guard tenant
    /// code with <c>if (TenantContext.IsActive)</c>. Passing a <c>[RequiresTenant]</c> method group to <c>MapGet</c> is
    /// reported by TC1001 (a reference to a tenant-scoped method outside a scope): use a lambda marked
    /// <c>[RequiresTenant]</c> that calls it.
    /// </remarks>
    /// <param name="app">The application.</param>
    /// <param name="configure">Adds resolvers and trusted proxies.</param>
    /// <returns><paramref name="app"/>, for chaining.</returns>
    /// <exception cref="InvalidOperationException">
    /// <c>AddTenantContext</c> was not called, no resolver was configured, a path prefix is configured after <c>UseRouting</c>, or
    /// <c>UseTenantContext</c> was already called on this pipeline (sibling branches of <c>app.Map</c> may each call it once).
    /// </exception>
    public static IApplicationBuilder UseTenantContext(this IApplicationBuilder app, Action<TenantResolutionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(configure);
        var host = app.ApplicationServices.GetService<TenantContextHost>() ?? throw new InvalidOperationException(
            "UseTenantContext needs the host's tenant configuration. Call builder.Services.AddTenantContext(b => …) before building the app.");
        if (app.Properties.ContainsKey(TenantContextAddedKey))
        {
            // A second middleware would enter a second tenant scope inside the first: the request could be served for a
            // tenant the first resolution did not choose.
            throw new InvalidOperationException(
                "UseTenantContext was already called on this pipeline (or on the pipeline this branch belongs to). Configure every resolver in one call: " +
                "app.UseTenantContext(o => o.FromSubdomain(\"wiki.example\").FromPathPrefix(\"/w\")); the first resolver to name a tenant wins.");
        }

        var options = new TenantResolutionOptions();
        configure(options);
        if (options.Resolvers.Count == 0)
        {
            throw new InvalidOperationException(
                "UseTenantContext has no resolver. Add at least one: o.FromSubdomain(\"wiki.example\"), o.FromPathPrefix(\"/w\"), o.FromHostMap(…), o.FromTrustedHeader(\"X-Tenant\"), o.FromRouteValue(\"tenant\"), o.FromClaim(\"tenant\").");
        }

        var preRouting = options.Resolvers.OfType<IPreRoutingTenantResolver>().ToArray();
        if (preRouting.Length > 0)
        {
            if (app.Properties.ContainsKey(RoutingAddedKey))
            {
                throw new InvalidOperationException(
                    "A path-prefix resolver rewrites the path before routing, but UseRouting was already called. Call app.UseTenantContext(…) " +
                    "before app.UseRouting(), or drop the explicit UseRouting: UseTenantContext adds it after the rewrite.");
            }

            app.UseMiddleware<TenantPathMiddleware>(new object[] { preRouting });
            app.UseRouting();
        }

        app.Properties[TenantContextAddedKey] = true;
        return app.UseMiddleware<TenantScopeMiddleware>(options, host);
    }
}
