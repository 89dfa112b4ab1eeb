// QuickStart: three tenants, one process, nothing shared by accident.
// Run: dotnet run --project samples/QuickStart
using Tenancy;

var dataRoot = Path.GetFullPath("data"); // ./data under the current directory

// Once, at start-up: how a tenant's resources are made. Each tenant gets its own directory.
TenantContext.Configure(b => b
    .Storage(t => new FileTenantStorage(Path.Combine(dataRoot, "tenants", t.Slug)))
    .Renderer(t => new GreetingRenderer(t.Slug)));

string[] tenants = ["acme", "globex", "initech"];

// Each tenant writes its own note, in parallel: the scope flows into each task and nowhere else.
await Parallel.ForEachAsync(tenants, async (tenant, ct) =>
{
    using (TenantContext.Enter(tenant))
    {
        await Notes.WriteAsync($"Hello from {tenant} at {DateTime.UtcNow:O}", ct);
    }
});

foreach (var tenant in tenants)
{
    using (TenantContext.Enter(tenant))
    {
        var storage = TenantContext.GetStorage();
        Console.WriteLine($"{tenant,-8} sees {string.Join(", ", storage.List())} in {storage.Root}");
        Console.WriteLine($"         {TenantContext.GetRenderer().Render(await Notes.ReadAsync(CancellationToken.None))}");
    }
}

// Outside a scope there is no tenant, and the error says how to fix it.
try
{
    TenantContext.GetStorage();
}
catch (TenantScopeRequiredException ex)
{
    Console.WriteLine($"outside a scope: {ex.GetType().Name}: {ex.Message.Split(". ")[0]}.");
}

/// <summary>Tenant-scoped code: the analyzers check that every caller is inside a scope.</summary>
[RequiresTenant]
internal static class Notes
{
    public static async Task WriteAsync(string text, CancellationToken cancellationToken)
    {
        await using var stream = TenantContext.GetStorage().Create("notes/hello.txt");
        await using var writer = new StreamWriter(stream);
        await writer.WriteAsync(text.AsMemory(), cancellationToken);
    }

    public static async Task<string> ReadAsync(CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(TenantContext.GetStorage().OpenRead("notes/hello.txt"));
        return await reader.ReadToEndAsync(cancellationToken);
    }
}

internal sealed class GreetingRenderer(string tenant) : ITenantRenderer
{
    public string Render(string source) => $"[{tenant}] {source}";
}
