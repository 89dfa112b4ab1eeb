using Microsoft.EntityFrameworkCore;

namespace Tenancy.EntityFrameworkCore.Tests;

public sealed class WriteGuardTests : IDisposable
{
    private readonly SharedDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public void A_new_row_is_stamped_with_the_current_tenant()
    {
        using var configuration = _db.Use();
        using var context = _db.NewContext();
        using (TenantContext.Enter("acme"))
        {
            context.Notes.Add(new Note { Name = "n" });
            context.SaveChanges();
        }

        Assert.EndsWith("|acme|n||False\n", _db.Dump());
    }

    [Fact]
    public async Task A_new_row_is_stamped_by_SaveChangesAsync_too()
    {
        using var configuration = _db.Use();
        await using var context = _db.NewContext();
        await using (TenantContext.Enter("acme"))
        {
            context.Notes.Add(new Note { Name = "n" });
            await context.SaveChangesAsync(CancellationToken.None);
        }

        Assert.EndsWith("|acme|n||False\n", _db.Dump());
    }

    [Fact]
    public void A_new_row_naming_another_tenant_is_refused_and_nothing_is_written()
    {
        using var configuration = _db.Use();
        using var context = _db.NewContext();
        var before = _db.Dump();
        using (TenantContext.Enter("acme"))
        {
            context.Notes.Add(new Note { Name = "n", TenantId = "globex" });
            var refused = Assert.Throws<CrossTenantWriteException>(() => context.SaveChanges());
            Assert.Contains("'globex'", refused.Message);
        }

        Assert.Equal(before, _db.Dump());
    }

    [Fact]
    public void Saving_tenant_owned_rows_with_no_scope_is_refused_and_nothing_is_written()
    {
        using var configuration = _db.Use();
        using var context = _db.NewContext();
        var before = _db.Dump();
        context.Notes.Add(new Note { Name = "n" });

        var refused = Assert.Throws<CrossTenantWriteException>(() => context.SaveChanges());
        Assert.Contains("TenantContext.Enter", refused.Message);
        Assert.Equal(before, _db.Dump());
    }

    [Fact]
    public async Task SaveChangesAsync_with_no_scope_is_refused_too()
    {
        using var configuration = _db.Use();
        await using var context = _db.NewContext();
        var before = _db.Dump();
        context.Notes.Add(new Note { Name = "n" });

        await Assert.ThrowsAsync<CrossTenantWriteException>(() => context.SaveChangesAsync(CancellationToken.None));
        Assert.Equal(before, _db.Dump());
    }

    [Fact]
    public void Updating_a_row_loaded_for_another_tenant_is_refused_and_nothing_is_written()
    {
        _db.Insert("acme", "a1", "original");
        using var configuration = _db.Use();
        using var context = _db.NewContext();
        Note note;
        using (TenantContext.Enter("acme"))
        {
            note = context.Notes.Single();
        }

        var before = _db.Dump();
        note.Body = "changed";
        using (TenantContext.Enter("globex"))
        {
            var refused = Assert.Throws<CrossTenantWriteException>(() => context.SaveChanges());
            Assert.Contains("of tenant 'acme' from the scope of tenant 'globex'", refused.Message);
        }

        Assert.Equal(before, _db.Dump());
    }

    [Fact]
    public void Updating_another_tenants_row_attached_with_its_own_TenantId_is_refused_and_nothing_is_written()
    {
        var id = _db.Insert("globex", "g1", "original");
        using var configuration = _db.Use();
        using var context = _db.NewContext();
        var before = _db.Dump();
        using (TenantContext.Enter("acme"))
        {
            context.Notes.Update(new Note { Id = id, TenantId = "globex", Name = "g1", Body = "stolen" });
            var refused = Assert.Throws<CrossTenantWriteException>(() => context.SaveChanges());
            Assert.Contains("'globex'", refused.Message);
        }

        Assert.Equal(before, _db.Dump());
    }

    [Fact]
    public void Updating_another_tenants_row_attached_with_a_forged_TenantId_is_refused_and_nothing_is_written()
    {
        var id = _db.Insert("globex", "g1", "original");
        using var configuration = _db.Use();
        using var context = _db.NewContext();
        var before = _db.Dump();
        using (TenantContext.Enter("acme"))
        {
            context.Notes.Update(new Note { Id = id, TenantId = "acme", Name = "g1", Body = "stolen" });
            var refused = Assert.Throws<CrossTenantWriteException>(() => context.SaveChanges());
            Assert.Contains("belongs to tenant 'globex'", refused.Message);
        }

        Assert.Equal(before, _db.Dump());
    }

    [Fact]
    public void Deleting_another_tenants_row_attached_with_its_own_TenantId_is_refused_and_nothing_is_written()
    {
        var id = _db.Insert("globex", "g1");
        using var configuration = _db.Use();
        using var context = _db.NewContext();
        var before = _db.Dump();
        using (TenantContext.Enter("acme"))
        {
            context.Notes.Remove(new Note { Id = id, TenantId = "globex" });
            Assert.Throws<CrossTenantWriteException>(() => context.SaveChanges());
        }

        Assert.Equal(before, _db.Dump());
    }

    [Fact]
    public void Deleting_another_tenants_row_attached_with_a_forged_TenantId_is_refused_and_nothing_is_written()
    {
        var id = _db.Insert("globex", "g1");
        using var configuration = _db.Use();
        using var context = _db.NewContext();
        var before = _db.Dump();
        using (TenantContext.Enter("acme"))
        {
            context.Notes.Remove(new Note { Id = id, TenantId = "acme" });
            var refused = Assert.Throws<CrossTenantWriteException>(() => context.SaveChanges());
            Assert.Contains("belongs to tenant 'globex'", refused.Message);
        }

        Assert.Equal(before, _db.Dump());
    }

    [Fact]
    public void A_forged_write_in_a_batch_rolls_back_the_rows_saved_with_it()
    {
        var id = _db.Insert("globex", "g1");
        using var configuration = _db.Use();
        using var context = _db.NewContext();
        var before = _db.Dump();
        using (TenantContext.Enter("acme"))
        {
            context.Notes.Add(new Note { Name = "new-1" });
            context.Notes.Add(new Note { Name = "new-2" });
            context.Notes.Remove(new Note { Id = id, TenantId = "acme" });
            Assert.Throws<CrossTenantWriteException>(() => context.SaveChanges());
        }

        Assert.Equal(before, _db.Dump());
    }

    [Fact]
    public void Changing_a_rows_TenantId_is_refused_and_nothing_is_written()
    {
        _db.Insert("acme", "a1");
        using var configuration = _db.Use();
        using var context = _db.NewContext();
        var before = _db.Dump();
        using (TenantContext.Enter("acme"))
        {
            var note = context.Notes.Single();
            note.TenantId = "globex";
            var refused = Assert.Throws<CrossTenantWriteException>(() => context.SaveChanges());
            Assert.Contains("move", refused.Message);
        }

        Assert.Equal(before, _db.Dump());
    }

    [Fact]
    public void A_genuine_concurrency_conflict_stays_a_concurrency_exception()
    {
        var id = _db.Insert("acme", "a1");
        using var configuration = _db.Use();
        using var context = _db.NewContext();
        using (TenantContext.Enter("acme"))
        {
            var note = context.Notes.Single();
            using (var other = _db.Open())
            using (var delete = other.CreateCommand())
            {
                delete.CommandText = $"DELETE FROM Notes WHERE Id = {id}";
                delete.ExecuteNonQuery();
            }

            note.Body = "changed";
            Assert.Throws<DbUpdateConcurrencyException>(() => context.SaveChanges());
        }
    }

    [Fact]
    public void The_owning_tenant_updates_and_deletes_its_own_rows()
    {
        _db.Insert("acme", "a1");
        _db.Insert("acme", "a2");
        using var configuration = _db.Use();
        using var context = _db.NewContext();
        using (TenantContext.Enter("acme"))
        {
            var notes = context.Notes.OrderBy(n => n.Name).ToList();
            notes[0].Body = "edited";
            context.Notes.Remove(notes[1]);
            context.SaveChanges();
        }

        Assert.EndsWith("|acme|a1|edited|False\n", _db.Dump());
        Assert.DoesNotContain("a2", _db.Dump());
    }

    [Fact]
    public void The_same_name_is_allowed_once_in_each_tenant()
    {
        using var configuration = _db.Use();
        foreach (var tenant in new[] { "acme", "globex" })
        {
            using var context = _db.NewContext();
            using (TenantContext.Enter(tenant))
            {
                context.Notes.Add(new Note { Name = "home" });
                context.SaveChanges();
            }
        }

        Assert.Equal(2, _db.Dump().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void The_same_name_twice_in_one_tenant_is_refused_by_the_unique_index()
    {
        _db.Insert("acme", "home");
        using var configuration = _db.Use();
        using var context = _db.NewContext();
        var before = _db.Dump();
        using (TenantContext.Enter("acme"))
        {
            context.Notes.Add(new Note { Name = "home" });
            Assert.Throws<DbUpdateException>(() => context.SaveChanges());
        }

        Assert.Equal(before, _db.Dump());
    }

    [Fact]
    public void The_tenant_unique_index_leads_with_TenantId()
    {
        using var context = _db.NewContext();
        var index = Assert.Single(context.Model.FindEntityType(typeof(Note))!.GetIndexes(), i => i.IsUnique);
        Assert.Equal(["TenantId", "Name"], index.Properties.Select(p => p.Name).ToArray());
    }

    [Fact]
    public void HasTenantUniqueIndex_refuses_an_expression_that_is_not_a_property_access()
    {
        var builder = new ModelBuilder();
        var refused = Assert.Throws<ArgumentException>(() => builder.Entity<Note>().HasTenantUniqueIndex(e => e.Name.ToUpperInvariant()));
        Assert.Equal("properties", refused.ParamName);
    }

    [Fact]
    public void HasTenantUniqueIndex_accepts_several_properties()
    {
        var builder = new ModelBuilder();
        var index = builder.Entity<Note>().HasTenantUniqueIndex(e => new { e.Name, e.Body });
        Assert.Equal(["TenantId", "Name", "Body"], index.Metadata.Properties.Select(p => p.Name).ToArray());
    }
}
