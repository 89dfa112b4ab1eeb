using System.IO.MemoryMappedFiles;

namespace Tenancy.Sqlite;

/// <summary>
/// Change counters shared by every process on this machine that uses one data root: a memory-mapped file of 4,096
/// counters beside the catalog (<c>{catalog}-generations</c>). Archiving, restoring, deleting or creating a tenant and
/// committing a migration step increments the tenant's counter; a router trusts what it cached about a tenant (migrated,
/// active) only while the counter it saw is unchanged, so a warm open costs one memory read and a change made by another
/// process is seen at its next open. Counters are shared by the tenants whose slugs hash alike: a collision only costs an
/// extra check. Processes on other machines (a network file system) do not share the mapping; SQLite's own locking is not
/// reliable there either.
/// <para>
/// Reads and increments go through a raw pointer (one memory access, no lock), so the mapping must outlive every one of
/// them: <see cref="Dispose"/> only stops new ones (they read -1 and change nothing) and closes the file handle; the view is
/// unmapped by the finalizer, once nothing can call this object any more. Unmapping in <see cref="Dispose"/> would let a
/// call that passed the disposed check a moment earlier touch unmapped memory and crash the process.
/// </para>
/// </summary>
internal sealed unsafe class TenantGenerations : IDisposable
{
    public const int SlotCount = 4096;
    private const long Size = SlotCount * sizeof(long);
    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly long* _slots;
    private readonly long[]? _private;
    private int _disposed;

    private TenantGenerations(MemoryMappedFile file, MemoryMappedViewAccessor view)
    {
        _file = file;
        _view = view;
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _slots = (long*)(pointer + view.PointerOffset);
    }

    private TenantGenerations(long[] slots)
    {
        _private = slots;
    }

    /// <summary>Whether the counters are shared with other processes (false when the data root cannot hold the file).</summary>
    public bool Shared => _private is null;

    /// <summary>Maps <paramref name="path"/>, creating it (zeroed) when absent; a data root that cannot hold it gets private counters.</summary>
    public static TenantGenerations Open(string path)
    {
        try
        {
            DurableFiles.CreateDirectory(Path.GetDirectoryName(path)!);
            var file = MemoryMappedFile.CreateFromFile(path, FileMode.OpenOrCreate, mapName: null, Size, MemoryMappedFileAccess.ReadWrite);
            try
            {
                return new TenantGenerations(file, file.CreateViewAccessor(0, Size, MemoryMappedFileAccess.ReadWrite));
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A read-only data root: nothing can be archived, deleted or migrated through it by this process either.
            return new TenantGenerations(new long[SlotCount]);
        }
    }

    /// <summary>The counter of a slug: FNV-1a of its characters (stable across processes, unlike string.GetHashCode).</summary>
    public static int SlotOf(string slug)
    {
        uint hash = 2166136261;
        foreach (char c in slug)
        {
            hash = (hash ^ c) * 16777619;
        }

        return (int)(hash % SlotCount);
    }

    /// <summary>The current value of a slot (-1 once disposed).</summary>
    public long Read(int slot)
    {
        if (_private is not null)
        {
            return Volatile.Read(ref _private[slot]);
        }

        long value = Volatile.Read(ref _disposed) == 0 ? Volatile.Read(ref _slots[slot]) : -1;
        GC.KeepAlive(this); // the finalizer unmaps: not before the read above is done
        return value;
    }

    /// <summary>Records a change to the tenants of a slot, for every process (nothing once disposed).</summary>
    public void Bump(int slot)
    {
        if (_private is null)
        {
            if (Volatile.Read(ref _disposed) == 0)
            {
                Interlocked.Increment(ref _slots[slot]);
            }

            GC.KeepAlive(this);
        }
        else
        {
            Interlocked.Increment(ref _private[slot]);
        }
    }

    /// <summary>Records a change to one tenant.</summary>
    public void Bump(string slug) => Bump(SlotOf(slug));

    /// <summary>Stops reads and increments and closes the file handle; the mapping goes with the finalizer (see the type).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || _file is null)
        {
            return;
        }

        _file.Dispose(); // the view keeps the mapping, and the pointer, valid
    }

    /// <summary>Unmaps the view: no call can be running, since nothing references this object.</summary>
    ~TenantGenerations()
    {
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
    }
}
