using System.Runtime.InteropServices;

namespace Tenancy.Sqlite;

/// <summary>
/// The file-system steps a tenant's durability rests on, in one place: fsync of a file and of a directory, a folder
/// created so that it survives a power loss, a publish that never replaces an existing file, and deletes. Power loss is
/// modelled in the tests through <see cref="Observer"/>, which sees every durable step in order (the alternative, strace,
/// needs a tool CI does not have); a directory entry is durable only once its directory is fsynced.
/// </summary>
internal static class DurableFiles
{
    /// <summary>Test seam: called with (step, path) after each fsync and before each delete, in order. Null in production.</summary>
    internal static Action<string, string>? Observer;

    /// <summary>Forces a file's content to disk.</summary>
    public static void FlushFile(string path)
    {
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
        {
            stream.Flush(flushToDisk: true);
        }

        Observer?.Invoke("fsync-file", path);
    }

    /// <summary>
    /// Forces a directory's entries (a file linked, renamed or deleted in it, a folder created in it) to disk. Windows
    /// journals directory changes itself and cannot open a directory for flushing: there it is a no-op.
    /// </summary>
    public static void FlushDirectory(string directory)
    {
        if (!OperatingSystem.IsWindows())
        {
            int fd = NativeMethods.Open(directory, 0 /* O_RDONLY */);
            if (fd < 0)
            {
                throw new IOException($"Could not open the folder {directory} to flush it to disk (errno {Marshal.GetLastPInvokeError()}).");
            }

            try
            {
                if (NativeMethods.Fsync(fd) != 0)
                {
                    throw new IOException($"Could not flush the folder {directory} to disk (errno {Marshal.GetLastPInvokeError()}).");
                }
            }
            finally
            {
                _ = NativeMethods.Close(fd);
            }
        }

        Observer?.Invoke("fsync-directory", directory);
    }

    /// <summary>Creates a folder and its missing parents, flushing each parent that gained an entry, so the folder survives a power loss.</summary>
    public static void CreateDirectory(string directory)
    {
        var missing = new Stack<string>();
        for (var d = Path.GetFullPath(directory); !Directory.Exists(d); d = Path.GetDirectoryName(d)!)
        {
            missing.Push(d);
            if (Path.GetDirectoryName(d) is null)
            {
                break;
            }
        }

        if (missing.Count == 0)
        {
            return;
        }

        Directory.CreateDirectory(directory);
        foreach (var created in missing)
        {
            FlushDirectory(Path.GetDirectoryName(created)!);
        }
    }

    /// <summary>
    /// Gives <paramref name="temporary"/> (already flushed) the name <paramref name="path"/> unless that name exists, atomically,
    /// then flushes the folder so the new name survives a power loss. On Unix this is link(2), which fails with EEXIST when the
    /// target exists (File.Move without overwrite checks and then renames, so two creators could both pass the check and the
    /// second replace the first). Windows' MoveFileEx without REPLACE_EXISTING is atomic. The temporary name is left for the
    /// caller to delete.
    /// </summary>
    /// <returns>False when <paramref name="path"/> already existed.</returns>
    public static bool PublishWithoutReplacing(string temporary, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            try
            {
                File.Move(temporary, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                return false;
            }
        }
        else if (NativeMethods.Link(temporary, path) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == NativeMethods.EEXIST)
            {
                return false;
            }

            // A file system without hard links: fall back to File.Move (checks for the target, then renames).
            try
            {
                File.Move(temporary, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                return false;
            }
        }

        Observer?.Invoke("publish", path);
        FlushDirectory(Path.GetDirectoryName(path)!);
        return true;
    }

    /// <summary>Deletes a file if it exists.</summary>
    /// <returns>Whether there was a file.</returns>
    public static bool Delete(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        Observer?.Invoke("delete", path);
        File.Delete(path);
        return true;
    }

    /// <summary>A SQLite database's companion files, in the order they must go before the main file (a stale log replayed into a new file of the same name would resurrect data).</summary>
    public static string[] CompanionsFirst(string path) => [path + "-wal", path + "-journal", path + "-shm", path];

    /// <summary>Removes a temporary database and its companions; a leftover temporary file is harmless (it is never opened as a tenant).</summary>
    public static void DeleteTemporary(string temporary)
    {
        foreach (var leftover in CompanionsFirst(temporary))
        {
            try
            {
                File.Delete(leftover); // no error when it is absent (published, or never created)
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }
    }
}

internal static class NativeMethods
{
    public const int EEXIST = 17; // Linux and macOS

    [DllImport("libc", EntryPoint = "link", SetLastError = true, CharSet = CharSet.Ansi)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int Link(string oldPath, string newPath);

    [DllImport("libc", EntryPoint = "open", SetLastError = true, CharSet = CharSet.Ansi)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int Open(string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int Close(int fd);
}
