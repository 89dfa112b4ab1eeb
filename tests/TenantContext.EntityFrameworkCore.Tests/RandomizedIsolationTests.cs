using Microsoft.EntityFrameworkCore;

namespace Tenancy.EntityFrameworkCore.Tests;

/// <summary>
/// Two tenants share one table. A seeded random sequence of inserts, updates, deletes, queries and cross-tenant attacks,
/// switching tenants and contexts, is replayed against an in-memory model: every query must show exactly the current
/// tenant's rows, every attack must be refused and leave the database as the model says.
/// </summary>
public sealed class RandomizedIsolationTests : IDisposable
{
    private const int Operations = 10_000;
    private static readonly string[] Tenants = ["acme", "globex"];

    private readonly SharedDatabase _db = new(pooling: true);

    public void Dispose() => _db.Dispose();

    private sealed record Row(int Id, string Tenant, string Name, string Body);

    [Theory]
    [InlineData(20240601)]
    [InlineData(7)]
    public void Two_tenants_never_see_or_change_each_others_rows_under_10000_random_operations(int seed)
    {
        var random = new Random(seed);
        var model = new Dictionary<int, Row>();
        int names = 0, refused = 0, queries = 0;
        using var configuration = _db.Use();
        var context = _db.NewContext();
        try
        {
            for (int done = 0; done < Operations;)
            {
                var tenant = Tenants[random.Next(Tenants.Length)];
                var other = Tenants.Single(t => t != tenant);
                switch (random.Next(3))
                {
                    case 0: // a fresh context for this session
                        context.Dispose();
                        context = _db.NewContext();
                        break;
                    case 1: // the same context, cleared: it follows the new scope
                        context.ChangeTracker.Clear();
                        break;
                    default: // the same context, not cleared: it follows the scope, or refuses when it tracks the other tenant's rows
                        break;
                }

                using var scope = TenantContext.Enter(tenant);
                if (context.ChangeTracker.Entries().Any())
                {
                    try
                    {
                        context.Notes.AsNoTracking().Count();
                        Assert.All(context.ChangeTracker.Entries(), e => Assert.Equal(tenant, ((Note)e.Entity).TenantId));
                    }
                    catch (CrossTenantContextException)
                    {
                        refused++;
                        context.ChangeTracker.Clear();
                    }

                    done++;
                }

                var session = random.Next(1, 20);
                for (int i = 0; i < session && done < Operations; i++, done++)
                {
                    var own = model.Values.Where(r => r.Tenant == tenant).Select(r => r.Id).ToList();
                    var foreign = model.Values.Where(r => r.Tenant == other).Select(r => r.Id).ToList();
                    var op = random.Next(100);
                    if (op < 30)
                    {
                        var note = new Note { Name = $"n{names++}", Body = $"b{random.Next(1000)}" };
                        context.Notes.Add(note);
                        context.SaveChanges();
                        Assert.Equal(tenant, note.TenantId);
                        model[note.Id] = new Row(note.Id, tenant, note.Name, note.Body);
                    }
                    else if (op < 45 && own.Count > 0)
                    {
                        var id = own[random.Next(own.Count)];
                        var note = context.Notes.Single(n => n.Id == id);
                        note.Body = $"u{random.Next(1000)}";
                        context.SaveChanges();
                        model[id] = model[id] with { Body = note.Body };
                    }
                    else if (op < 55 && own.Count > 0)
                    {
                        var id = own[random.Next(own.Count)];
                        context.Notes.Remove(context.Notes.Single(n => n.Id == id));
                        context.SaveChanges();
                        model.Remove(id);
                    }
                    else if (op < 80)
                    {
                        queries++;
                        var seen = context.Notes.AsNoTracking().OrderBy(n => n.Id).Select(n => new { n.Id, n.TenantId, n.Name, n.Body }).ToList();
                        var expected = model.Values.Where(r => r.Tenant == tenant).OrderBy(r => r.Id).Select(r => new { r.Id, TenantId = r.Tenant, r.Name, r.Body }).ToList();
                        Assert.Equal(expected, seen);
                    }
                    else if (op < 85 && foreign.Count > 0)
                    {
                        var id = foreign[random.Next(foreign.Count)];
                        Assert.Null(context.Notes.AsNoTracking().FirstOrDefault(n => n.Id == id));
                    }
                    else if (foreign.Count > 0)
                    {
                        var id = foreign[random.Next(foreign.Count)];
                        var victim = model[id];
                        var forged = random.Next(2) == 0 ? tenant : victim.Tenant;
                        var attack = new Note { Id = id, TenantId = forged, Name = victim.Name, Body = "stolen" };
                        var kind = random.Next(3);
                        if (kind == 0)
                        {
                            context.Notes.Update(attack);
                        }
                        else if (kind == 1)
                        {
                            context.Notes.Remove(attack);
                        }
                        else
                        {
                            context.Notes.Attach(attack);
                            attack.TenantId = tenant;
                            attack.Body = "moved";
                        }

                        Assert.Throws<CrossTenantWriteException>(() => context.SaveChanges());
                        refused++;
                        context.ChangeTracker.Clear();
                    }
                }
            }
        }
        finally
        {
            context.Dispose();
        }

        var final = string.Concat(model.Values.OrderBy(r => r.Id).Select(r => $"{r.Id}|{r.Tenant}|{r.Name}|{r.Body}|False\n"));
        Assert.Equal(final, _db.Dump());
        Assert.True(refused > 100, $"only {refused} refusals were exercised");
        Assert.True(queries > 1000, $"only {queries} queries were compared");
    }
}
