using System.Collections.Concurrent;

namespace Tenancy.Sqlite.Tests;

/// <summary>
/// Records every durable file-system step (fsync of a file or folder, publish, delete) the package takes, through its
/// seam <c>DurableFiles.Observer</c>: a power loss keeps only what was flushed, so "the new name survives" means "its folder
/// was fsynced after the link". Tests run in parallel: each reads only the steps under its own folder.
/// </summary>
internal static class DurableSteps
{
    private static readonly ConcurrentQueue<(string Step, string Path)> Steps = new();

    static DurableSteps() => DurableFiles.Observer = (step, path) => Steps.Enqueue((step, path));

    public static void Install()
    {
        // The static constructor did the work.
    }

    public static List<(string Step, string Path)> Under(string folder) => Steps.Where(s => s.Path.StartsWith(folder, StringComparison.Ordinal)).ToList();
}
