using System.Data.Common;


namespace Tenancy.Tests;

/// <summary>A resource that records which tenant it was made for and how often it was disposed.</summary>
public class Tracked : IDisposable
{
    private static int s_nextId;
    private int _disposeCount;

    public Tracked(string slug)
    {
        Slug = slug;
        Id = Interlocked.Increment(ref s_nextId);
    }

    public string Slug { get; }

    public int Id { get; }

    public int DisposeCount => Volatile.Read(ref _disposeCount);

    public bool IsDisposed => DisposeCount > 0;

    public void Dispose() => Interlocked.Increment(ref _disposeCount);

    public override string ToString() => $"{GetType().Name}({Slug}#{Id})";
}

/// <summary>A second and third service type, so tests can register several services side by side.</summary>
public sealed class ServiceA(string slug) : Tracked(slug);

public sealed class ServiceB(string slug) : Tracked(slug);

public sealed class PerScopeThing(string slug) : Tracked(slug);

public sealed class TransientThing(string slug) : Tracked(slug);

/// <summary>A resource that is only <see cref="IAsyncDisposable"/>; optionally yields before it counts as disposed.</summary>
public sealed class AsyncOnlyTracked(string slug, bool yieldFirst = true) : IAsyncDisposable
{
    private int _disposeCount;

    public string Slug { get; } = slug;

    public int DisposeCount => Volatile.Read(ref _disposeCount);

    public bool IsDisposed => DisposeCount > 0;

    public async ValueTask DisposeAsync()
    {
        if (yieldFirst)
        {
            await Task.Yield();
            await Task.Delay(5);
        }

        Interlocked.Increment(ref _disposeCount);
    }
}

public sealed class FakeStorage(string slug) : Tracked(slug), ITenantStorage
{
    public string Root => "/fake/" + Slug;

    public string GetPath(string relativePath) => Root + "/" + relativePath;

    public Stream OpenRead(string relativePath) => new MemoryStream();

    public Stream Create(string relativePath) => new MemoryStream();

    public bool Exists(string relativePath) => false;

    public bool Delete(string relativePath) => false;

    public IEnumerable<string> List(string relativeDirectory = "") => [];
}

public sealed class FakeDb(string slug) : Tracked(slug), ITenantDatabase
{
    public DbConnection OpenConnection() => throw new NotSupportedException("A fake database has no connection.");

    public ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
        => throw new NotSupportedException("A fake database has no connection.");
}

public sealed class FakeRenderer(string slug) : Tracked(slug), ITenantRenderer
{
    public string Render(string source) => $"[{Slug}] {source}";
}

/// <summary>A fresh directory under the temp root, deleted (without following links) on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string? prefix = null)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"tc-{prefix ?? "test"}-{Guid.NewGuid():n}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public bool IsEmpty => !Directory.EnumerateFileSystemEntries(Path).Any();

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

public static class Slugs
{
    /// <summary>A slug no other test uses (metrics listeners and caches are process-wide; tests run in parallel).</summary>
    public static string Unique(string prefix = "t") => $"{prefix}-{Guid.NewGuid():n}";
}

public static class Wait
{
    /// <summary>Polls <paramref name="condition"/> until it holds or five seconds pass; returns the last answer.</summary>
    public static async Task<bool> UntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }
}
