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
            // Nothing was ever configured for this flow: the usual cause is an ASP.NET Core app (AddTenantContext keeps
            // its configuration to its requests) doing tenant work outside a request, not a missing registration.
            return new TenantResourceNotRegisteredException(type,
                "TenantContext.Configure was never called in this process and no TenantContext.UseConfiguration(...) scope is active on this " +
                "flow, so the active configuration is empty. If the app registers TenantContext with services.AddTenantContext(...) " +
                "(ASP.NET Core), that configuration serves requests only: activate it for work outside a request (a hosted service, " +
                "start-up seeding, a console command) with using (app.Services.GetRequiredService<TenantContextHost>().Activate()) { ... }, " +
                "and enter the tenant inside it. Otherwise configure the process once at start-up with TenantContext.Configure(b => ...).");
        }

        string hint = type == typeof(ITenantDatabase) ? "Register one with TenantContext.Configure(b => b.Db(...)) or b.UseSqlite(...)."
            : type == typeof(ITenantStorage) ? "Register one with TenantContext.Configure(b => b.Storage(t => new FileTenantStorage(...)))."
            : type == typeof(ITenantRenderer) ? "Register one with TenantContext.Configure(b => b.Renderer(...))."
            : $"Register it with TenantContext.Configure(b => b.Add<{type.Name}>(t => ...)), or the generated Register method of your [TenantAccessors] class.";
        return new TenantResourceNotRegisteredException(type, hint);
    }
}
