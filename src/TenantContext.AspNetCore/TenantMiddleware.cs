using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tenancy.AspNetCore;

/// <summary>Runs the resolvers that rewrite the path (path prefix) before routing, and restores the path afterwards.</summary>
internal sealed class TenantPathMiddleware(RequestDelegate next, IPreRoutingTenantResolver[] resolvers)
{
    public async Task InvokeAsync(HttpContext context)
    {
        Action? restore = null;
        foreach (var resolver in resolvers)
        {
            restore = resolver.BeforeRouting(context);
            if (restore is not null)
            {
                break;
            }
        }

        try
        {
            await next(context);
        }
        finally
        {
            restore?.Invoke();
        }
    }
}

/// <summary>
/// Activates the host's configuration, resolves the tenant (first resolver to answer wins; with
/// <see cref="TenantResolutionOptions.RefuseAmbiguousTenants"/>, two resolvers naming different tenants are refused), refuses invalid (400) and
/// unknown or archived (404, one answer for both) tenants with problem details, and runs the rest of the pipeline inside the tenant's scope
/// with the tenant in the log scope.
/// </summary>
internal sealed partial class TenantScopeMiddleware(
    RequestDelegate next, TenantResolutionOptions options, TenantContextHost host, ILogger<TenantScopeMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        using var configuration = TenantContext.UseConfiguration(host.Configuration);
        string? candidate = null;
        ITenantResolver? resolvedBy = null;
        foreach (var resolver in options.Resolvers)
        {
            candidate = resolver.Resolve(context);
            if (candidate is not null)
            {
                resolvedBy = resolver;
                break;
            }
        }

        if (candidate is not null && options.RefuseAmbiguousTenants)
        {
            foreach (var other in options.Resolvers)
            {
                if (other != resolvedBy && other.Resolve(context) is { } second && !string.Equals(second, candidate, StringComparison.Ordinal))
                {
                    LogAmbiguous(logger, resolvedBy!.Name, other.Name);
                    await WriteProblemAsync(context, StatusCodes.Status400BadRequest, "Ambiguous tenant",
                        $"This request names two tenants (by its {resolvedBy.Name} and by its {other.Name}). Name one.", null, null);
                    return;
                }
            }
        }

        if (candidate is null)
        {
            var endpoint = context.GetEndpoint();
            if (endpoint is null || endpoint.Metadata.GetMetadata<AllowWithoutTenantAttribute>() is not null)
            {
                await next(context);
                return;
            }

            LogNoTenant(logger, context.Request.Host.Value, endpoint.DisplayName);
            await WriteProblemAsync(context, StatusCodes.Status404NotFound, "No tenant",
                "This address does not name a tenant, and the endpoint needs one.", null, null);
            return;
        }

        var rule = TenantSlug.Check(candidate);
        if (rule != TenantSlugRule.None)
        {
            var error = new InvalidTenantSlugException(candidate, rule);
            LogInvalid(logger, resolvedBy!.Name, error.Message);
            await WriteProblemAsync(context, StatusCodes.Status400BadRequest, "Invalid tenant", error.Message, null, resolvedBy.Name);
            return;
        }

        TenantScope scope;
        try
        {
            scope = TenantContext.Enter(candidate);
        }
        catch (TenantUnavailableException ex)
        {
            // Unknown and archived get the same answer, so a stranger cannot tell which names exist; the log says which.
            LogUnavailable(logger, candidate, ex.Reason, resolvedBy!.Name);
            await WriteProblemAsync(context, StatusCodes.Status404NotFound, "Unknown tenant", $"There is no tenant '{candidate}'.", candidate, resolvedBy.Name);
            return;
        }

        await using (scope)
        {
            using (logger.BeginTenantScope(scope.Tenant))
            {
                await next(context);
            }
        }
    }

    private static async Task WriteProblemAsync(HttpContext context, int status, string title, string detail, string? tenant, string? resolvedBy)
    {
        var problem = new ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = detail,
            Type = status == StatusCodes.Status400BadRequest
                ? "https://tools.ietf.org/html/rfc9110#section-15.5.1"
                : "https://tools.ietf.org/html/rfc9110#section-15.5.5",
            Instance = context.Request.PathBase.Add(context.Request.Path),
        };
        if (tenant is not null)
        {
            problem.Extensions["tenant"] = tenant;
        }

        if (resolvedBy is not null)
        {
            problem.Extensions["resolvedBy"] = resolvedBy;
        }

        context.Response.StatusCode = status;
        var service = context.RequestServices.GetService<IProblemDetailsService>();
        if (service is null || !await service.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }))
        {
            await Results.Problem(problem).ExecuteAsync(context);
        }
    }

    [LoggerMessage(1, LogLevel.Debug, "No tenant for host {Host}; endpoint {Endpoint} needs one (404).")]
    private static partial void LogNoTenant(ILogger logger, string? host, string? endpoint);

    [LoggerMessage(2, LogLevel.Information, "Refused an invalid tenant from the {Resolver} resolver (400): {Reason}")]
    private static partial void LogInvalid(ILogger logger, string resolver, string reason);

    [LoggerMessage(3, LogLevel.Information, "Refused tenant {Tenant} from the {Resolver} resolver (404): {Reason}.")]
    private static partial void LogUnavailable(ILogger logger, string tenant, TenantUnavailableReason reason, string resolver);

    [LoggerMessage(4, LogLevel.Information, "Refused a request whose {First} and {Second} resolvers name different tenants (400).")]
    private static partial void LogAmbiguous(ILogger logger, string first, string second);
}
