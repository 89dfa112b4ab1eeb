using System.Collections;
using Microsoft.Extensions.Logging;

namespace Tenancy;

/// <summary>Puts the current tenant into log scopes.</summary>
public static class TenantLogging
{
    /// <summary>The log-scope property that carries the tenant slug.</summary>
    public const string TenantProperty = "Tenant";

    /// <summary>
    /// Begins a log scope carrying the current tenant (<c>Tenant=acme</c>), or returns null outside a tenant scope.
    /// The ASP.NET Core middleware does this for every request.
    /// </summary>
    /// <param name="logger">The logger.</param>
    public static IDisposable? BeginTenantScope(this ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        return TenantContext.TryGetCurrent(out var tenant) ? logger.BeginScope(new TenantLogState(tenant.Slug)) : null;
    }

    /// <summary>Begins a log scope carrying <paramref name="tenant"/>.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="tenant">The tenant.</param>
    public static IDisposable? BeginTenantScope(this ILogger logger, TenantInfo tenant)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(tenant);
        return logger.BeginScope(new TenantLogState(tenant.Slug));
    }

    /// <summary>Structured scope state: one property, formatted as <c>Tenant:acme</c>.</summary>
    private sealed class TenantLogState(string slug) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public int Count => 1;

        public KeyValuePair<string, object?> this[int index]
            => index == 0 ? new(TenantProperty, slug) : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield return this[0];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"{TenantProperty}:{slug}";
    }
}
