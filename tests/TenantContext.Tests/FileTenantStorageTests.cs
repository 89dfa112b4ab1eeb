using System.Text;

namespace Tenancy.Tests;

/// <summary><see cref="FileTenantStorage"/>: a directory per tenant whose every path stays under its root.</summary>
public sealed class FileTenantStorageTests : IDisposable
{
    private readonly TempDir _temp = new("storage");
    private readonly FileTenantStorage _storage;

    public FileTenantStorageTests()
    {
        _storage = new FileTenantStorage(_temp.Combine("tenants", "acme"));
    }

    public void Dispose() => _temp.Dispose();

    private string Outside => _temp.Combine("outside");

    private static void Write(ITenantStorage storage, string path, string text)
    {
        using var stream = storage.Create(path);
        stream.Write(Encoding.UTF8.GetBytes(text));
    }

    private static string Read(ITenantStorage storage, string path)
    {
        using var reader = new StreamReader(storage.OpenRead(path));
        return reader.ReadToEnd();
    }

    // ---- ordinary use -----------------------------------------------------------------------------------------

    [Fact]
    public void The_root_is_absolute_and_not_created_until_the_first_write()
    {
        Assert.True(Path.IsPathFullyQualified(_storage.Root));
        Assert.False(Directory.Exists(_storage.Root));
    }

    [Fact]
    public void A_written_file_reads_back()
    {
        Write(_storage, "pages/home.md", "# Home");
        Assert.Equal("# Home", Read(_storage, "pages/home.md"));
    }

    [Fact]
    public void Create_puts_the_file_under_the_root_creating_its_directories()
    {
        Write(_storage, "a/b/c.txt", "x");
        Assert.True(File.Exists(Path.Combine(_storage.Root, "a", "b", "c.txt")));
    }

    [Fact]
    public void Create_truncates_an_existing_file()
    {
        Write(_storage, "f.txt", "a long first version");
        Write(_storage, "f.txt", "short");
        Assert.Equal("short", Read(_storage, "f.txt"));
    }

    [Fact]
    public void GetPath_resolves_under_the_root()
    {
        Assert.Equal(Path.Combine(_storage.Root, "a", "b.txt"), _storage.GetPath("a/b.txt"));
    }

    [Fact]
    public void GetPath_accepts_backslash_separators()
    {
        Assert.Equal(Path.Combine(_storage.Root, "a", "b.txt"), _storage.GetPath("a\\b.txt"));
    }

    [Fact]
    public void Exists_reports_files_and_directories()
    {
        Write(_storage, "dir/f.txt", "x");
        Assert.True(_storage.Exists("dir/f.txt"));
        Assert.True(_storage.Exists("dir"));
        Assert.False(_storage.Exists("dir/missing.txt"));
    }

    [Fact]
    public void Exists_of_the_empty_path_is_the_root()
    {
        Assert.False(_storage.Exists(""));
        Write(_storage, "f.txt", "x");
        Assert.True(_storage.Exists(""));
    }

    [Fact]
    public void Delete_removes_a_file_and_reports_it()
    {
        Write(_storage, "f.txt", "x");
        Assert.True(_storage.Delete("f.txt"));
        Assert.False(_storage.Exists("f.txt"));
    }

    [Fact]
    public void Delete_of_a_missing_file_returns_false()
    {
        Assert.False(_storage.Delete("missing.txt"));
    }

    [Fact]
    public void Delete_removes_an_empty_directory()
    {
        Write(_storage, "dir/f.txt", "x");
        _storage.Delete("dir/f.txt");
        Assert.True(_storage.Delete("dir"));
        Assert.False(_storage.Exists("dir"));
    }

    [Fact]
    public void Delete_refuses_a_non_empty_directory()
    {
        Write(_storage, "dir/f.txt", "x");
        Assert.Throws<IOException>(() => _storage.Delete("dir"));
        Assert.True(_storage.Exists("dir/f.txt"));
    }

    [Fact]
    public void List_returns_every_file_recursively_relative_to_the_root_with_forward_slashes_in_order()
    {
        Write(_storage, "b.txt", "x");
        Write(_storage, "a/z.txt", "x");
        Write(_storage, "a/b/c.txt", "x");
        Assert.Equal(["a/b/c.txt", "a/z.txt", "b.txt"], _storage.List());
    }

    [Fact]
    public void List_of_a_subdirectory_returns_paths_relative_to_the_root()
    {
        Write(_storage, "a/x.txt", "x");
        Write(_storage, "b/y.txt", "x");
        Assert.Equal(["a/x.txt"], _storage.List("a"));
    }

    [Fact]
    public void List_of_a_missing_directory_is_empty()
    {
        Assert.Empty(_storage.List("nothing-here"));
        Assert.Empty(_storage.List());
    }

    [Fact]
    public void Two_tenants_storages_do_not_see_each_others_files()
    {
        var other = new FileTenantStorage(_temp.Combine("tenants", "other"));
        Write(_storage, "f.txt", "acme");
        Write(other, "f.txt", "other");
        Assert.Equal("acme", Read(_storage, "f.txt"));
        Assert.Equal(["f.txt"], other.List());
        Assert.Equal("other", Read(other, "f.txt"));
    }

    // ---- refused paths ----------------------------------------------------------------------------------------

    public static TheoryData<string> Escapes => new()
    {
        "..",
        "../x",
        "../acme-evil/x",
        "a/../../x",
        "a/../b",
        "a/..",
        "..\\x",
        "a\\..\\..\\x",
        "/etc/passwd",
        "/",
        "\\x",
        "\\\\server\\share\\x",
        "C:\\x",
        "C:x",
        "c:/x",
        "a\0b",
        "\0",
        "x.txt\0.png",
    };

    [Theory]
    [MemberData(nameof(Escapes))]
    public void GetPath_refuses_a_path_that_could_leave_the_root(string path)
    {
        Assert.Throws<UnauthorizedAccessException>(() => _storage.GetPath(path));
    }

    [Theory]
    [MemberData(nameof(Escapes))]
    public void Create_refuses_a_path_that_could_leave_the_root_and_writes_nothing(string path)
    {
        Assert.Throws<UnauthorizedAccessException>(() => _storage.Create(path));
        Assert.Empty(Directory.GetFileSystemEntries(_temp.Path, "*", SearchOption.AllDirectories));
    }

    [Theory]
    [MemberData(nameof(Escapes))]
    public void OpenRead_Exists_Delete_and_List_refuse_a_path_that_could_leave_the_root(string path)
    {
        Assert.Throws<UnauthorizedAccessException>(() => _storage.OpenRead(path));
        Assert.Throws<UnauthorizedAccessException>(() => _storage.Exists(path));
        Assert.Throws<UnauthorizedAccessException>(() => _storage.Delete(path));
        Assert.Throws<UnauthorizedAccessException>(() => _storage.List(path));
    }

    [Fact]
    public void A_sibling_directory_sharing_the_roots_prefix_is_out_of_reach()
    {
        // "acme-evil" starts with "acme": a prefix check without the separator would let it through.
        var sibling = _temp.Combine("tenants", "acme-evil");
        Directory.CreateDirectory(sibling);
        File.WriteAllText(Path.Combine(sibling, "secret.txt"), "secret");
        Assert.Throws<UnauthorizedAccessException>(() => _storage.OpenRead("../acme-evil/secret.txt"));
    }

    [Fact]
    public void The_refusal_message_says_why_and_names_the_root()
    {
        var error = Assert.Throws<UnauthorizedAccessException>(() => _storage.GetPath("../x"));
        Assert.Contains("'..'", error.Message);
        Assert.Contains(_storage.Root, error.Message);
    }

    [Fact]
    public void The_empty_path_is_refused_for_a_file()
    {
        Assert.Throws<UnauthorizedAccessException>(() => _storage.Create(""));
    }

    // ---- links ------------------------------------------------------------------------------------------------

    private void MakeOutsideSecret()
    {
        Directory.CreateDirectory(Outside);
        File.WriteAllText(Path.Combine(Outside, "secret.txt"), "secret");
    }

    [Fact]
    public void A_directory_link_inside_the_root_that_points_outside_is_refused_for_reading()
    {
        MakeOutsideSecret();
        Directory.CreateDirectory(_storage.Root);
        Directory.CreateSymbolicLink(Path.Combine(_storage.Root, "escape"), Outside);

        Assert.Throws<UnauthorizedAccessException>(() => _storage.OpenRead("escape/secret.txt"));
    }

    [Fact]
    public void A_directory_link_that_points_outside_is_refused_for_writing_and_nothing_is_written_outside()
    {
        MakeOutsideSecret();
        Directory.CreateDirectory(_storage.Root);
        Directory.CreateSymbolicLink(Path.Combine(_storage.Root, "escape"), Outside);

        Assert.Throws<UnauthorizedAccessException>(() => _storage.Create("escape/planted.txt"));
        Assert.Throws<UnauthorizedAccessException>(() => _storage.Create("escape/sub/planted.txt"));
        Assert.Equal([Path.Combine(Outside, "secret.txt")], Directory.GetFileSystemEntries(Outside, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_directory_link_that_points_outside_is_refused_for_Exists_Delete_and_GetPath()
    {
        MakeOutsideSecret();
        Directory.CreateDirectory(_storage.Root);
        Directory.CreateSymbolicLink(Path.Combine(_storage.Root, "escape"), Outside);

        Assert.Throws<UnauthorizedAccessException>(() => _storage.Exists("escape/secret.txt"));
        Assert.Throws<UnauthorizedAccessException>(() => _storage.Delete("escape/secret.txt"));
        Assert.Throws<UnauthorizedAccessException>(() => _storage.GetPath("escape/secret.txt"));
        Assert.True(File.Exists(Path.Combine(Outside, "secret.txt")));
    }

    [Fact]
    public void A_file_link_inside_the_root_that_points_outside_is_refused()
    {
        MakeOutsideSecret();
        Directory.CreateDirectory(_storage.Root);
        File.CreateSymbolicLink(Path.Combine(_storage.Root, "innocent.txt"), Path.Combine(Outside, "secret.txt"));

        Assert.Throws<UnauthorizedAccessException>(() => _storage.OpenRead("innocent.txt"));
        Assert.Throws<UnauthorizedAccessException>(() => _storage.Create("innocent.txt"));
        Assert.Equal("secret", File.ReadAllText(Path.Combine(Outside, "secret.txt")));
    }

    [Fact]
    public void A_relative_link_that_climbs_out_of_the_root_is_refused()
    {
        MakeOutsideSecret();
        Directory.CreateDirectory(_storage.Root);
        Directory.CreateSymbolicLink(Path.Combine(_storage.Root, "up"), Path.Combine("..", "..", "outside"));

        Assert.Throws<UnauthorizedAccessException>(() => _storage.OpenRead("up/secret.txt"));
    }

    [Fact]
    public void A_link_to_another_tenants_directory_is_refused()
    {
        var other = new FileTenantStorage(_temp.Combine("tenants", "other"));
        Write(other, "private.txt", "other's");
        Directory.CreateDirectory(_storage.Root);
        Directory.CreateSymbolicLink(Path.Combine(_storage.Root, "neighbour"), other.Root);

        Assert.Throws<UnauthorizedAccessException>(() => _storage.OpenRead("neighbour/private.txt"));
    }

    [Fact]
    public void A_dangling_link_that_points_outside_is_refused_for_writing_and_nothing_is_created_outside()
    {
        Directory.CreateDirectory(Outside);
        Directory.CreateDirectory(_storage.Root);
        var target = Path.Combine(Outside, "planted.txt");
        File.CreateSymbolicLink(Path.Combine(_storage.Root, "dangling.txt"), target);

        Assert.Throws<UnauthorizedAccessException>(() => _storage.Create("dangling.txt"));
        Assert.False(File.Exists(target));
    }

    [Fact]
    public void A_chain_of_links_that_ends_outside_the_root_is_refused()
    {
        MakeOutsideSecret();
        Directory.CreateDirectory(_storage.Root);
        Directory.CreateSymbolicLink(Path.Combine(_storage.Root, "second"), Outside);
        Directory.CreateSymbolicLink(Path.Combine(_storage.Root, "first"), Path.Combine(_storage.Root, "second"));

        Assert.Throws<UnauthorizedAccessException>(() => _storage.OpenRead("first/secret.txt"));
    }

    [Fact]
    public void A_directory_link_that_stays_inside_the_root_works()
    {
        Write(_storage, "real/page.md", "inside");
        Directory.CreateSymbolicLink(Path.Combine(_storage.Root, "alias"), Path.Combine(_storage.Root, "real"));

        Assert.Equal("inside", Read(_storage, "alias/page.md"));
        Write(_storage, "alias/new.md", "via link");
        Assert.Equal("via link", Read(_storage, "real/new.md"));
    }

    [Fact]
    public void A_file_link_that_stays_inside_the_root_works()
    {
        Write(_storage, "real.txt", "inside");
        File.CreateSymbolicLink(Path.Combine(_storage.Root, "alias.txt"), "real.txt");

        Assert.Equal("inside", Read(_storage, "alias.txt"));
    }

    [Fact]
    public void A_root_reached_through_a_link_still_works()
    {
        var realRoot = _temp.Combine("real-root");
        Directory.CreateDirectory(realRoot);
        var linkedRoot = _temp.Combine("linked-root");
        Directory.CreateSymbolicLink(linkedRoot, realRoot);
        var storage = new FileTenantStorage(linkedRoot);

        Write(storage, "sub/f.txt", "ok");
        Assert.Equal("ok", Read(storage, "sub/f.txt"));
    }

    [Fact]
    public void List_does_not_follow_a_directory_link_out_of_the_root()
    {
        MakeOutsideSecret();
        Write(_storage, "mine.txt", "x");
        Directory.CreateSymbolicLink(Path.Combine(_storage.Root, "escape"), Outside);

        Assert.Equal(["mine.txt"], _storage.List());
    }

    [Fact]
    public void List_does_not_report_a_file_link_out_of_the_root()
    {
        MakeOutsideSecret();
        Write(_storage, "mine.txt", "x");
        File.CreateSymbolicLink(Path.Combine(_storage.Root, "innocent.txt"), Path.Combine(Outside, "secret.txt"));

        Assert.DoesNotContain("innocent.txt", _storage.List());
    }

    [Fact]
    public void List_of_a_linked_directory_that_leads_out_is_refused()
    {
        MakeOutsideSecret();
        Directory.CreateDirectory(_storage.Root);
        Directory.CreateSymbolicLink(Path.Combine(_storage.Root, "escape"), Outside);

        Assert.Throws<UnauthorizedAccessException>(() => _storage.List("escape"));
    }
}
