namespace Tenancy;

/// <summary>The exceptions of the scope engine, each saying what to do next.</summary>
internal static class ScopeErrors
{
    internal static Exception NoScope(object? current, string member)
        => current is TenantScope ended ? Ended(ended, member, null) : new TenantScopeRequiredException(member);

    internal static TenantScopeEndedException Ended(TenantScope scope, string? member, Type? type)
        => new(scope.Tenant.Slug, member ?? $"TenantContext.Get<{type?.Name}>()");

    internal static TenantResourceNotRegisteredException NotRegistered(Type type)
    {
        string hint = type == typeof(ITenantDatabase) ? "Register one with TenantContext.Configure(b => b.Db(...)) or b.UseSqlite(...)."
            : type == typeof(ITenantStorage) ? "Register one with TenantContext.Configure(b => b.Storage(t => new FileTenantStorage(...)))."
            : type == typeof(ITenantRenderer) ? "Register one with TenantContext.Configure(b => b.Renderer(...))."
            : $"Register it with TenantContext.Configure(b => b.Add<{type.Name}>(t => ...)), or the generated Register method of your [TenantAccessors] class.";
        return new TenantResourceNotRegisteredException(type, hint);
    }
}
