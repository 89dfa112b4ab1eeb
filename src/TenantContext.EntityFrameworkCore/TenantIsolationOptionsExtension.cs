using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata.Conventions.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Tenancy.EntityFrameworkCore;

/// <summary>
/// The EF Core options extension behind <c>UseTenantIsolation()</c>: adds the convention that filters and indexes
/// <see cref="ITenantOwned"/> entities, and the per-context state the filter and the write guard read.
/// </summary>
internal sealed class TenantIsolationOptionsExtension(TenantIsolationOptions options) : IDbContextOptionsExtension
{
    private ExtensionInfo? _info;

    /// <summary>The options given to <c>UseTenantIsolation</c>.</summary>
    internal TenantIsolationOptions Options { get; } = options;

    public DbContextOptionsExtensionInfo Info => _info ??= new ExtensionInfo(this);

    public void ApplyServices(IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IConventionSetPlugin, TenantIsolationConventionSetPlugin>());
        services.TryAddScoped<TenantQueryState>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IResettableService, TenantQueryState>(sp => sp.GetRequiredService<TenantQueryState>()));
        TenantStateManager.Register(services);
    }

    public void Validate(IDbContextOptions options)
    {
    }

    private sealed class ExtensionInfo(IDbContextOptionsExtension extension) : DbContextOptionsExtensionInfo(extension)
    {
        public override bool IsDatabaseProvider => false;

        public override string LogFragment => "TenantIsolation ";

        public override int GetServiceProviderHashCode() => 0x7e4a17;

        public override bool ShouldUseSameServiceProvider(DbContextOptionsExtensionInfo other) => other is ExtensionInfo;

        public override void PopulateDebugInfo(IDictionary<string, string> debugInfo) => debugInfo["Tenancy:TenantIsolation"] = "1";
    }
}
