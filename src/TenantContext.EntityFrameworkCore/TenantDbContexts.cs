using System.Data.Common;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace Tenancy.EntityFrameworkCore;

/// <summary>
/// The pooled contexts of one <typeparamref name="TContext"/> registered with <c>AddDbContext</c>: rents a context from
/// the pool, points it at the current tenant's connection (<see cref="TenantContext.GetDb"/>), and creates or migrates the
/// tenant's schema on first use. Reach it with <c>configuration.GetDbContexts&lt;TContext&gt;()</c>.
/// </summary>
/// <typeparam name="TContext">The context type.</typeparam>
public sealed class TenantDbContexts<TContext>
    where TContext : DbContext
{
    private readonly PooledDbContextFactory<TContext> _pool;

    internal TenantDbContexts(DbContextOptions<TContext> options, int poolSize)
    {
        Options = options;
        PoolSize = poolSize;
        _pool = new PooledDbContextFactory<TContext>(options, poolSize);
    }

    /// <summary>The options every pooled context is created with (no connection: each rental is given its tenant's).</summary>
    public DbContextOptions<TContext> Options { get; }

    /// <summary>The most contexts kept in the pool.</summary>
    public int PoolSize { get; }

    /// <summary>
    /// Rents a context bound to the current tenant's database, its schema created or migrated if this process has not
    /// done so yet. The caller disposes it (which returns it to the pool and closes the tenant connection). Inside a
    /// scope, prefer <c>TenantContext.Get&lt;TContext&gt;()</c>, which returns one context per scope and disposes it with the scope.
    /// </summary>
    /// <exception cref="TenantScopeRequiredException">No tenant scope is active.</exception>
    public TContext Create()
    {
        var context = Rent(TenantContext.Current.Slug);
        try
        {
            TenantContext.Get<TenantDbSchema<TContext>>().EnsureCurrent(context);
            return context;
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The asynchronous <see cref="Create"/>: the tenant's connection is opened, and its schema created or migrated on
    /// first use, with asynchronous I/O, so a request thread never blocks on them (<see cref="Create"/> and
    /// <c>TenantContext.Get&lt;TContext&gt;()</c> are synchronous and block on the first use of a tenant in this process;
    /// run <c>MigrateAllTenantsAsync</c> at start-up, or rent with this method, to keep that off request threads).
    /// </summary>
    /// <param name="cancellationToken">Cancels opening the connection, waiting for another caller's migration, and the
    /// migration itself (EF applies each migration in its own transaction: a cancelled run leaves the schema at a
    /// migration boundary, and the next use resumes from there).</param>
    /// <exception cref="TenantScopeRequiredException">No tenant scope is active.</exception>
    public async ValueTask<TContext> CreateAsync(CancellationToken cancellationToken = default)
    {
        var context = await RentAsync(TenantContext.Current.Slug, cancellationToken).ConfigureAwait(false);
        try
        {
            await TenantContext.Get<TenantDbSchema<TContext>>().EnsureCurrentAsync(context, cancellationToken).ConfigureAwait(false);
            return context;
        }
        catch
        {
            await context.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Rents a context bound to the current tenant's connection and scope, without touching its schema.</summary>
    internal TContext Rent(string tenant) => Bind(TenantContext.GetDb().OpenConnection(), tenant);

    private async ValueTask<TContext> RentAsync(string tenant, CancellationToken cancellationToken)
        => Bind(await TenantContext.GetDb().OpenConnectionAsync(cancellationToken).ConfigureAwait(false), tenant);

    /// <summary>Rents a pooled context and binds it to an open connection of <paramref name="tenant"/> (disposed on failure).</summary>
    private TContext Bind(DbConnection connection, string tenant)
    {
        TContext? context = null;
        try
        {
            var ticket = TenantContext.IsActive ? TenantContext.Get<TenantScopeTicket>() : null;
            context = _pool.CreateDbContext();
            context.GetService<TenantConnectionLease>().Bind(connection, tenant, ticket);
            return context;
        }
        catch
        {
            if (context is null)
            {
                connection.Dispose();
            }
            else
            {
                context.Dispose();
            }

            throw;
        }
    }

    /// <summary>Migrates (or creates) the current tenant's schema now, and reports what was applied.</summary>
    internal async Task<TenantDbContextMigrationResult> MigrateCurrentAsync(CancellationToken cancellationToken)
    {
        var slug = TenantContext.Current.Slug;
        var started = Stopwatch.GetTimestamp();
        try
        {
            var context = Rent(slug);
            await using (context.ConfigureAwait(false))
            {
                var applied = await TenantContext.Get<TenantDbSchema<TContext>>().MigrateAsync(context, cancellationToken).ConfigureAwait(false);
                return new TenantDbContextMigrationResult(slug, applied, Stopwatch.GetElapsedTime(started), null);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new TenantDbContextMigrationResult(slug, [], Stopwatch.GetElapsedTime(started), ex);
        }
    }
}

/// <summary>
/// Whether this process has brought one tenant's schema up to date for <typeparamref name="TContext"/>. Registered per
/// tenant, so when the tenant is evicted or forgotten (archived, deleted) the knowledge goes with it and the next use
/// checks again.
/// </summary>
internal sealed class TenantDbSchema<TContext>
    where TContext : DbContext
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _ready;

    internal void EnsureCurrent(TContext context)
    {
        if (_ready)
        {
            return;
        }

        _gate.Wait();
        try
        {
            if (!_ready)
            {
                Apply(context);
                _ready = true;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    internal async ValueTask EnsureCurrentAsync(TContext context, CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_ready)
            {
                await ApplyAsync(context, cancellationToken).ConfigureAwait(false);
                _ready = true;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    internal async Task<IReadOnlyList<string>> MigrateAsync(TContext context, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var applied = await ApplyAsync(context, cancellationToken).ConfigureAwait(false);
            _ready = true;
            return applied;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static void Apply(TContext context)
    {
        var database = context.Database;
        if (database.GetMigrations().Any())
        {
            if (database.GetPendingMigrations().Any())
            {
                database.Migrate();
            }
        }
        else
        {
            CreateTablesIfMissing(context);
        }
    }

    private static async Task<IReadOnlyList<string>> ApplyAsync(TContext context, CancellationToken cancellationToken)
    {
        var database = context.Database;
        if (!database.GetMigrations().Any())
        {
            return CreateTablesIfMissing(context) ? ["(EnsureCreated)"] : [];
        }

        var pending = (await database.GetPendingMigrationsAsync(cancellationToken).ConfigureAwait(false)).ToList();
        if (pending.Count > 0)
        {
            await database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        }

        return pending;
    }

    /// <summary>
    /// For a context without EF migrations: creates the model's tables when none of them exists yet. The tenant database
    /// may hold tables of its own (from the store's migrations, say), so EF's <c>EnsureCreated</c> ("any table at all")
    /// does not fit, and a provider's catalog query (<c>sqlite_master</c>, <c>information_schema</c>) would tie this package
    /// to one provider: each table is probed with a query that reads no row, on the tenant's own connection, where the
    /// connection's search path (a PostgreSQL schema per tenant) applies as it does to every query.
    /// </summary>
    private static bool CreateTablesIfMissing(TContext context)
    {
        var tables = context.Model.GetRelationalModel().Tables.Select(t => (t.Name, t.Schema)).Distinct().ToList();
        if (tables.Count == 0)
        {
            return false;
        }

        var missing = tables.Where(t => !TableExists(context, t.Name, t.Schema)).ToList();
        if (missing.Count == 0)
        {
            return false;
        }

        if (missing.Count < tables.Count)
        {
            throw new InvalidOperationException(
                $"The tenant database has some of {typeof(TContext).Name}'s tables but not all ({string.Join(", ", missing.Select(t => t.Name))} missing). " +
                "Without EF migrations only a database with none of the tables can be created: add migrations (dotnet ef migrations add Initial) so the schema can evolve.");
        }

        context.GetService<IRelationalDatabaseCreator>().CreateTables();
        if (TenantRowLevelSecurity.Applies(context))
        {
            context.Database.EnsureTenantRowLevelSecurity();
        }

        return true;
    }

    private static bool TableExists(TContext context, string table, string? schema)
    {
        var sql = context.GetService<ISqlGenerationHelper>();
        var connection = context.Database.GetDbConnection();
        using var command = connection.CreateCommand();
        command.Transaction = context.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = $"SELECT 1 FROM {sql.DelimitIdentifier(table, schema)} WHERE 1 = 0";
        try
        {
            using var reader = command.ExecuteReader();
            return true;
        }
        catch (DbException)
        {
            return false;
        }
    }
}
