// QuickStart: three tenants, one process, nothing shared by accident.
// Run: dotnet run --project samples/QuickStart   (data goes to ./data)
using Microsoft.Data.Sqlite;
using Tenancy;

var dataRoot = Path.GetFullPath("data");

// Once, at start-up: how a tenant's resources are made.
TenantContext.Configure(b => b
    .UseSqlite(o =>
    {
        o.DataRoot = dataRoot;                             // data/tenants/{tenant}.db, created on first use
        o.CreateAnyTenantOnFirstUse = true;                // any tenant name gets its file (no catalog in this sample)
        o.Migrations.Add(1, "notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)");
    })
    .Storage(t => new FileTenantStorage(Path.Combine(dataRoot, "files", t.Slug)))
    .Renderer(t => new GreetingRenderer(t.Slug)));

string[] tenants = ["acme", "globex", "initech"];

// Each tenant writes, in parallel: the scope flows into each task and nowhere else.
await Parallel.ForEachAsync(tenants, async (tenant, ct) =>
{
    using (TenantContext.Enter(tenant))
    {
        await Notes.AddAsync($"Hello from {tenant} at {DateTime.UtcNow:O}", ct);
    }
});

foreach (var tenant in tenants)
{
    using (TenantContext.Enter(tenant))
    {
        var notes = await Notes.ListAsync(CancellationToken.None);
        var storage = TenantContext.GetStorage();
        Console.WriteLine($"{tenant,-8} database: {notes.Count} note(s); files: {string.Join(", ", storage.List())}");
        foreach (var note in notes)
        {
            Console.WriteLine($"         {TenantContext.GetRenderer().Render(note)}");
        }
    }
}

// Outside a scope there is no tenant, and the error says how to fix it.
try
{
    TenantContext.GetDb();
}
catch (TenantScopeRequiredException ex)
{
    Console.WriteLine($"outside a scope: {ex.GetType().Name}: {ex.Message.Split(". ")[0]}.");
}

/// <summary>Tenant-scoped code: the analyzers check that every caller is inside a scope.</summary>
[RequiresTenant]
internal static class Notes
{
    public static async Task AddAsync(string text, CancellationToken cancellationToken)
    {
        await using (var connection = (SqliteConnection)await TenantContext.GetDb().OpenConnectionAsync(cancellationToken))
        {
            var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO notes (text) VALUES ($text)";
            insert.Parameters.AddWithValue("$text", text);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var file = TenantContext.GetStorage().Create("last-note.txt");
        await using var writer = new StreamWriter(file);
        await writer.WriteAsync(text.AsMemory(), cancellationToken);
    }

    public static async Task<List<string>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = (SqliteConnection)await TenantContext.GetDb().OpenConnectionAsync(cancellationToken);
        var select = connection.CreateCommand();
        select.CommandText = "SELECT text FROM notes ORDER BY id";
        var notes = new List<string>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            notes.Add(reader.GetString(0));
        }

        return notes;
    }
}

internal sealed class GreetingRenderer(string tenant) : ITenantRenderer
{
    public string Render(string source) => $"[{tenant}] {source}";
}
