using System.Text.Json;

namespace Tenancy.Cli.Tests;

/// <summary>list, show, create, copy, archive, restore, delete — through the built tool, against temporary data roots.</summary>
public sealed class LifecycleTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private string Root => _folder["data"];

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Create_then_list_prints_the_tenant_in_json_whether_global_options_come_before_or_after_the_command()
    {
        await Tool.RunAsync("--data-root", Root, "create", "acme", "--json").ContinueWith(t => t.Result.Expect(0));
        var before = (await Tool.RunAsync("--data-root", Root, "list", "--json")).Expect(0).Json;
        var after = (await Tool.RunAsync("list", "--data-root", Root, "--json")).Expect(0).Json;

        var tenants = before.Has("tenants", JsonValueKind.Array);
        Assert.Equal(["acme"], tenants.Slugs());
        tenants[0].IsTenant("acme");
        Assert.Equal(before.ToString(), after.ToString());
    }

    [Fact]
    public async Task Create_prints_the_new_tenant_and_makes_its_file()
    {
        var created = (await Tool.RunAsync("--data-root", Root, "--json", "create", "acme")).Expect(0).Json;

        created.Has("tenant", JsonValueKind.Object).IsTenant("acme");
        Assert.True(File.Exists(Path.Combine(Root, "tenants", "acme.db")));
    }

    [Fact]
    public async Task Create_of_an_existing_tenant_fails_with_exit_code_1_and_a_json_error()
    {
        (await Tool.RunAsync("--data-root", Root, "create", "acme")).Expect(0);

        var again = (await Tool.RunAsync("--data-root", Root, "create", "acme", "--json")).Expect(1);

        var error = again.Json.Has("error", JsonValueKind.Object);
        Assert.Equal(1, error.Has("exitCode", JsonValueKind.Number).GetInt32());
        Assert.Equal("TenantAlreadyExistsException", error.Has("type", JsonValueKind.String).GetString());
        Assert.Contains("already", error.Has("message", JsonValueKind.String).GetString());
        Assert.Contains("error:", again.Stderr);
    }

    [Fact]
    public async Task Create_honours_the_path_template()
    {
        (await Tool.RunAsync("--data-root", Root, "--path-template", "wikis/{tenant}/wiki.db", "create", "acme")).Expect(0);

        Assert.True(File.Exists(Path.Combine(Root, "wikis", "acme", "wiki.db")));
        var show = (await Tool.RunAsync("--data-root", Root, "--path-template", "wikis/{tenant}/wiki.db", "show", "acme", "--json")).Expect(0).Json;
        Assert.Equal(Path.Combine(Root, "wikis", "acme", "wiki.db"), show.GetProperty("file").GetProperty("path").GetString());
    }

    [Fact]
    public async Task Show_prints_the_record_and_the_file()
    {
        var migrations = SqlMigrations.Standard(_folder["migrations"]);
        (await Tool.RunAsync("--data-root", Root, "--migrations", migrations, "create", "acme")).Expect(0);

        var show = (await Tool.RunAsync("--data-root", Root, "show", "acme", "--json")).Expect(0).Json;

        show.Has("tenant", JsonValueKind.Object).IsTenant("acme");
        var file = show.Has("file", JsonValueKind.Object);
        Assert.True(file.Has("exists", JsonValueKind.True).GetBoolean());
        Assert.Equal(2, file.Has("version", JsonValueKind.Number).GetInt32());
        Assert.True(file.Has("sizeBytes", JsonValueKind.Number).GetInt64() > 0);
        file.Has("lastWrite", JsonValueKind.String);
    }

    [Fact]
    public async Task Show_of_an_unknown_tenant_fails_with_exit_code_1()
    {
        (await Tool.RunAsync("--data-root", Root, "create", "acme")).Expect(0);

        var result = (await Tool.RunAsync("--data-root", Root, "show", "nobody")).Expect(1);

        Assert.Contains("tenantctl list", result.Stderr);
    }

    [Fact]
    public async Task Creating_an_existing_tenant_or_archiving_an_unknown_one_names_the_tenantctl_command_to_run()
    {
        (await Tool.RunAsync("--data-root", Root, "create", "acme")).Expect(0);

        Assert.Contains("tenantctl delete acme --yes", (await Tool.RunAsync("--data-root", Root, "create", "acme")).Expect(1).Stderr);
        Assert.Contains("tenantctl list --archived", (await Tool.RunAsync("--data-root", Root, "archive", "ghost")).Expect(1).Stderr);
    }

    [Fact]
    public async Task Copy_and_create_from_a_template_copy_the_data()
    {
        var migrations = SqlMigrations.Standard(_folder["migrations"]);
        (await Tool.RunAsync("--data-root", Root, "--migrations", migrations, "create", "template")).Expect(0);
        Db.Exec(Path.Combine(Root, "tenants", "template.db"), "INSERT INTO pages (slug, body) VALUES ('home', 'welcome');");

        var copied = (await Tool.RunAsync("--data-root", Root, "--migrations", migrations, "copy", "template", "acme", "--json")).Expect(0).Json;
        (await Tool.RunAsync("--data-root", Root, "--migrations", migrations, "create", "globex", "--from", "template")).Expect(0);

        Assert.Equal("template", copied.GetProperty("tenant").IsTenant("acme").GetProperty("template").GetString());
        Assert.Equal(1, Db.Scalar(Path.Combine(Root, "tenants", "acme.db"), "SELECT count(*) FROM pages WHERE body = 'welcome';"));
        Assert.Equal(1, Db.Scalar(Path.Combine(Root, "tenants", "globex.db"), "SELECT count(*) FROM pages WHERE body = 'welcome';"));
    }

    [Theory]
    [InlineData("copy template acme")]
    [InlineData("create acme --from template")]
    public async Task Copying_a_template_without_the_migrations_is_a_usage_error_that_says_to_pass_them(string commandLine)
    {
        var command = commandLine.Split(' ');
        var migrations = SqlMigrations.Standard(_folder["migrations"]);
        (await Tool.RunAsync("--data-root", Root, "--migrations", migrations, "create", "template")).Expect(0);

        var result = (await Tool.RunAsync(["--data-root", Root, .. command, "--json"])).Expect(2);

        var message = result.Json.GetProperty("error").GetProperty("message").GetString()!;
        Assert.StartsWith($"`{command[0]}` from a template", message);
        Assert.Contains("pass the app's migrations, --migrations DIR", message);
        Assert.DoesNotContain("newer release", message);
        Assert.False(File.Exists(Path.Combine(Root, "tenants", "acme.db")));
        Assert.Equal(["template"], (await Tool.RunAsync("--data-root", Root, "list", "--json")).Json.GetProperty("tenants").Slugs());
    }

    [Fact]
    public async Task Archive_hides_the_tenant_from_list_until_restore()
    {
        (await Tool.RunAsync("--data-root", Root, "create", "acme")).Expect(0);
        (await Tool.RunAsync("--data-root", Root, "create", "globex")).Expect(0);

        var archived = (await Tool.RunAsync("--data-root", Root, "archive", "acme", "--json")).Expect(0).Json;
        archived.GetProperty("tenant").IsTenant("acme", "archived");
        Assert.Equal(["globex"], (await Tool.RunAsync("--data-root", Root, "list", "--json")).Expect(0).Json.GetProperty("tenants").Slugs());
        Assert.Equal(["acme", "globex"], (await Tool.RunAsync("--data-root", Root, "list", "--archived", "--json")).Expect(0).Json.GetProperty("tenants").Slugs());

        var restored = (await Tool.RunAsync("--data-root", Root, "restore", "acme", "--json")).Expect(0).Json;
        restored.GetProperty("tenant").IsTenant("acme", "active");
        Assert.Equal(["acme", "globex"], (await Tool.RunAsync("--data-root", Root, "list", "--json")).Expect(0).Json.GetProperty("tenants").Slugs());
    }

    [Fact]
    public async Task Delete_without_yes_changes_nothing_and_exits_2()
    {
        (await Tool.RunAsync("--data-root", Root, "--storage-template", "files/{tenant}", "create", "acme")).Expect(0);
        Directory.CreateDirectory(Path.Combine(Root, "files", "acme"));
        File.WriteAllText(Path.Combine(Root, "files", "acme", "logo.png"), "png");
        var before = Db.Snapshot(Root);

        var refused = (await Tool.RunAsync("--data-root", Root, "--storage-template", "files/{tenant}", "delete", "acme")).Expect(2);

        Assert.Contains("--yes", refused.Stderr);
        Assert.Equal(before, Db.Snapshot(Root));
        Assert.Equal(["acme"], (await Tool.RunAsync("--data-root", Root, "list", "--json")).Json.GetProperty("tenants").Slugs());
    }

    [Fact]
    public async Task Delete_with_yes_removes_the_record_the_file_and_the_storage_folder()
    {
        (await Tool.RunAsync("--data-root", Root, "--storage-template", "files/{tenant}", "create", "acme")).Expect(0);
        Directory.CreateDirectory(Path.Combine(Root, "files", "acme"));

        var deleted = (await Tool.RunAsync("--data-root", Root, "--storage-template", "files/{tenant}", "delete", "acme", "--yes", "--json")).Expect(0).Json;

        Assert.True(deleted.Has("deleted", JsonValueKind.True).GetBoolean());
        Assert.Equal("acme", deleted.Has("tenant", JsonValueKind.String).GetString());
        Assert.False(File.Exists(Path.Combine(Root, "tenants", "acme.db")));
        Assert.False(Directory.Exists(Path.Combine(Root, "files", "acme")));
        Assert.Empty((await Tool.RunAsync("--data-root", Root, "list", "--archived", "--json")).Json.GetProperty("tenants").EnumerateArray());
    }

    [Fact]
    public async Task Plain_output_without_a_terminal_is_an_aligned_table()
    {
        (await Tool.RunAsync("--data-root", Root, "create", "acme")).Expect(0);

        var list = (await Tool.RunAsync("--data-root", Root, "list")).Expect(0);

        var lines = list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("tenant", lines[0]);
        Assert.StartsWith("acme", lines[1]);
        Assert.DoesNotContain("\u001b[", list.Stdout);
    }
}
