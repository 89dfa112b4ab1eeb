using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Tenancy.EntityFrameworkCore;

/// <summary>
/// Binds a pooled context to one tenant's connection for one rental. When the context goes back to the pool (or is
/// disposed), the lease disposes the tenant connection and detaches it from the context, so a context waiting in the pool
/// reaches no database at all: a rental that was not re-pointed fails instead of reaching the previous tenant's file.
/// </summary>
internal sealed class TenantConnectionLease(IRelationalConnection relationalConnection) : IResettableService, IDisposable
{
    private DbConnection? _connection;

    /// <summary>The tenant the context is bound to for this rental, or null while it waits in the pool.</summary>
    internal string? Tenant { get; private set; }

    internal void Bind(DbConnection connection, string tenant)
    {
        Release();
        relationalConnection.SetDbConnection(connection, contextOwnsConnection: false);
        _connection = connection;
        Tenant = tenant;
    }

    private void Release()
    {
        var connection = _connection;
        _connection = null;
        Tenant = null;
        if (connection is not null)
        {
            try
            {
                relationalConnection.SetDbConnection(null, contextOwnsConnection: false);
            }
            finally
            {
                connection.Dispose();
            }
        }
    }

    public void ResetState() => Release();

    public Task ResetStateAsync(CancellationToken cancellationToken = default)
    {
        Release();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        var connection = _connection;
        _connection = null;
        connection?.Dispose();
    }
}

/// <summary>Registers <see cref="TenantConnectionLease"/> in the contexts <c>AddDbContext</c> creates.</summary>
internal sealed class TenantDatabaseOptionsExtension : IDbContextOptionsExtension
{
    private ExtensionInfo? _info;

    public DbContextOptionsExtensionInfo Info => _info ??= new ExtensionInfo(this);

    public void ApplyServices(IServiceCollection services)
    {
        services.TryAddScoped<TenantConnectionLease>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IResettableService, TenantConnectionLease>(sp => sp.GetRequiredService<TenantConnectionLease>()));
    }

    public void Validate(IDbContextOptions options)
    {
    }

    private sealed class ExtensionInfo(IDbContextOptionsExtension extension) : DbContextOptionsExtensionInfo(extension)
    {
        public override bool IsDatabaseProvider => false;

        public override string LogFragment => "TenantDatabase ";

        public override int GetServiceProviderHashCode() => 0x7e4a18;

        public override bool ShouldUseSameServiceProvider(DbContextOptionsExtensionInfo other) => other is ExtensionInfo;

        public override void PopulateDebugInfo(IDictionary<string, string> debugInfo) => debugInfo["Tenancy:TenantDatabase"] = "1";
    }
}
