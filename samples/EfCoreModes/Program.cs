// EfCoreModes: the two ways TenantContext.EntityFrameworkCore keeps tenants apart.
// Run: dotnet run --project samples/EfCoreModes   (data goes to ./data; run it again and the notes add up)
using Microsoft.EntityFrameworkCore;
using Tenancy;

var dataRoot = Path.GetFullPath("data");
string[] tenants = ["acme", "globex"];

// 1. Database per tenant: a file per tenant (data/tenants/{tenant}.db), no tenant column anywhere.
TenantContext.Configure(b => b
    .UseSqlite(o => { o.DataRoot = dataRoot; o.CreateAnyTenantOnFirstUse = true; }) // no catalog: any tenant name gets its file
    .AddDbContext<NotesContext>(o => o.UseSqlite())); // TenantContext.Get<NotesContext>(): one pooled context per scope, on the tenant's file (the app picks the EF provider)

foreach (var tenant in tenants)
{
    using (TenantContext.Enter(tenant))
    {
        var db = TenantContext.Get<NotesContext>(); // the tables are created on first use; the scope disposes the context
        db.Notes.Add(new Note { Text = $"written by {tenant}" });
        db.SaveChanges();
    }
}

foreach (var tenant in tenants)
{
    using (TenantContext.Enter(tenant))
    {
        var notes = TenantContext.Get<NotesContext>().Notes.Select(n => n.Text).ToList();
        Console.WriteLine($"database per tenant, {tenant}: {notes.Count} note(s) in data/tenants/{tenant}.db, {string.Join("; ", notes.Distinct())}");
    }
}

// 2. Row level: one shared database, a TenantId on every row, and UseTenantIsolation() to filter and guard it.
var shared = new DbContextOptionsBuilder<SharedNotesContext>()
    .UseSqlite($"Data Source={Path.Combine(dataRoot, "shared.db")}")
    .UseTenantIsolation() // queries see the current tenant's rows; SaveChanges stamps TenantId and refuses other tenants' rows
    .Options;
using (var db = new SharedNotesContext(shared))
{
    db.Database.EnsureCreated();
}

foreach (var tenant in tenants)
{
    using (TenantContext.Enter(tenant))
    {
        using var db = new SharedNotesContext(shared);
        db.Notes.Add(new SharedNote { Text = $"written by {tenant}" }); // TenantId: stamped
        db.SaveChanges();
    }
}

foreach (var tenant in tenants)
{
    using (TenantContext.Enter(tenant))
    {
        using var db = new SharedNotesContext(shared);
        var notes = db.Notes.ToList(); // no Where: the filter adds TenantId = the current tenant
        Console.WriteLine($"row level, {tenant}: {notes.Count} note(s) in data/shared.db, {string.Join("; ", notes.Select(n => $"{n.TenantId}: {n.Text}").Distinct())}");
    }
}

// A row carried from one tenant's scope into another's cannot be written there.
SharedNote globexNote;
using (TenantContext.Enter("globex"))
{
    using var db = new SharedNotesContext(shared);
    globexNote = db.Notes.AsNoTracking().First();
}

using (TenantContext.Enter("acme"))
{
    using var db = new SharedNotesContext(shared);
    globexNote.Text = "overwritten by acme";
    db.Notes.Update(globexNote);
    try
    {
        db.SaveChanges();
    }
    catch (CrossTenantWriteException ex)
    {
        Console.WriteLine($"row level, acme updates a globex row: {ex.GetType().Name}: {ex.Message}");
    }
}

using (TenantContext.Enter("globex"))
{
    using var db = new SharedNotesContext(shared);
    Console.WriteLine($"row level, globex's row still reads: {db.Notes.Single(n => n.Id == globexNote.Id).Text}");
}

/// <summary>A note in a tenant's own database.</summary>
public sealed class Note
{
    public int Id { get; set; }

    public string Text { get; set; } = "";
}

/// <summary>The database-per-tenant context: nothing about tenants in it.</summary>
public sealed class NotesContext(DbContextOptions<NotesContext> options) : DbContext(options)
{
    public DbSet<Note> Notes => Set<Note>();
}

/// <summary>A note in the shared database, owned by one tenant.</summary>
public sealed class SharedNote : ITenantOwned
{
    public int Id { get; set; }

    public string TenantId { get; set; } = "";

    public string Text { get; set; } = "";
}

/// <summary>The row-level context: an ordinary context; UseTenantIsolation() in its options does the rest.</summary>
public sealed class SharedNotesContext(DbContextOptions<SharedNotesContext> options) : DbContext(options)
{
    public DbSet<SharedNote> Notes => Set<SharedNote>();
}
