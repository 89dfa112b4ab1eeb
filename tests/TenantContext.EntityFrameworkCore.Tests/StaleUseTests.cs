using Microsoft.EntityFrameworkCore;

namespace Tenancy.EntityFrameworkCore.Tests;

/// <summary>
/// A pooled context captured by work that outlives its scope (<c>_ = Task.Run(() => db...)</c>) must never act for the
/// tenant that rents the same instance next. The stale flow is reproduced exactly with <see cref="ExecutionContext"/>: it
/// carries the scope that has ended, as a fire-and-forget task started inside the scope does.
/// </summary>
public abstract class StaleUseTests : IAsyncLifetime
{
    private TenantStore _files = null!;

    /// <summary>A store whose pool holds one context, so every rental reuses the instance stale work still holds.</summary>
    protected abstract Task<TenantStore> CreateStoreAsync();

    public async Task InitializeAsync() => _files = await CreateStoreAsync();

    public async Task DisposeAsync() => await _files.DisposeAsync();

    /// <summary>Rents acme's context and returns it with the flow of acme's (now ended) scope.</summary>
    private static (NotesContext Context, ExecutionContext Flow) RentAndLeave(string tenant)
    {
        using (TenantContext.Enter(tenant))
        {
            var context = TenantContext.Get<NotesContext>();
            context.Notes.Add(new Note { Name = $"{tenant}-row", TenantId = tenant });
            context.SaveChanges();
            return (context, ExecutionContext.Capture()!);
        }
    }

    private static Exception? OnFlow(ExecutionContext flow, Action work)
    {
        Exception? thrown = null;
        ExecutionContext.Run(flow.CreateCopy(), _ => thrown = Record.Exception(work), null);
        return thrown;
    }

    public static TheoryData<string> StaleOperations => new()
    {
        "query", "async query", "save", "raw sql", "execute delete", "execute update", "find", "local", "entry", "connection",
    };

    private static void Run(NotesContext context, string operation)
    {
        switch (operation)
        {
            case "query": context.Notes.ToList(); break;
            case "async query": context.Notes.ToListAsync(CancellationToken.None).GetAwaiter().GetResult(); break;
            case "save": context.Notes.Add(new Note { Name = "stale", TenantId = "acme" }); context.SaveChanges(); break;
            case "raw sql": context.Database.SqlQuery<int>($"SELECT 1 AS \"Value\"").ToList(); break;
            case "execute delete": context.Notes.ExecuteDelete(); break;
            case "execute update": context.Notes.ExecuteUpdate(s => s.SetProperty(n => n.Body, "stale")); break;
            case "find": context.Notes.Find(1); break;
            case "local": context.Notes.Local.ToList(); break;
            case "entry": context.Entry(new Note { Id = 1 }); break;
            case "connection": context.Database.ExecuteSql($"SELECT 1"); break;
        }
    }

    [Theory]
    [MemberData(nameof(StaleOperations))]
    public void A_context_used_after_its_scope_ended_refuses_while_another_tenant_rents_it(string operation)
    {
        using var configuration = _files.Use();
        var (captured, staleFlow) = RentAndLeave("acme");

        using (TenantContext.Enter("globex"))
        {
            var current = TenantContext.Get<NotesContext>();
            Assert.Same(captured, current); // pool of one: the very instance acme's work still holds
            current.Notes.Add(new Note { Name = "globex-row", TenantId = "globex" });
            current.SaveChanges();
            var tracked = current.Notes.Single(); // globex's row, tracked (what Find/Local would hand out)

            var refused = OnFlow(staleFlow, () => Run(captured, operation));

            var disposed = Assert.IsType<ObjectDisposedException>(refused);
            Assert.Contains("scope for tenant 'acme' ended", disposed.Message);
            Assert.Contains("TenantContext.Capture()", disposed.Message);
            Assert.Equal("globex-row", current.Notes.AsNoTracking().Single().Name); // the renter's own work goes on
        }

        Assert.Equal(["acme-row|"], _files.Rows("acme"));
        Assert.Equal(["globex-row|"], _files.Rows("globex"));
    }

    [Fact]
    public void A_context_used_after_its_scope_ended_while_it_waits_in_the_pool_is_refused_as_disposed()
    {
        using var configuration = _files.Use();
        var (captured, staleFlow) = RentAndLeave("acme");

        Assert.IsType<ObjectDisposedException>(OnFlow(staleFlow, () => captured.Notes.ToList()));
    }

    [Fact]
    public void A_context_handed_to_a_scope_of_another_tenant_refuses_and_names_both()
    {
        using var configuration = _files.Use();
        using (TenantContext.Enter("acme"))
        {
            var acme = TenantContext.Get<NotesContext>();
            using (TenantContext.Enter("globex"))
            {
                var refused = Assert.Throws<CrossTenantContextException>(() => acme.Notes.ToList());
                Assert.Contains("tenant 'acme'", refused.Message);
                Assert.Contains("tenant 'globex'", refused.Message);
                Assert.Contains("TenantContext.Capture()", refused.Message);
            }

            Assert.Empty(acme.Notes.ToList()); // back in its own scope it works
        }
    }

    [Fact]
    public void A_context_handed_to_another_scope_of_the_same_tenant_refuses_too()
    {
        using var configuration = _files.Use();
        var elsewhere = ExecutionContext.Capture()!; // a flow outside acme's scope: another request, a queue consumer
        using (TenantContext.Enter("acme"))
        {
            var context = TenantContext.Get<NotesContext>();
            using (TenantContext.Enter("acme"))
            {
                Assert.Empty(context.Notes.ToList()); // a nested scope of the same tenant shares the outer scope's context
            }

            var refused = OnFlow(elsewhere, () =>
            {
                using (TenantContext.Enter("acme"))
                {
                    context.Notes.ToList();
                }
            });
            Assert.IsType<CrossTenantContextException>(refused);
        }
    }

    [Fact]
    public async Task Work_that_captures_the_scope_and_takes_its_own_context_runs_after_the_request()
    {
        using var configuration = _files.Use();
        Func<Task> job;
        using (TenantContext.Enter("acme"))
        {
            var snapshot = TenantContext.Capture(); // what a queued job carries instead of the request's context
            job = async () =>
            {
                using (snapshot.Enter())
                {
                    var context = TenantContext.Get<NotesContext>();
                    context.Notes.Add(new Note { Name = "later", TenantId = "acme" });
                    await context.SaveChangesAsync();
                }
            };
        }

        await Task.Run(job); // run by a consumer after the request's scope has ended
        Assert.Equal(["later|"], _files.Rows("acme"));
    }

    [Fact]
    public void Captured_contexts_used_after_their_requests_never_reach_another_tenant_in_10000_tries()
    {
        using var configuration = _files.Use();
        string[] tenants = ["t0", "t1", "t2", "t3", "t4"];
        string[] operations = ["query", "save", "find", "local", "raw sql", "execute update"];
        var random = new Random(20261130);
        var captured = new List<(NotesContext Context, ExecutionContext Flow, string Tenant)>();
        int refused = 0, handedNothing = 0, crossTenant = 0, whileRentedByAnother = 0;
        var others = new List<string>();

        foreach (var tenant in tenants)
        {
            using (TenantContext.Enter(tenant))
            {
                var context = TenantContext.Get<NotesContext>();
                context.Notes.Add(new Note { Name = $"{tenant}:own", TenantId = tenant });
                context.SaveChanges();
            }
        }

        for (int i = 0; i < 10_000; i++)
        {
            var tenant = tenants[random.Next(tenants.Length)];
            using (TenantContext.Enter(tenant))
            {
                var context = TenantContext.Get<NotesContext>(); // the pool's only instance, now this tenant's
                if (i % 4 == 0)
                {
                    context.Notes.Where(n => n.Name == $"{tenant}:own").Load(); // tracks this tenant's row: what Find and Local would hand out
                }
                if (captured.Count > 0)
                {
                    var (stale, flow, owner) = captured[random.Next(captured.Count)];
                    whileRentedByAnother += ReferenceEquals(stale, context) && owner != tenant ? 1 : 0;
                    var operation = operations[random.Next(operations.Length)];
                    List<Note>? seen = null;
                    var error = OnFlow(flow, () =>
                    {
                        switch (operation)
                        {
                            case "query": seen = stale.Notes.AsNoTracking().ToList(); break;
                            case "find": seen = stale.Notes.Find(1) is { } found ? [found] : []; break;
                            case "local": seen = stale.Notes.Local.ToList(); break;
                            default: Run(stale, operation); break;
                        }
                    });
                    if (error is ObjectDisposedException or CrossTenantContextException)
                    {
                        refused++;
                    }
                    else if (error is null && seen is { Count: 0 })
                    {
                        handedNothing++; // DbSet.Local of an instance that tracks nothing answers from its count without asking anyone
                    }
                    else
                    {
                        crossTenant += seen?.Count(n => n.TenantId != owner) ?? 1;
                        others.Add($"{operation}: {error?.GetType().Name} {error?.Message}");
                    }
                }

                if (captured.Count < 64)
                {
                    captured.Add((context, ExecutionContext.Capture()!, tenant));
                }
            }
        }

        foreach (var tenant in tenants)
        {
            Assert.Equal([$"{tenant}:own|"], _files.Rows(tenant)); // nothing written, updated or deleted by stale work
        }

        Assert.Equal(0, crossTenant);
        Assert.True(others.Count == 0, string.Join("\n", others.Distinct().Take(10)));
        Assert.Equal(10_000 - 1, refused + handedNothing);
        Assert.True(refused > 7_000, $"only {refused} tries were refused"); // the rest: DbSet.Local of an instance tracking nothing
        Assert.True(whileRentedByAnother > 5_000, $"only {whileRentedByAnother} tries hit an instance rented by another tenant");
    }
}

public sealed class SqliteStaleUseTests : StaleUseTests
{
    protected override Task<TenantStore> CreateStoreAsync() => Task.FromResult<TenantStore>(new TenantFiles(poolSize: 1));
}

public sealed class PostgresStaleUseTests : StaleUseTests
{
    protected override async Task<TenantStore> CreateStoreAsync() => await PostgresTenantSchemas.CreateAsync(poolSize: 1);
}
