using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Tenancy.Cli.Stores;

namespace Tenancy.Cli.Commands;

/// <summary>
/// <c>doctor</c>: on SQLite, checks the data root (existence, write access, permissions), the catalog, tenant files, and the
/// file-descriptor limit; on PostgreSQL (<see cref="PostgresDoctor"/>), the catalog, each shard's server (version,
/// <c>wal_level</c>, a pooler that would lose startup parameters) and the connection budget against <c>max_connections</c>.
/// </summary>
internal static partial class DoctorCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var maxOpen = new Option<int>("--max-open-tenants")
        {
            Description = "The app's SqliteTenantOptions.MaxOpenTenants; the descriptor limit must cover 3 files per open tenant plus 64.",
            HelpName = "N",
            DefaultValueFactory = _ => 256,
        };
        var processes = new Option<int>("--processes")
        {
            Description = "PostgreSQL: how many app processes share the servers (each may open MaxConnectionsPerShard per shard).",
            HelpName = "N",
            DefaultValueFactory = _ => 1,
        };
        foreach (var positive in (Option<int>[])[maxOpen, processes])
        {
            positive.Validators.Add(result =>
            {
                if (result.GetValueOrDefault<int>() < 1)
                {
                    result.AddError($"{result.Option.Name} must be 1 or more.");
                }
            });
        }

        var command = new Command("doctor",
            "SQLite: check that the data root is usable and safe (exists, writable, not readable by other users), the catalog is sound, every catalogued tenant " +
            "has its file (a missing one is lost data: the check fails and names restore-backup), and the process file-descriptor limit covers MaxOpenTenants. PostgreSQL: check the catalog, each shard's server version, wal_level " +
            "(online moves need logical), a pooler that drops startup parameters or switches server connections (transaction pooling), and the connection " +
            "budget (MaxConnectionsPerShard × shards on the server × processes) against max_connections. Changes nothing; exit code 1 when a check fails.")
        {
            maxOpen, processes,
        };
        Tenantctl.SetAction(command, globals, async context =>
        {
            var checks = new List<DoctorCheckJson>();
            if (await context.StoreAsync(create: true).ConfigureAwait(false) is PostgresStore postgres)
            {
                await PostgresDoctor.RunAsync(postgres, context.Get(processes), checks, context.CancellationToken).ConfigureAwait(false);
                return Report(context, checks);
            }

            var store = await context.SqliteAsync(create: true).ConfigureAwait(false); // nothing is created: doctor only reads
            var root = store.Router.DataRoot;
            await Task.Run(() =>
            {
                CheckDataRoot(root, checks);
                if (Directory.Exists(root))
                {
                    CheckCatalog(store, checks);
                }

                CheckDescriptors(context.Get(maxOpen), checks);
                if (store.HasMigrations)
                {
                    checks.Add(Ok("migrations", $"{store.Router.LatestVersion} is the latest version of the migrations given"));
                }
            }, context.CancellationToken).ConfigureAwait(false);
            return Report(context, checks);
        });
        return command.WithExamples("tenantctl --data-root data doctor", "tenantctl --data-root data doctor --max-open-tenants 1024 --json",
            "tenantctl --postgres \"Host=db0;Database=platform;Username=ops\" doctor --max-connections-per-shard 50 --processes 4");
    }

    private static int Report(CommandContext context, List<DoctorCheckJson> checks)
    {
        bool healthy = checks.All(c => c.Status != DoctorStatus.Failed);
        if (context.Output.Json)
        {
            context.Output.WriteJson(new DoctorDocument(healthy, checks));
        }
        else
        {
            context.Output.Table(["check", "status", "detail", "fix"],
                checks.Select(c => (IReadOnlyList<string>)[c.Name, c.Status.ToString().ToLowerInvariant(), c.Detail, c.Fix ?? ""]));
            context.Output.Line(healthy ? "doctor: no problems that stop the app." : "doctor: some checks failed; see the fix column.");
        }

        return healthy ? ExitCodes.Ok : ExitCodes.Error;
    }

    private static void CheckDataRoot(string root, List<DoctorCheckJson> checks)
    {
        if (!Directory.Exists(root))
        {
            checks.Add(Failed("data root", $"{root} does not exist", "pass the app's data folder with --data-root, or create it (`tenantctl create` does)"));
            return;
        }

        var probe = Path.Combine(root, $".tenantctl-doctor-{Environment.ProcessId}");
        try
        {
            File.WriteAllText(probe, "");
            File.Delete(probe);
            checks.Add(Ok("data root writable", root));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            checks.Add(Failed("data root writable", $"cannot create a file in {root}: {ex.Message}", "give the app's user write access (chown/chmod), and check free space"));
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(root);
            var octal = Convert.ToString((int)mode, 8);
            if ((mode & UnixFileMode.OtherWrite) != 0)
            {
                checks.Add(Failed("data root permissions", $"{root} is writable by every user (mode {octal})", $"chmod o-rwx {root}"));
            }
            else if ((mode & (UnixFileMode.OtherRead | UnixFileMode.OtherExecute)) != 0)
            {
                checks.Add(Warning("data root permissions", $"other users can list or read {root} (mode {octal})", $"chmod o-rwx {root}"));
            }
            else
            {
                checks.Add(Ok("data root permissions", $"mode {octal}"));
            }
        }
    }

    private static void CheckCatalog(SqliteStore store, List<DoctorCheckJson> checks)
    {
        var path = store.Router.CatalogPath;
        if (!File.Exists(path))
        {
            checks.Add(Warning("catalog", $"{path} does not exist", "create a tenant (`tenantctl create T`) or pass the right --catalog-file"));
            return;
        }

        var slugs = new List<string>();
        try
        {
            using var connection = SqliteStore.OpenReadOnly(path);
            using (var check = connection.CreateCommand())
            {
                check.CommandText = "PRAGMA quick_check;";
                var result = Convert.ToString(check.ExecuteScalar(), CultureInfo.InvariantCulture);
                if (!string.Equals(result, "ok", StringComparison.Ordinal))
                {
                    checks.Add(Failed("catalog", $"{path} fails SQLite's quick_check: {result}", "restore the catalog from a backup"));
                    return;
                }
            }

            using var list = connection.CreateCommand();
            list.CommandText = "SELECT slug FROM tenants ORDER BY slug;";
            using var reader = list.ExecuteReader();
            while (reader.Read())
            {
                slugs.Add(reader.GetString(0));
            }
        }
        catch (SqliteException ex)
        {
            checks.Add(Failed("catalog", $"{path} cannot be read as a tenant catalog: {ex.Message}", "check --catalog-file, or restore the catalog from a backup"));
            return;
        }

        checks.Add(Ok("catalog", string.Create(CultureInfo.InvariantCulture, $"{slugs.Count} tenant(s) in {path}")));
        var missing = slugs.Where(s => TenantSlug.IsValid(s) && !File.Exists(store.Router.GetDatabasePath(s))).ToList();
        checks.Add(missing.Count == 0
            ? Ok("tenant files", "every catalogued tenant has its database file")
            : Failed("tenant files", $"{missing.Count} catalogued tenant(s) have no database file, so their data is not there to serve: " +
                $"{string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", …" : "")}",
                $"put each back from its latest backup: `tenantctl restore-backup {missing[0]} --from BACKUP.db` (if every tenant is listed, check --path-template " +
                "first); a tenant that is gone for good: `tenantctl delete T --yes`"));
    }

    private static void CheckDescriptors(int maxOpenTenants, List<DoctorCheckJson> checks)
    {
        long needed = 3L * maxOpenTenants + 64;
        if (!TryGetDescriptorLimit(out ulong soft, out ulong hard))
        {
            checks.Add(Warning("file descriptors", "the limit could not be read on this system", $"make sure the app may open {needed} files"));
            return;
        }

        string limits = soft == ulong.MaxValue ? "unlimited" : string.Create(CultureInfo.InvariantCulture, $"soft {soft}, hard {(hard == ulong.MaxValue ? "unlimited" : hard)}");
        if (soft >= (ulong)needed)
        {
            checks.Add(Ok("file descriptors", string.Create(CultureInfo.InvariantCulture, $"{limits}; MaxOpenTenants {maxOpenTenants} needs {needed}")));
            return;
        }

        long fits = Math.Max(1, ((long)soft - 64) / 3);
        checks.Add(Failed("file descriptors",
            string.Create(CultureInfo.InvariantCulture, $"{limits}; MaxOpenTenants {maxOpenTenants} needs {needed} (3 files per open tenant + 64)"),
            string.Create(CultureInfo.InvariantCulture, $"raise it (`ulimit -n {needed}`, LimitNOFILE={needed} in a systemd unit) or set MaxOpenTenants to {fits} or less")));
    }

    private static bool TryGetDescriptorLimit(out ulong soft, out ulong hard)
    {
        soft = hard = 0;
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return false;
        }

        int resource = OperatingSystem.IsLinux() ? 7 : 8; // RLIMIT_NOFILE
        try
        {
            if (GetRLimit(resource, out var limit) != 0)
            {
                return false;
            }

            soft = limit.Current;
            hard = limit.Maximum;
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    internal static DoctorCheckJson Ok(string name, string detail) => new(name, DoctorStatus.Ok, detail, null);

    internal static DoctorCheckJson Warning(string name, string detail, string fix) => new(name, DoctorStatus.Warning, detail, fix);

    internal static DoctorCheckJson Failed(string name, string detail, string fix) => new(name, DoctorStatus.Failed, detail, fix);

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [DllImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static extern int GetRLimit(int resource, out RLimit limit);
}

internal enum DoctorStatus
{
    Ok,
    Warning,
    Failed,
}

internal sealed record DoctorDocument(bool Healthy, IReadOnlyList<DoctorCheckJson> Checks);

internal sealed record DoctorCheckJson(string Name, DoctorStatus Status, string Detail, string? Fix);
