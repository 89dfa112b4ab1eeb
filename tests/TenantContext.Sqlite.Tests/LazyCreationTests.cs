using Microsoft.Data.Sqlite;
using Tenancy.Sqlite.Tests.Child;

namespace Tenancy.Sqlite.Tests;

public sealed class LazyCreationTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private TenantConfiguration Build(Action<SqliteTenantOptions>? configure = null) => TenantConfiguration.Build(b => b.UseSqlite(o =>
    {
        o.DataRoot = _folder.Path;
        o.CreateAnyTenantOnFirstUse = true;
        ChildSchemas.Standard(o);
        configure?.Invoke(o);
    }));

    [Fact]
    public void First_open_creates_the_file_under_the_default_template_and_applies_every_step()
    {
        using var configuration = Build();
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        using (var connection = (SqliteConnection)TenantContext.GetDb().OpenConnection())
        {
            Assert.Equal(3L, Db.Long(connection, "PRAGMA user_version;"));
            Assert.Equal("1,2,3", Db.Scalar(connection, "SELECT group_concat(version, ',') FROM (SELECT version FROM applied ORDER BY version);"));
            Assert.Equal(ChildSchemas.BackfillRows, Db.Long(connection, "SELECT count(*) FROM notes;"));
        }

        Assert.True(File.Exists(_folder.Combine("tenants", "acme.db")));
    }

    [Fact]
    public void GetDb_returns_the_tenants_SqliteTenantDatabase_also_reachable_with_Get()
    {
        using var configuration = Build();
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        {
            var db = Assert.IsType<SqliteTenantDatabase>(TenantContext.GetDb());
            Assert.Equal("acme", db.Slug);
            Assert.Same(db, TenantContext.Get<SqliteTenantDatabase>());
            Assert.Equal(configuration.GetSqlite().GetDatabasePath("acme"), db.Path);
        }
    }

    [Fact]
    public async Task OpenConnectionAsync_returns_an_open_connection_to_the_tenants_file()
    {
        using var configuration = Build();
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        {
            await using var connection = (SqliteConnection)await TenantContext.GetDb().OpenConnectionAsync(CancellationToken.None);
            Assert.Equal(System.Data.ConnectionState.Open, connection.State);
            Assert.Equal(_folder.Combine("tenants", "acme.db"), connection.DataSource);
        }
    }

    [Fact]
    public void Connections_get_WAL_busy_timeout_foreign_keys_and_synchronous_NORMAL_by_default()
    {
        using var configuration = Build();
        using var connection = configuration.GetSqlite().OpenConnection("acme");
        Assert.Equal("wal", Db.Scalar(connection, "PRAGMA journal_mode;"));
        Assert.Equal(5000L, Db.Long(connection, "PRAGMA busy_timeout;"));
        Assert.Equal(1L, Db.Long(connection, "PRAGMA foreign_keys;"));
        Assert.Equal(1L, Db.Long(connection, "PRAGMA synchronous;")); // NORMAL
    }

    [Fact]
    public void Connection_pragmas_follow_the_options()
    {
        using var configuration = Build(o =>
        {
            o.JournalMode = SqliteJournalMode.Delete;
            o.BusyTimeout = TimeSpan.FromMilliseconds(1234);
            o.ForeignKeys = false;
            o.Synchronous = SqliteSynchronous.Full;
        });
        using var connection = configuration.GetSqlite().OpenConnection("acme");
        Assert.Equal("delete", Db.Scalar(connection, "PRAGMA journal_mode;"));
        Assert.Equal(1234L, Db.Long(connection, "PRAGMA busy_timeout;"));
        Assert.Equal(0L, Db.Long(connection, "PRAGMA foreign_keys;"));
        Assert.Equal(2L, Db.Long(connection, "PRAGMA synchronous;")); // FULL
    }

    [Fact]
    public void Pooled_connections_keep_their_pragmas_when_reused()
    {
        using var configuration = Build(o => o.BusyTimeout = TimeSpan.FromMilliseconds(777));
        var router = configuration.GetSqlite();
        for (int i = 0; i < 3; i++)
        {
            using var connection = router.OpenConnection("acme");
            Assert.Equal(777L, Db.Long(connection, "PRAGMA busy_timeout;"));
            Assert.Equal(1L, Db.Long(connection, "PRAGMA foreign_keys;"));
        }
    }

    [Fact]
    public void A_warm_open_trusts_the_migrated_state_kept_in_memory_and_reads_no_version()
    {
        using var configuration = Build();
        var router = configuration.GetSqlite();
        router.OpenConnection("acme").Dispose();
        using (var raw = Db.OpenFile(router.GetDatabasePath("acme")))
        {
            Db.Exec(raw, "PRAGMA user_version = 99;");
        }

        using var warm = router.OpenConnection("acme"); // no version check on a warm open
        Assert.Equal(99L, Db.Long(warm, "PRAGMA user_version;"));
        using var fresh = Build();
        Assert.Throws<TenantDatabaseVersionException>(() => fresh.GetSqlite().OpenConnection("acme"));
    }

    [Fact]
    public async Task Many_threads_opening_a_new_tenant_create_it_once_and_apply_each_step_once()
    {
        using var configuration = Build();
        var router = configuration.GetSqlite();
        using var start = new ManualResetEventSlim();
        var tasks = Enumerable.Range(0, 16).Select(_ => Task.Run(() =>
        {
            start.Wait();
            using var connection = router.OpenConnection("race");
            return Db.Long(connection, "PRAGMA user_version;");
        })).ToArray();
        start.Set();
        Assert.All(await Task.WhenAll(tasks), v => Assert.Equal(3L, v));
        using var check = router.OpenConnection("race");
        Assert.Equal(3L, Db.Long(check, "SELECT count(*) FROM applied;"));
        Assert.Equal(ChildSchemas.BackfillRows, Db.Long(check, "SELECT count(*) FROM notes;"));
    }

    [Fact]
    public async Task A_new_tenant_is_published_whole_in_WAL_mode_leaving_no_temporary_files()
    {
        using var configuration = Build();
        var router = configuration.GetSqlite();
        await router.MigrateAsync("acme");
        var path = router.GetDatabasePath("acme");
        Assert.Equal(new[] { "acme.db" }, Directory.GetFiles(Path.GetDirectoryName(path)!).Select(f => Path.GetFileName(f)).ToArray());
        Assert.Equal("wal", Db.FileScalar(path, "PRAGMA journal_mode;"));
        Assert.Equal("ok", Db.FileScalar(path, "PRAGMA integrity_check;"));
        Assert.Equal(3L, Db.FileLong(path, "PRAGMA user_version;"));
    }

    [Fact]
    public void A_file_published_by_another_creator_while_building_is_kept_and_never_replaced()
    {
        string? path = null;
        using var configuration = TenantConfiguration.Build(b => b.UseSqlite(o =>
        {
            o.DataRoot = _folder.Path;
            o.CreateAnyTenantOnFirstUse = true;
            o.Migrations.Add(1, "init", (c, t) =>
            {
                // Another process finishes first: its file appears under the tenant's name while ours is being built.
                using (var other = Db.OpenFile(path!, SqliteOpenMode.ReadWriteCreate))
                {
                    Db.Exec(other, "PRAGMA journal_mode = WAL; CREATE TABLE winner (x); PRAGMA user_version = 1;");
                }

                ChildSchemas.Exec(c, t, "CREATE TABLE loser (x);");
            });
        }));
        var router = configuration.GetSqlite();
        path = router.GetDatabasePath("acme");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var connection = router.OpenConnection("acme");
        Assert.Equal(1L, Db.Long(connection, "SELECT count(*) FROM sqlite_master WHERE name = 'winner';"));
        Assert.Equal(0L, Db.Long(connection, "SELECT count(*) FROM sqlite_master WHERE name = 'loser';"));
        Assert.DoesNotContain(Directory.GetFiles(Path.GetDirectoryName(path)!), f => f.Contains(".tmp-", StringComparison.Ordinal));
    }

    [Fact]
    public void A_failed_step_keeps_the_previous_version_and_names_tenant_step_and_SQLite_error()
    {
        using var configuration = TenantConfiguration.Build(b => b.UseSqlite(o =>
        {
            o.DataRoot = _folder.Path;
            o.CreateAnyTenantOnFirstUse = true;
            o.Migrations.Add(1, "init", "CREATE TABLE notes (id INTEGER PRIMARY KEY);");
            o.Migrations.Add(2, "broken", "INSERT INTO notes (id) VALUES (1); INSERT INTO missing_table VALUES (1);");
        }));
        var router = configuration.GetSqlite();
        var error = Assert.Throws<TenantMigrationException>(() => router.OpenConnection("acme"));
        Assert.Equal("acme", error.Slug);
        Assert.Equal(2, error.Version);
        Assert.Equal("broken", error.StepName);
        Assert.Equal(1, error.PreviousVersion);
        Assert.Contains("'acme'", error.Message);
        Assert.Contains("step 2 'broken'", error.Message);
        Assert.Contains("no such table: missing_table", error.Message);
        Assert.IsType<SqliteException>(error.InnerException);
        Assert.Equal(1L, Db.FileLong(router.GetDatabasePath("acme"), "PRAGMA user_version;"));
        Assert.Equal(0L, Db.FileLong(router.GetDatabasePath("acme"), "SELECT count(*) FROM notes;"));
    }

    [Fact]
    public void The_next_open_retries_a_failed_step()
    {
        int attempts = 0;
        using var configuration = TenantConfiguration.Build(b => b.UseSqlite(o =>
        {
            o.DataRoot = _folder.Path;
            o.CreateAnyTenantOnFirstUse = true;
            o.Migrations.Add(1, "init", "CREATE TABLE notes (id INTEGER PRIMARY KEY);");
            o.Migrations.Add(2, "flaky", (c, t) =>
            {
                ChildSchemas.Exec(c, t, "INSERT INTO notes (id) VALUES (7);");
                if (Interlocked.Increment(ref attempts) == 1)
                {
                    throw new InvalidOperationException("transient failure");
                }
            });
        }));
        var router = configuration.GetSqlite();
        Assert.Throws<TenantMigrationException>(() => router.OpenConnection("acme"));
        using var connection = router.OpenConnection("acme");
        Assert.Equal(2L, Db.Long(connection, "PRAGMA user_version;"));
        Assert.Equal(1L, Db.Long(connection, "SELECT count(*) FROM notes;"));
    }

    [Fact]
    public void A_file_newer_than_the_code_is_refused_and_left_unchanged()
    {
        var path = _folder.Combine("tenants", "acme.db");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var raw = Db.OpenFile(path, SqliteOpenMode.ReadWriteCreate))
        {
            Db.Exec(raw, "CREATE TABLE future (x); PRAGMA user_version = 7;");
        }

        var before = Db.Hash(path);
        using var configuration = Build();
        var error = Assert.Throws<TenantDatabaseVersionException>(() => configuration.GetSqlite().OpenConnection("acme"));
        Assert.Equal(7, error.FileVersion);
        Assert.Equal(3, error.SupportedVersion);
        Assert.Contains("newer release", error.Message);
        Assert.Equal(before, Db.Hash(path));
    }

    [Fact]
    public void A_file_that_is_not_a_database_is_reported_and_never_overwritten()
    {
        var path = _folder.Combine("tenants", "acme.db");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "this is a text file that a careless script left here, long enough to hold a header.....................");
        var before = Db.Hash(path);
        using var configuration = Build();
        var error = Assert.Throws<TenantDatabaseCorruptException>(() => configuration.GetSqlite().OpenConnection("acme"));
        Assert.Contains("not a usable SQLite database", error.Message);
        Assert.Contains("Restore it from a backup", error.Message);
        Assert.Equal(before, Db.Hash(path));
    }

    [Theory]
    [InlineData("../outside/{tenant}.db")]
    [InlineData("tenants/{tenant}/../../../x/{tenant}.db")]
    [InlineData("/etc/{tenant}.db")]
    [InlineData("tenants/shared.db")]
    [InlineData("tenants/{tenant}/{other}.db")]
    [InlineData("tenants//{tenant}.db")]
    [InlineData("")]
    public void A_path_template_that_could_leave_the_data_root_is_refused_when_configuring(string template)
    {
        var error = Assert.Throws<ArgumentException>(() => TenantConfiguration.Build(b => b.UseSqlite(o =>
        {
            o.DataRoot = _folder.Path;
            o.CreateAnyTenantOnFirstUse = true;
            o.PathTemplate = template;
        })));
        Assert.Contains("PathTemplate", error.Message);
    }

    [Fact]
    public void A_nested_path_template_puts_each_tenant_in_its_own_folder()
    {
        using var configuration = Build(o => o.PathTemplate = "wikis/{tenant}/wiki.db");
        configuration.GetSqlite().OpenConnection("docs").Dispose();
        Assert.True(File.Exists(_folder.Combine("wikis", "docs", "wiki.db")));
    }

    [Fact]
    public void An_unwritable_data_root_gives_an_error_naming_the_tenant_path_and_the_fix()
    {
        // A path below a regular file can never be created, even by root (who ignores permission bits).
        var blocker = _folder.Combine("not-a-folder");
        File.WriteAllText(blocker, "x");
        using var configuration = TenantConfiguration.Build(b => b.UseSqlite(o => { o.DataRoot = Path.Combine(blocker, "data"); o.CreateAnyTenantOnFirstUse = true; }));
        var error = Assert.Throws<TenantDatabaseException>(() => configuration.GetSqlite().OpenConnection("acme"));
        Assert.Equal("acme", error.Slug);
        Assert.Contains("cannot be created or written", error.Message);
        Assert.Contains("permissions", error.Message);
    }

    [Fact]
    public void UseSqlite_twice_on_one_builder_is_refused()
    {
        Assert.Throws<InvalidOperationException>(() => TenantConfiguration.Build(b => b.UseSqlite(o => { o.DataRoot = _folder.Path; o.CreateAnyTenantOnFirstUse = true; }).UseSqlite()));
    }

    [Fact]
    public void GetSqlite_on_a_configuration_without_UseSqlite_says_how_to_register_it()
    {
        using var configuration = TenantConfiguration.Build(_ => { });
        var error = Assert.Throws<InvalidOperationException>(() => configuration.GetSqlite());
        Assert.Contains("UseSqlite", error.Message);
    }

    [Fact]
    public void Migrations_with_duplicate_versions_are_refused()
    {
        var options = new SqliteTenantOptions();
        options.Migrations.Add(1, "a", "SELECT 1;");
        Assert.Throws<ArgumentException>(() => options.Migrations.Add(1, "b", "SELECT 1;"));
    }
}
