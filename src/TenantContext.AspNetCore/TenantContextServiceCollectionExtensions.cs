using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Tenancy.AspNetCore;

/// <summary>Registers TenantContext with an ASP.NET Core host.</summary>
public static class TenantContextServiceCollectionExtensions
{
    /// <summary>
    /// Builds a <see cref="TenantConfiguration"/> owned by the host (a <see cref="TenantContextHost"/> singleton, disposed
    /// with the host), with the host's <see cref="ILoggerFactory"/>, and makes the current tenant's
    /// <see cref="ITenantDatabase"/>, <see cref="ITenantStorage"/> and <see cref="ITenantRenderer"/> injectable (transient
    /// services resolved from the current tenant scope). Make your own per-tenant types injectable with
    /// <see cref="AddTenantService{T}"/>.
    /// </summary>
    /// <remarks>
    /// A tenant's resource is injectable only into services resolved from a request's (or another) service scope. Resolved
    /// from the root provider — the constructor of a singleton, a hosted service or a middleware, or
    /// <c>app.Services.GetService</c> — it would be the first caller's tenant for every later request, so that resolution
    /// throws <see cref="InvalidOperationException"/> saying what to do instead.
    /// </remarks>
    /// <remarks>
    /// <c>app.UseTenantContext(…)</c> activates the configuration for every request with
    /// <see cref="TenantContext.UseConfiguration"/>, so two hosts in one process (two test servers) never share resources
    /// in a request. Outside requests it is the process-wide configuration — what <c>TenantContext.Run("acme", …)</c> in a
    /// <c>BackgroundService</c>, a timer or start-up code uses — from when it is built (by <c>UseTenantContext</c> or
    /// whatever resolves it, at the latest when the host starts) until the host stops or is disposed, unless the process
    /// already has one: <see cref="TenantContext.Configure"/> called by the app (which wins, also later: it replaces the
    /// host's without disposing it), or another host's. Such a second host's work outside a request activates its own
    /// configuration with <see cref="TenantContextHost.Activate"/>.
    /// </remarks>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Registers roles and services, as for <see cref="TenantContext.Configure"/>.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="InvalidOperationException"><c>AddTenantContext</c> was already called on these services.</exception>
    public static IServiceCollection AddTenantContext(this IServiceCollection services, Action<TenantContextBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        if (services.Any(d => d.ServiceType == typeof(TenantContextHost)))
        {
            throw new InvalidOperationException("AddTenantContext was already called on these services. Register every role and service in one call.");
        }

        services.AddSingleton(sp =>
        {
            var loggerFactory = sp.GetService<ILoggerFactory>();
            var host = new TenantContextHost(TenantConfiguration.Build(b =>
            {
                if (loggerFactory is not null)
                {
                    b.UseLoggerFactory(loggerFactory);
                }

                configure(b);
            }));
            host.LendToProcess();
            return host;
        });
        services.AddSingleton(sp => sp.GetRequiredService<TenantContextHost>().Configuration);
        services.AddHostedService<ProcessWideConfiguration>();
        services.TryAddSingleton(sp => new RootServices(sp));
        services.TryAddTransient(sp => FromScope(sp, TenantContext.GetDb, "TenantContext.GetDb()"));
        services.TryAddTransient(sp => FromScope(sp, TenantContext.GetStorage, "TenantContext.GetStorage()"));
        services.TryAddTransient(sp => FromScope(sp, TenantContext.GetRenderer, "TenantContext.GetRenderer()"));
        return services;
    }

    /// <summary>
    /// Makes the current tenant's <typeparamref name="T"/> (registered with <see cref="TenantContextBuilder.Add{T}"/> or a
    /// generated <c>Register</c>) injectable: a transient service resolved with <see cref="TenantContext.Get{T}"/> from
    /// the current tenant scope. Resolving it outside a tenant scope throws <see cref="TenantScopeRequiredException"/>;
    /// resolving it from the root provider (a singleton's or hosted service's constructor) throws
    /// <see cref="InvalidOperationException"/>, because the instance would keep the first caller's tenant.
    /// </summary>
    /// <typeparam name="T">The per-tenant type. The instance must not be disposable (the container would dispose the
    /// tenant's cached instance at the end of the request); inject a class that reads the accessor instead.</typeparam>
    /// <param name="services">The host's services.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddTenantService<T>(this IServiceCollection services) where T : class
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(sp => new RootServices(sp));
        services.TryAddTransient(sp => FromScope(sp, TenantContext.Get<T>, $"TenantContext.Get<{typeof(T).Name}>()"));
        return services;
    }

    /// <summary>
    /// The current tenant's <typeparamref name="T"/> for a consumer resolved from a service scope. From the root provider
    /// (a singleton, a hosted service, a middleware's constructor) it is refused: the consumer would keep this tenant's
    /// instance for every later request.
    /// </summary>
    private static T FromScope<T>(IServiceProvider provider, Func<T> current, string accessor) where T : class
    {
        if (provider.GetService<RootServices>() is { } root && ReferenceEquals(root.Provider, provider))
        {
            throw new InvalidOperationException(
                $"{typeof(T).Name} was resolved from the root service provider: a singleton, a hosted service or a middleware took it in " +
                "its constructor (or app.Services resolved it), so it would keep one tenant's instance for every later request. Take it " +
                $"in a scoped or transient service, or in the endpoint's or middleware's Invoke parameters; a long-lived service should " +
                $"call {accessor} (or a generated accessor such as Wiki.Db) each time it needs it, inside a tenant scope.");
        }

        return Undisposable(current());
    }

    private static T Undisposable<T>(T instance) where T : class
    {
        if (instance is IDisposable or IAsyncDisposable)
        {
            throw new InvalidOperationException(
                $"The current tenant's {typeof(T).Name} ({instance.GetType().Name}) is disposable, so the dependency-injection container would " +
                "dispose the tenant's own instance at the end of the request. Do not inject it: read it where you need it with " +
                $"TenantContext.Get<{typeof(T).Name}>() or a generated accessor (Wiki.Db), inside a [RequiresTenant] member.");
        }

        return instance;
    }

    /// <summary>The root provider, as the container hands it to singleton factories.</summary>
    private sealed class RootServices(IServiceProvider provider)
    {
        public IServiceProvider Provider { get; } = provider;
    }
}
