using Microsoft.EntityFrameworkCore;

namespace Tenancy.EntityFrameworkCore.Tests;

public sealed class RowLevelQueryTests : IDisposable
{
    private readonly SharedDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public void Query_returns_only_the_current_tenants_rows()
    {
        _db.Insert("acme", "a1");
        _db.Insert("acme", "a2");
        _db.Insert("globex", "g1");
        using var configuration = _db.Use();
        using var context = _db.NewContext();

        using (TenantContext.Enter("acme"))
        {
            Assert.Equal(["a1", "a2"], context.Notes.AsNoTracking().OrderBy(n => n.Name).Select(n => n.Name).ToArray());
        }
    }

    [Fact]
    public void The_filter_is_read_per_query_so_the_cached_model_serves_every_tenant()
    {
        _db.Insert("acme", "a1");
        _db.Insert("globex", "g1");
        using var configuration = _db.Use();
        using var first = _db.NewContext();
        using var second = _db.NewContext();
        Assert.Same(first.Model, second.Model);

        string[] acme, globex;
        using (TenantContext.Enter("acme"))
        {
            acme = first.Notes.AsNoTracking().Select(n => n.Name).ToArray();
        }

        using (TenantContext.Enter("globex"))
        {
            globex = second.Notes.AsNoTracking().Select(n => n.Name).ToArray();
        }

        Assert.Equal(["a1"], acme);
        Assert.Equal(["g1"], globex);
    }

    [Fact]
    public void A_context_created_in_one_scope_follows_the_scope_it_is_used_in()
    {
        _db.Insert("acme", "a1");
        _db.Insert("globex", "g1");
        using var configuration = _db.Use();
        NotesContext context;
        using (TenantContext.Enter("acme"))
        {
            context = _db.NewContext();
            Assert.Equal(["a1"], context.Notes.AsNoTracking().Select(n => n.Name).ToArray());
        }

        using (context)
        using (TenantContext.Enter("globex"))
        {
            Assert.Equal(["g1"], context.Notes.AsNoTracking().Select(n => n.Name).ToArray());
        }
    }

    [Fact]
    public void A_context_that_tracks_one_tenants_rows_refuses_to_query_for_another_tenant()
    {
        _db.Insert("acme", "a1");
        _db.Insert("globex", "g1");
        using var configuration = _db.Use();
        using var context = _db.NewContext();
        using (TenantContext.Enter("acme"))
        {
            Assert.Single(context.Notes.ToList());
        }

        using (TenantContext.Enter("globex"))
        {
            var refused = Assert.Throws<CrossTenantContextException>(() => context.Notes.ToList());
            Assert.Contains("'acme'", refused.Message);
            Assert.Contains("ChangeTracker.Clear()", refused.Message);
        }
    }

    [Fact]
    public void A_cleared_context_serves_the_next_tenant()
    {
        _db.Insert("acme", "a1");
        _db.Insert("globex", "g1");
        using var configuration = _db.Use();
        using var context = _db.NewContext();
        using (TenantContext.Enter("acme"))
        {
            context.Notes.ToList();
        }

        context.ChangeTracker.Clear();
        using (TenantContext.Enter("globex"))
        {
            Assert.Equal(["g1"], context.Notes.Select(n => n.Name).ToArray());
        }
    }

    [Fact]
    public void A_query_outside_any_scope_throws_instead_of_returning_every_tenants_rows()
    {
        _db.Insert("acme", "a1");
        using var configuration = _db.Use();
        using var context = _db.NewContext();

        var refused = Assert.Throws<TenantScopeRequiredException>(() => context.Notes.ToList());
        Assert.Contains("NotesContext", refused.Message);
    }

    [Fact]
    public async Task An_async_query_outside_any_scope_throws_too()
    {
        _db.Insert("acme", "a1");
        using var configuration = _db.Use();
        await using var context = _db.NewContext();

        await Assert.ThrowsAsync<TenantScopeRequiredException>(() => context.Notes.ToListAsync(CancellationToken.None));
    }

    [Fact]
    public void Entities_that_are_not_tenant_owned_are_not_filtered_outside_a_scope()
    {
        using var configuration = _db.Use();
        using (var writer = _db.NewContext())
        {
            writer.Settings.Add(new Setting { Key = "k" });
            writer.SaveChanges();
        }

        using var context = _db.NewContext();
        Assert.Equal(["k"], context.Settings.Select(s => s.Key).ToArray());
    }

    [Fact]
    public void IgnoreQueryFilters_returns_every_tenants_rows_as_EF_documents()
    {
        _db.Insert("acme", "a1");
        _db.Insert("globex", "g1");
        _db.Insert("globex", "g2", deleted: true);
        using var configuration = _db.Use();
        using var context = _db.NewContext();

        using (TenantContext.Enter("acme"))
        {
            Assert.Equal(["a1", "g1", "g2"], context.Notes.IgnoreQueryFilters().OrderBy(n => n.Name).Select(n => n.Name).ToArray());
        }
    }

    [Fact]
    public void IgnoreQueryFilters_by_name_lifts_only_the_tenant_filter()
    {
        _db.Insert("acme", "a1");
        _db.Insert("globex", "g1");
        _db.Insert("globex", "g2", deleted: true);
        using var configuration = _db.Use();
        using var context = _db.NewContext();

        using (TenantContext.Enter("acme"))
        {
            Assert.Equal(["a1", "g1"], context.Notes.IgnoreQueryFilters([TenantIsolation.FilterName]).OrderBy(n => n.Name).Select(n => n.Name).ToArray());
        }
    }

    [Fact]
    public void The_tenant_filter_combines_with_the_applications_own_named_filters()
    {
        _db.Insert("acme", "a1");
        _db.Insert("acme", "a2", deleted: true);
        using var configuration = _db.Use();
        using var context = _db.NewContext();

        using (TenantContext.Enter("acme"))
        {
            Assert.Equal(["a1"], context.Notes.Select(n => n.Name).ToArray());
        }
    }

    [Fact]
    public void TenantId_is_indexed_and_required_and_a_concurrency_token()
    {
        using var context = _db.NewContext();
        var note = context.Model.FindEntityType(typeof(Note))!;
        var tenantId = note.FindProperty(nameof(Note.TenantId))!;

        Assert.Contains(note.GetIndexes(), i => i.Properties[0] == tenantId);
        Assert.False(tenantId.IsNullable);
        Assert.True(tenantId.IsConcurrencyToken);
        Assert.NotNull(note.FindDeclaredQueryFilter(TenantIsolation.FilterName));
    }

    [Fact]
    public void Without_UseTenantIsolation_a_context_has_no_tenant_filter()
    {
        using var context = _db.NewContext(isolated: false);
        Assert.Null(context.Model.FindEntityType(typeof(Note))!.FindDeclaredQueryFilter(TenantIsolation.FilterName));
    }

    [Fact]
    public void Find_Local_and_Entry_refuse_on_a_context_that_tracks_another_tenants_rows()
    {
        var id = _db.Insert("acme", "a1");
        _db.Insert("globex", "g1");
        using var configuration = _db.Use();
        using var context = _db.NewContext();
        Note acme;
        using (TenantContext.Enter("acme"))
        {
            acme = context.Notes.Single();
            Assert.Same(acme, context.Notes.Find(id)); // its own scope: answered from the tracker
        }

        using (TenantContext.Enter("globex"))
        {
            Assert.Contains("'acme'", Assert.Throws<CrossTenantContextException>(() => context.Notes.Find(id)).Message);
            Assert.Throws<CrossTenantContextException>(() => context.Notes.Local.ToList());
            Assert.Throws<CrossTenantContextException>(() => context.Entry(acme));
        }
    }

    [Fact]
    public void Find_outside_any_scope_throws_instead_of_answering_from_the_tracker()
    {
        var id = _db.Insert("acme", "a1");
        using var configuration = _db.Use();
        using var context = _db.NewContext();
        using (TenantContext.Enter("acme"))
        {
            context.Notes.Single();
        }

        Assert.Throws<TenantScopeRequiredException>(() => context.Notes.Find(id));
    }
}
