using Microsoft.EntityFrameworkCore;
using Tenancy.Sqlite;

namespace Tenancy.EntityFrameworkCore.Tests;

/// <summary>EF migrations per tenant, on every provider: <see cref="SqliteMigrateAllTenantsTests"/>, <see cref="PostgresMigrateAllTenantsTests"/>.</summary>
public abstract class MigrateAllTenantsTests : IAsyncLifetime
{
    protected TenantConfiguration _configuration = null!;

    protected abstract Task<TenantConfiguration> CreateConfigurationAsync();

    public async Task InitializeAsync() => _configuration = await CreateConfigurationAsync();

    public virtual async Task DisposeAsync() => await _configuration.DisposeAsync();

    private sealed class Collect<T> : IProgress<T>
    {
        public List<T> Items { get; } = new();

        public void Report(T value)
        {
            lock (Items)
            {
                Items.Add(value);
            }
        }
    }

    [Fact]
    public async Task The_report_lists_the_migrations_applied_to_each_tenant_in_the_order_given()
    {
        var report = await _configuration.MigrateAllTenantsAsync<JournalContext>(["acme", "globex", "initech"], parallelism: 2, cancellationToken: CancellationToken.None);

        Assert.Equal(["acme", "globex", "initech"], report.Results.Select(r => r.Slug).ToArray());
        Assert.All(report.Results, r => Assert.Equal(["20250101000000_Initial", "20250102000000_TextIndex"], r.AppliedMigrations));
        Assert.Equal(3, report.Succeeded);
        Assert.Equal(0, report.Failed);
    }

    [Fact]
    public async Task A_second_run_applies_nothing()
    {
        await _configuration.MigrateAllTenantsAsync<JournalContext>(["acme", "globex"], cancellationToken: CancellationToken.None);
        var report = await _configuration.MigrateAllTenantsAsync<JournalContext>(["acme", "globex"], cancellationToken: CancellationToken.None);

        Assert.All(report.Results, r => Assert.Empty(r.AppliedMigrations));
        Assert.Equal(2, report.Succeeded);
    }

    [Fact]
    public async Task A_failing_tenant_is_reported_and_the_others_are_migrated()
    {
        var report = await _configuration.MigrateAllTenantsAsync<JournalContext>(["acme", "Not A Slug", "globex"], cancellationToken: CancellationToken.None);

        Assert.Equal([true, false, true], report.Results.Select(r => r.Succeeded).ToArray());
        Assert.IsType<InvalidTenantSlugException>(report.Results[1].Error);
        Assert.Equal(1, report.Failed);
    }

    [Fact]
    public async Task Progress_is_reported_after_each_tenant()
    {
        var progress = new Collect<TenantDbContextMigrationProgress>();
        await _configuration.MigrateAllTenantsAsync<JournalContext>(["acme", "globex", "initech"], parallelism: 1, progress: progress, cancellationToken: CancellationToken.None);

        Assert.Equal([1, 2, 3], progress.Items.Select(p => p.Completed).ToArray());
        Assert.All(progress.Items, p => Assert.Equal(3, p.Total));
    }

    [Fact]
    public async Task A_migrated_tenant_is_used_without_migrating_again()
    {
        await _configuration.MigrateAllTenantsAsync<JournalContext>(["acme"], cancellationToken: CancellationToken.None);
        using var flow = TenantContext.UseConfiguration(_configuration);
        using (TenantContext.Enter("acme"))
        {
            var context = TenantContext.Get<JournalContext>();
            Assert.Empty(context.Database.GetPendingMigrations());
            context.Entries.Add(new JournalEntry { Text = "t" });
            context.SaveChanges();
        }
    }

    [Fact]
    public void The_first_use_of_a_tenant_applies_its_migrations_lazily()
    {
        using var flow = TenantContext.UseConfiguration(_configuration);
        using (TenantContext.Enter("lazy"))
        {
            var context = TenantContext.Get<JournalContext>();
            Assert.Equal(["20250101000000_Initial", "20250102000000_TextIndex"], context.Database.GetAppliedMigrations().ToArray());
        }
    }

    [Fact]
    public async Task A_cancelled_run_throws_OperationCanceledException()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _configuration.MigrateAllTenantsAsync<JournalContext>(["acme"], cancellationToken: cancelled.Token));
    }
}

public sealed class SqliteMigrateAllTenantsTests : MigrateAllTenantsTests
{
    private readonly TempFolder _folder = new();

    protected override Task<TenantConfiguration> CreateConfigurationAsync()
        => Task.FromResult(TenantConfiguration.Build(b => b
            .UseSqlite(o => { o.DataRoot = _folder.Path; o.CreateAnyTenantOnFirstUse = true; })
            .AddDbContext<JournalContext>(o => JournalContext.Configure(o.UseSqlite()))));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Without_a_list_the_active_tenants_of_the_catalog_are_migrated()
    {
        var catalog = _configuration.GetSqlite().Catalog;
        await catalog.CreateAsync("acme", cancellationToken: CancellationToken.None);
        await catalog.CreateAsync("globex", cancellationToken: CancellationToken.None);
        await catalog.CreateAsync("archived", cancellationToken: CancellationToken.None);
        await catalog.ArchiveAsync("archived", CancellationToken.None);

        var report = await _configuration.MigrateAllTenantsAsync<JournalContext>(cancellationToken: CancellationToken.None);

        Assert.Equal(["acme", "globex"], report.Results.Select(r => r.Slug).Order().ToArray());
        Assert.Equal(2, report.Succeeded);
    }
}

public sealed class PostgresMigrateAllTenantsTests : MigrateAllTenantsTests
{
    private PostgresSchemaPerTenant _schemas = null!;

    protected override async Task<TenantConfiguration> CreateConfigurationAsync()
    {
        _schemas = await PostgresSchemaPerTenant.CreateAsync();
        return TenantConfiguration.Build(b => b
            .Db(_schemas.For)
            .AddDbContext<JournalContext>(o => JournalContext.Configure(o.UseNpgsql())));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _schemas.DisposeAsync();
    }

    [Fact]
    public async Task The_migration_history_lives_in_each_tenants_schema()
    {
        await _configuration.MigrateAllTenantsAsync<JournalContext>(["acme", "globex"], cancellationToken: CancellationToken.None);

        Assert.Equal(["tenant_acme", "tenant_globex"], _schemas.Query(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = '__EFMigrationsHistory' ORDER BY 1"));
        Assert.Equal(["2"], _schemas.Query("SELECT COUNT(*) FROM tenant_acme.\"__EFMigrationsHistory\""));
    }
}
