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
    /// The configuration is not made process-wide: <c>app.UseTenantContext(…)</c> activates it for every request with
    /// <see cref="TenantContext.UseConfiguration"/>, so two hosts in one process (two test servers) keep their resources
    /// apart. Work outside a request activates it with <see cref="TenantContextHost.Activate"/>.
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
            return new TenantContextHost(TenantConfiguration.Build(b =>
            {
                if (loggerFactory is not null)
                {
                    b.UseLoggerFactory(loggerFactory);
                }

                configure(b);
            }));
        });
        services.AddSingleton(sp => sp.GetRequiredService<TenantContextHost>().Configuration);
        services.TryAddTransient(_ => Undisposable(TenantContext.GetDb()));
        services.TryAddTransient(_ => Undisposable(TenantContext.GetStorage()));
        services.TryAddTransient(_ => Undisposable(TenantContext.GetRenderer()));
        return services;
    }

    /// <summary>
    /// Makes the current tenant's <typeparamref name="T"/> (registered with <see cref="TenantContextBuilder.Add{T}"/> or a
    /// generated <c>Register</c>) injectable: a transient service resolved with <see cref="TenantContext.Get{T}"/> from
    /// the current tenant scope. Resolving it outside a tenant scope throws <see cref="TenantScopeRequiredException"/>.
    /// </summary>
    /// <typeparam name="T">The per-tenant type. The instance must not be disposable (the container would dispose the
    /// tenant's cached instance at the end of the request); inject a class that reads the accessor instead.</typeparam>
    /// <param name="services">The host's services.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddTenantService<T>(this IServiceCollection services) where T : class
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddTransient(_ => Undisposable(TenantContext.Get<T>()));
        return services;
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
}
