using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Tenancy.EntityFrameworkCore;

/// <summary>
/// The options extension <c>AddDbContext</c> puts on its pooled contexts: registers <see cref="TenantConnectionLease"/>,
/// the tenant-aware state manager, and the command interceptor that asks the lease before every command.
/// </summary>
internal sealed class TenantRentalExtension : IDbContextOptionsExtension
{
    private ExtensionInfo? _info;

    public DbContextOptionsExtensionInfo Info => _info ??= new ExtensionInfo(this);

    internal static void Apply(DbContextOptionsBuilder options)
    {
        ((IDbContextOptionsBuilderInfrastructure)options).AddOrUpdateExtension(new TenantRentalExtension());
        options.AddInterceptors(TenantRentalInterceptor.Instance);
    }

    /// <summary>Refuses options without a relational provider, or whose provider was given a connection of its own.</summary>
    internal static void ValidateProvider(DbContextOptions options, Type context)
    {
        var providers = options.Extensions.Where(e => e.Info.IsDatabaseProvider).ToList();
        var relational = providers.OfType<RelationalOptionsExtension>().FirstOrDefault();
        if (relational is null)
        {
            var found = providers.Count == 0 ? "no database provider" : $"a provider that is not relational ({providers[0].GetType().Name})";
            throw new InvalidOperationException(
                $"AddDbContext<{context.Name}> found {found}. Choose the EF Core provider of the tenant databases in the callback, with no connection: " +
                $"AddDbContext<{context.Name}>(o => o.UseSqlite()) for SQLite files, o => o.UseNpgsql() for PostgreSQL; each rental is given its tenant's connection.");
        }

        if (relational.Connection is not null || !string.IsNullOrEmpty(relational.ConnectionString))
        {
            throw new InvalidOperationException(
                $"AddDbContext<{context.Name}> was given a connection or connection string ({relational.GetType().Name}). Each rental is given the current tenant's connection " +
                $"(TenantContext.GetDb()), so a fixed one would send every tenant to one database: call the provider without it, for example o => o.UseSqlite() or o => o.UseNpgsql().");
        }
    }

    public void ApplyServices(IServiceCollection services)
    {
        services.TryAddScoped<TenantConnectionLease>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IResettableService, TenantConnectionLease>(sp => sp.GetRequiredService<TenantConnectionLease>()));
        TenantStateManager.Register(services);
    }

    public void Validate(IDbContextOptions options)
    {
    }

    private sealed class ExtensionInfo(IDbContextOptionsExtension extension) : DbContextOptionsExtensionInfo(extension)
    {
        public override bool IsDatabaseProvider => false;

        public override string LogFragment => "TenantRental ";

        public override int GetServiceProviderHashCode() => 0x7e4a18;

        public override bool ShouldUseSameServiceProvider(DbContextOptionsExtensionInfo other) => other is ExtensionInfo;

        public override void PopulateDebugInfo(IDictionary<string, string> debugInfo) => debugInfo["Tenancy:TenantRental"] = "1";
    }
}

/// <summary>Asks the context's lease before every command it sends: queries, saves, raw SQL, bulk updates, migrations.</summary>
internal sealed class TenantRentalInterceptor : DbCommandInterceptor
{
    internal static readonly TenantRentalInterceptor Instance = new();

    private static void Check(CommandEventData eventData)
        => eventData.Context?.GetService<TenantConnectionLease>().EnsureServesCurrentFlow(Describe(eventData.CommandSource));

    private static string Describe(CommandSource source) => source switch
    {
        CommandSource.SaveChanges => "SaveChanges",
        CommandSource.Migrations => "A migration",
        CommandSource.ExecuteUpdate => "ExecuteUpdate",
        CommandSource.ExecuteDelete => "ExecuteDelete",
        CommandSource.FromSqlQuery or CommandSource.ExecuteSqlRaw => "Raw SQL",
        _ => "A query",
    };

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Check(eventData);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Check(eventData);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Check(eventData);
        return result;
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Check(eventData);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Check(eventData);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Check(eventData);
        return ValueTask.FromResult(result);
    }
}
