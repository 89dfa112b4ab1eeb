using Microsoft.EntityFrameworkCore;

namespace Tenancy.EntityFrameworkCore.Tests;

/// <summary>A context per tenant database, on every provider: <see cref="SqliteDatabasePerTenantTests"/>, <see cref="PostgresDatabasePerTenantTests"/>.</summary>
public abstract class DatabasePerTenantTests : IAsyncLifetime
{
    private TenantStore _files = null!;

    protected abstract Task<TenantStore> CreateStoreAsync();

    public async Task InitializeAsync() => _files = await CreateStoreAsync();

    public async Task DisposeAsync() => await _files.DisposeAsync();

    private void Save(string tenant, string name, string body = "")
    {
        using (TenantContext.Enter(tenant))
        {
            var context = TenantContext.Get<NotesContext>();
            context.Notes.Add(new Note { Name = name, Body = body, TenantId = tenant });
            context.SaveChanges();
        }
    }

    [Fact]
    public void Get_returns_a_context_bound_to_the_current_tenants_file()
    {
        using var configuration = _files.Use();
        using (TenantContext.Enter("acme"))
        {
            var context = TenantContext.Get<NotesContext>();
            Assert.Equal(_files.LocationOf("acme"), _files.LocationOf(context.Database.GetDbConnection()));
        }
    }

    [Fact]
    public void Rows_saved_in_a_tenants_scope_land_in_that_tenants_file_only()
    {
        using var configuration = _files.Use();
        Save("acme", "a1");
        Save("globex", "g1");

        Assert.Equal(["a1|"], _files.Rows("acme"));
        Assert.Equal(["g1|"], _files.Rows("globex"));
    }

    [Fact]
    public void A_scope_gets_one_context_however_often_it_asks()
    {
        using var configuration = _files.Use();
        using (TenantContext.Enter("acme"))
        {
            var first = TenantContext.Get<NotesContext>();
            using (TenantContext.Enter("acme"))
            {
                Assert.Same(first, TenantContext.Get<NotesContext>());
            }

            Assert.Same(first, TenantContext.Get<NotesContext>());
        }
    }

    [Fact]
    public void The_context_returns_to_the_pool_when_the_scope_ends()
    {
        using var configuration = _files.Use();
        NotesContext first;
        using (TenantContext.Enter("acme"))
        {
            first = TenantContext.Get<NotesContext>();
        }

        Assert.Throws<ObjectDisposedException>(() => first.Notes.ToList());
        using (TenantContext.Enter("acme"))
        {
            Assert.Same(first, TenantContext.Get<NotesContext>());
        }
    }

    [Fact]
    public void A_pooled_context_rented_by_the_next_tenant_never_reaches_the_previous_tenants_file()
    {
        // Regression: a pooled EF context keeps its connection (string) when it is returned to the pool, so a rental
        // that is not re-pointed still reaches the previous tenant's database.
        using var configuration = _files.Use();
        NotesContext acmeContext;
        using (TenantContext.Enter("acme"))
        {
            acmeContext = TenantContext.Get<NotesContext>();
            acmeContext.Notes.Add(new Note { Name = "secret", TenantId = "acme" });
            acmeContext.SaveChanges();
        }

        using (TenantContext.Enter("globex"))
        {
            var context = TenantContext.Get<NotesContext>();
            Assert.Same(acmeContext, context); // the very instance acme used: pool size 1
            Assert.Equal(_files.LocationOf("globex"), _files.LocationOf(context.Database.GetDbConnection()));
            Assert.Empty(context.Notes.ToList());
            Assert.Empty(context.ChangeTracker.Entries());
            context.Notes.Add(new Note { Name = "public", TenantId = "globex" });
            context.SaveChanges();
        }

        Assert.Equal(["secret|"], _files.Rows("acme"));
        Assert.Equal(["public|"], _files.Rows("globex"));
    }

    [Fact]
    public void A_pooled_context_reused_across_1000_tenant_switches_serves_each_tenant_only_its_own_rows()
    {
        using var configuration = _files.Use();
        var tenants = Enumerable.Range(0, 10).Select(i => $"tenant-{i}").ToArray();
        var expected = tenants.ToDictionary(t => t, _ => new List<string>());
        var random = new Random(1234);
        var instances = new HashSet<NotesContext>(ReferenceEqualityComparer.Instance);

        for (int i = 0; i < 1000; i++)
        {
            var tenant = tenants[random.Next(tenants.Length)];
            using (TenantContext.Enter(tenant))
            {
                var context = TenantContext.Get<NotesContext>();
                instances.Add(context);
                var seen = context.Notes.OrderBy(n => n.Id).Select(n => n.Body).ToList();
                Assert.Equal(expected[tenant], seen);
                if (random.Next(3) == 0)
                {
                    var body = $"{tenant}#{i}";
                    context.Notes.Add(new Note { Name = body, Body = body, TenantId = tenant });
                    context.SaveChanges();
                    expected[tenant].Add(body);
                }
            }
        }

        Assert.Single(instances);
        foreach (var tenant in tenants)
        {
            Assert.All(_files.Rows(tenant), row => Assert.StartsWith(tenant + "#", row));
            Assert.Equal(expected[tenant].Count, _files.Rows(tenant).Length);
        }
    }

    [Fact]
    public void Get_outside_a_scope_throws_TenantScopeRequiredException()
    {
        using var configuration = _files.Use();
        Assert.Throws<TenantScopeRequiredException>(() => TenantContext.Get<NotesContext>());
    }

    [Fact]
    public void The_first_use_of_a_tenant_creates_the_contexts_tables_in_its_file()
    {
        using var configuration = _files.Use();
        using (TenantContext.Enter("fresh"))
        {
            Assert.Empty(TenantContext.Get<NotesContext>().Notes.ToList());
        }

        Assert.Empty(_files.Rows("fresh"));
    }

    [Fact]
    public void GetDbContexts_Create_rents_a_context_the_caller_disposes()
    {
        using var configuration = _files.Use();
        using (TenantContext.Enter("acme"))
        {
            using (var context = _files.Configuration.GetDbContexts<NotesContext>().Create())
            {
                context.Notes.Add(new Note { Name = "n", TenantId = "acme" });
                context.SaveChanges();
            }
        }

        Assert.Equal(["n|"], _files.Rows("acme"));
    }

    [Fact]
    public async Task GetDbContexts_CreateAsync_creates_a_new_tenants_tables_and_rents_a_context_the_caller_disposes()
    {
        using var configuration = _files.Use();
        using (TenantContext.Enter("async-first"))
        {
            await using (var context = await _files.Configuration.GetDbContexts<NotesContext>().CreateAsync())
            {
                Assert.Empty(await context.Notes.ToListAsync());
                context.Notes.Add(new Note { Name = "n", TenantId = "async-first" });
                await context.SaveChangesAsync();
            }
        }

        Assert.Equal(["n|"], _files.Rows("async-first"));
    }

    [Fact]
    public async Task CreateAsync_with_a_cancelled_token_throws_and_the_next_CreateAsync_of_the_tenant_works()
    {
        using var configuration = _files.Use();
        var contexts = _files.Configuration.GetDbContexts<NotesContext>();
        using (TenantContext.Enter("async-cancelled"))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await contexts.CreateAsync(new CancellationToken(canceled: true)));

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await using var context = await contexts.CreateAsync(timeout.Token);
            Assert.Empty(await context.Notes.ToListAsync());
        }
    }
}

public sealed class SqliteDatabasePerTenantTests : DatabasePerTenantTests
{
    protected override Task<TenantStore> CreateStoreAsync() => Task.FromResult<TenantStore>(new TenantFiles());
}

public sealed class PostgresDatabasePerTenantTests : DatabasePerTenantTests
{
    protected override async Task<TenantStore> CreateStoreAsync() => await PostgresTenantSchemas.CreateAsync();
}

public sealed class DatabasePerTenantWithSqliteMigrationsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Tables_are_created_next_to_tables_the_SQLite_package_migrated()
    {
        using var configuration = TenantConfiguration.Build(b => b
            .UseSqlite(o =>
            {
                o.DataRoot = _folder.Path;
                o.CreateAnyTenantOnFirstUse = true;
                o.Migrations.Add(1, "preferences", "CREATE TABLE Preferences (Key TEXT PRIMARY KEY, Value TEXT)");
            })
            .AddDbContext<NotesContext>(o => o.UseSqlite()));
        using var flow = TenantContext.UseConfiguration(configuration);
        using (TenantContext.Enter("acme"))
        {
            var context = TenantContext.Get<NotesContext>();
            context.Notes.Add(new Note { Name = "n", TenantId = "acme" });
            context.SaveChanges();
            Assert.Equal(0, context.Database.SqlQueryRaw<int>("SELECT COUNT(*) AS Value FROM Preferences").Single());
        }
    }
}

public sealed class DatabasePerTenantWithRowLevelIsolationTests : IDisposable
{
    private readonly TenantFiles _files = new(configure: o => o.UseTenantIsolation());

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Both_modes_combine_rows_are_stamped_and_filtered_inside_each_tenants_file()
    {
        using var configuration = _files.Use();
        using (TenantContext.Enter("acme"))
        {
            var context = TenantContext.Get<NotesContext>();
            context.Notes.Add(new Note { Name = "n" });
            context.SaveChanges();
            Assert.Equal("acme", context.Notes.Single().TenantId);
        }
    }
}
