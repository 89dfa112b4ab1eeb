namespace Tenancy.Sqlite.Tests;

/// <summary>
/// The memory-mapped change counters (<see cref="TenantGenerations"/>): read and bumped through a raw pointer, so disposing
/// them while another thread is reading must never unmap memory under that read (a crash of the whole process).
/// </summary>
public sealed class GenerationsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Counters_bumped_through_one_mapping_are_read_through_another()
    {
        string path = Path.Combine(_folder.Path, "platform.db-generations");
        using var first = TenantGenerations.Open(path);
        using var second = TenantGenerations.Open(path);
        int slot = TenantGenerations.SlotOf("acme");
        long before = second.Read(slot);

        first.Bump("acme");

        Assert.True(first.Shared);
        Assert.Equal(before + 1, second.Read(slot));
    }

    [Fact]
    public void Disposing_while_other_threads_read_and_bump_never_touches_unmapped_memory_and_stops_both()
    {
        string path = Path.Combine(_folder.Path, "platform.db-generations");
        for (int round = 0; round < 200; round++)
        {
            var generations = TenantGenerations.Open(path);
            using var started = new CountdownEvent(2);
            var readers = Enumerable.Range(0, 2).Select(r => new Thread(() =>
            {
                started.Signal();
                for (int i = 0; i < 20_000 && generations.Read(i % TenantGenerations.SlotCount) >= 0; i++)
                {
                    generations.Bump(i % TenantGenerations.SlotCount);
                }
            })).ToList();
            readers.ForEach(t => t.Start());
            Assert.True(started.Wait(TimeSpan.FromSeconds(30)));

            generations.Dispose();

            Assert.All(readers, t => Assert.True(t.Join(TimeSpan.FromSeconds(30)), "a reader did not finish"));
            Assert.Equal(-1, generations.Read(7));
        }

        // A disposed instance changes nothing for the others.
        using var live = TenantGenerations.Open(path);
        long seen = live.Read(7);
        var disposed = TenantGenerations.Open(path);
        disposed.Dispose();
        disposed.Bump(7);
        Assert.Equal(seen, live.Read(7));

        GC.Collect();
        GC.WaitForPendingFinalizers(); // the finalizers unmap the 200 views: still no crash
        Assert.Equal(seen, live.Read(7));
    }

    /// <summary>
    /// The invariant that makes the race above safe, checked where the kernel keeps it (<c>/proc/self/maps</c>, Linux):
    /// <see cref="TenantGenerations.Dispose"/> leaves the view mapped while the object can still be called, and the
    /// finalizer unmaps it once nothing references it.
    /// </summary>
    [Fact]
    public void Dispose_keeps_the_view_mapped_while_the_object_is_reachable_and_the_finalizer_unmaps_it()
    {
        Assert.True(OperatingSystem.IsLinux(), "this test reads /proc/self/maps");
        string path = Path.Combine(_folder.Path, "mapped.db-generations");
        bool Mapped() => File.ReadLines("/proc/self/maps").Any(l => l.EndsWith(path, StringComparison.Ordinal));

        OpenDisposeAndCheck(path, Mapped);

        for (int i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(Mapped(), "the finalizer did not unmap the view");
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void OpenDisposeAndCheck(string path, Func<bool> mapped)
    {
        var generations = TenantGenerations.Open(path); // unreachable once this frame returns (a Debug build keeps locals to the end)
        Assert.True(mapped());
        generations.Dispose();
        Assert.True(mapped(), "Dispose unmapped the view: a Read or Bump that passed the disposed check a moment earlier would fault");
    }
}
