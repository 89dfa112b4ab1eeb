namespace Tenancy;

/// <summary>
/// A tenant's file area as a directory. Every path is resolved under <see cref="Root"/>: <c>..</c> segments, absolute
/// and drive-qualified paths, NUL characters, and symbolic links that lead out of the root are refused with an
/// <see cref="UnauthorizedAccessException"/> (links that stay inside are followed). The directory is created on first write.
/// </summary>
public sealed class FileTenantStorage : ITenantStorage
{
    private readonly string _rootWithSeparator;

    /// <summary>Creates storage rooted at <paramref name="root"/> (made absolute; created lazily).</summary>
    /// <param name="root">The tenant's directory, for example <c>Path.Combine(dataRoot, "tenants", tenant.Slug)</c>.</param>
    public FileTenantStorage(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        _rootWithSeparator = Root + Path.DirectorySeparatorChar;
    }

    /// <inheritdoc />
    public string Root { get; }

    /// <inheritdoc />
    /// <exception cref="UnauthorizedAccessException">The path would leave <see cref="Root"/>.</exception>
    public string GetPath(string relativePath) => Resolve(relativePath, allowRoot: false);

    /// <inheritdoc />
    public Stream OpenRead(string relativePath)
        => new FileStream(Resolve(relativePath, allowRoot: false), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 4096, FileOptions.Asynchronous);

    /// <inheritdoc />
    public Stream Create(string relativePath)
    {
        var path = Resolve(relativePath, allowRoot: false);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        path = Resolve(relativePath, allowRoot: false); // the directories now exist: check links again
        return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous);
    }

    /// <inheritdoc />
    public bool Exists(string relativePath)
    {
        var path = Resolve(relativePath, allowRoot: true);
        return File.Exists(path) || Directory.Exists(path);
    }

    /// <inheritdoc />
    public bool Delete(string relativePath)
    {
        var path = Resolve(relativePath, allowRoot: false);
        if (File.Exists(path))
        {
            File.Delete(path);
            return true;
        }

        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: false);
            return true;
        }

        return false;
    }

    /// <inheritdoc />
    public IEnumerable<string> List(string relativeDirectory = "")
    {
        var directory = Resolve(relativeDirectory, allowRoot: true);
        if (!Directory.Exists(directory))
        {
            return [];
        }

        // Links are not followed while listing: a link inside the area can point anywhere.
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint };
        return Directory.EnumerateFiles(directory, "*", options)
            .Select(p => Path.GetRelativePath(Root, p).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private string Resolve(string relativePath, bool allowRoot)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        if (relativePath.Length == 0)
        {
            return allowRoot ? Root : throw Refused(relativePath, "the path is empty");
        }

        if (relativePath.Contains('\0'))
        {
            throw Refused(relativePath, "it contains a NUL character");
        }

        var normalized = relativePath.Replace('\\', '/');
        if (Path.IsPathRooted(relativePath) || normalized.StartsWith('/') || (normalized.Length >= 2 && normalized[1] == ':'))
        {
            throw Refused(relativePath, "absolute paths are not allowed; pass a path relative to the tenant's root");
        }

        foreach (var segment in normalized.Split('/'))
        {
            if (segment == "..")
            {
                throw Refused(relativePath, "'..' segments are not allowed");
            }
        }

        var full = Path.GetFullPath(Path.Combine(Root, normalized.Replace('/', Path.DirectorySeparatorChar)));
        if (!full.StartsWith(_rootWithSeparator, StringComparison.Ordinal) && !(allowRoot && full == Root))
        {
            throw Refused(relativePath, "it resolves outside the tenant's root");
        }

        CheckLinks(full, relativePath);
        return full;
    }

    /// <summary>Walks the existing part of the path below the root; any link must resolve inside the root.</summary>
    private void CheckLinks(string full, string relativePath)
    {
        if (!Directory.Exists(Root))
        {
            return;
        }

        var realRoot = RealPath(Root);
        var current = Root;
        foreach (var segment in Path.GetRelativePath(Root, full).Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, segment);
            FileSystemInfo info = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            if (!info.Exists && info.LinkTarget is null)
            {
                return; // nothing further exists yet
            }

            if (info.LinkTarget is not null)
            {
                var target = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName
                    ?? Path.GetFullPath(info.LinkTarget, Path.GetDirectoryName(current)!);
                var realTarget = RealPath(target);
                if (realTarget != realRoot && !realTarget.StartsWith(realRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    throw Refused(relativePath, $"'{segment}' is a link that leads outside the tenant's root");
                }
            }
        }
    }

    private static string RealPath(string path)
    {
        // Resolve links in every existing ancestor, so that a root reached through a link still compares equal.
        var full = Path.GetFullPath(path);
        var parts = full.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        var current = Path.GetPathRoot(full)!;
        foreach (var part in parts)
        {
            current = Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } target)
            {
                current = target.FullName;
            }
        }

        return Path.TrimEndingDirectorySeparator(current);
    }

    private UnauthorizedAccessException Refused(string relativePath, string reason)
        => new($"Refused tenant storage path {MessageText.Quote(relativePath)} under '{Root}': {reason}.");
}
