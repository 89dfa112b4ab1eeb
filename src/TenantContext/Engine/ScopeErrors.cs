namespace Tenancy;

/// <summary>The exceptions of the scope engine, each saying what to do next.</summary>
internal static class ScopeErrors
{
    internal static Exception NoScope(object? current, string member)
        => current is TenantScope ended ? Ended(ended, member, null) : new TenantScopeRequiredException(member);

    internal static TenantScopeEndedException Ended(TenantScope scope, string? member, Type? type)
        => new(scope.Tenant.Slug, member ?? $"TenantContext.Get<{type?.Name}>()");

    internal static TenantResourceNotRegisteredException NotRegistered(Type type, TenantConfiguration configuration)
    {
        if (ReferenceEquals(configuration, TenantConfiguration.Empty))
        {
            // Nothing is configured for this flow: the usual cause is tenant work outside a request of an ASP.NET Core app
            // whose host does not hold the process-wide configuration, not a missing registration.
            return new TenantResourceNotRegisteredException(type,
                "The process has no tenant configuration (TenantContext.Configure was not called and no ASP.NET Core host holds it) and no " +
                "TenantContext.UseConfiguration(...) scope is active on this flow, so the active configuration is empty. A host built with " +
                "services.AddTenantContext(...) makes its configuration process-wide from when the configuration is built (at the latest when " +
                "the host starts) until the host stops, unless the process already had one. Before that, after it, or in a second host of " +
                "the same process (test servers), activate the host's configuration for work outside a request (a hosted service, start-up " +
                "seeding, a console command) with using (app.Services.GetRequiredService<TenantContextHost>().Activate()) { ... }, and enter " +
                "the tenant inside it. An app without a host configures the process once at start-up with TenantContext.Configure(b => ...).");
        }

        string hint = type == typeof(ITenantDatabase) ? "Register one with TenantContext.Configure(b => b.Db(...)) or b.UseSqlite(...)."
            : type == typeof(ITenantStorage) ? "Register one with TenantContext.Configure(b => b.Storage(t => new FileTenantStorage(...)))."
            : type == typeof(ITenantRenderer) ? "Register one with TenantContext.Configure(b => b.Renderer(...))."
            : $"Register it with TenantContext.Configure(b => b.Add<{type.Name}>(t => ...)), or the generated Register method of your [TenantAccessors] class.";
        return new TenantResourceNotRegisteredException(type, hint);
    }
}
