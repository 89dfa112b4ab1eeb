using System.Text.Json;

namespace Tenancy.Cli.Tests;

/// <summary>doctor: data root permissions, catalog, tenant files, file-descriptor limit against MaxOpenTenants.</summary>
public sealed class DoctorTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private string Root => _folder["data"];

    public void Dispose() => _folder.Dispose();

    private static JsonElement CheckNamed(JsonElement report, string name)
        => report.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    [Fact]
    public async Task A_private_data_root_with_a_sound_catalog_is_healthy()
    {
        (await Tool.RunAsync("--data-root", Root, "create", "acme")).Expect(0);
        File.SetUnixFileMode(Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var report = (await Tool.RunAsync("--data-root", Root, "doctor", "--max-open-tenants", "1", "--json")).Expect(0).Json;

        Assert.True(report.Has("healthy", JsonValueKind.True).GetBoolean());
        foreach (var check in report.Has("checks", JsonValueKind.Array).EnumerateArray())
        {
            check.Has("name", JsonValueKind.String);
            check.Has("status", JsonValueKind.String);
            check.Has("detail", JsonValueKind.String);
            check.HasNullable("fix", JsonValueKind.String);
        }

        Assert.Equal("ok", CheckNamed(report, "data root permissions").GetProperty("status").GetString());
        Assert.Equal("ok", CheckNamed(report, "file descriptors").GetProperty("status").GetString());
        Assert.Contains("1 tenant", CheckNamed(report, "catalog").GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_world_writable_data_root_fails_with_the_fix()
    {
        (await Tool.RunAsync("--data-root", Root, "create", "acme")).Expect(0);
        File.SetUnixFileMode(Root, (UnixFileMode)0x1FF); // 0777

        var result = (await Tool.RunAsync("--data-root", Root, "doctor", "--max-open-tenants", "1", "--json")).Expect(1);

        var check = CheckNamed(result.Json, "data root permissions");
        Assert.Equal("failed", check.GetProperty("status").GetString());
        Assert.Contains("chmod o-rwx", check.GetProperty("fix").GetString());
    }

    [Fact]
    public async Task A_descriptor_limit_below_what_MaxOpenTenants_needs_fails()
    {
        (await Tool.RunAsync("--data-root", Root, "create", "acme")).Expect(0);

        var result = (await Tool.RunAsync("--data-root", Root, "doctor", "--max-open-tenants", "100000000", "--json")).Expect(1);

        var check = CheckNamed(result.Json, "file descriptors");
        Assert.Equal("failed", check.GetProperty("status").GetString());
        Assert.Contains("300000064", check.GetProperty("detail").GetString());
        Assert.Contains("MaxOpenTenants", check.GetProperty("fix").GetString());
    }

    [Fact]
    public async Task A_catalogued_tenant_without_its_file_is_lost_data_a_failed_check_exit_1_and_the_fix_is_restore_backup()
    {
        (await Tool.RunAsync("--data-root", Root, "create", "acme")).Expect(0);
        File.SetUnixFileMode(Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); // nothing else fails
        File.Delete(Path.Combine(Root, "tenants", "acme.db"));

        var report = (await Tool.RunAsync("--data-root", Root, "doctor", "--max-open-tenants", "1", "--json")).Expect(1).Json;

        Assert.False(report.GetProperty("healthy").GetBoolean());
        var check = CheckNamed(report, "tenant files");
        Assert.Equal("failed", check.GetProperty("status").GetString());
        Assert.Contains("acme", check.GetProperty("detail").GetString());
        Assert.Contains("tenantctl restore-backup acme --from", check.GetProperty("fix").GetString());
    }

    [Fact]
    public async Task Doctor_on_a_missing_data_root_fails_and_creates_nothing()
    {
        var result = (await Tool.RunAsync("--data-root", Root, "doctor")).Expect(1);

        Assert.Contains("does not exist", result.Stdout);
        Assert.False(Directory.Exists(Root));
    }
}
