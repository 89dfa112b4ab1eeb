using System.CommandLine;
using System.CommandLine.Invocation;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Npgsql;
using Tenancy.Cli.Commands;
using Tenancy.Cli.Output;
using Tenancy.Npgsql;
using Tenancy.Sqlite;

namespace Tenancy.Cli;

/// <summary>The <c>tenantctl</c> command line: the root command, its verbs, Ctrl-C, and the mapping of failures to exit codes.</summary>
internal static class Tenantctl
{
    public static async Task<int> RunAsync(string[] args)
    {
        var globals = new GlobalOptions();
        var root = BuildRoot(globals);
        var parse = root.Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            return ReportUsageErrors(parse, globals);
        }

        using var cancel = new CancellationTokenSource();
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Cancel(context, cancel));
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Cancel(context, cancel));
        var configuration = new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false };
        return await parse.InvokeAsync(configuration, cancel.Token).ConfigureAwait(false);
    }

    public static RootCommand BuildRoot(GlobalOptions globals)
    {
        var root = new RootCommand(
            "tenantctl — operate TenantContext tenants: lifecycle, migrations, backups, checks and the split of a shared database (SQLite, --data-root), " +
            "shards and moves (PostgreSQL, --postgres).\n" +
            "Exit codes: 0 ok, 1 error, 2 usage (nothing changed), 3 some tenants failed, 4 verification mismatch, 130 interrupted.");
        foreach (var option in globals.All)
        {
            root.Options.Add(option);
        }

        Command[] commands =
        [
            LifecycleCommands.List(globals),
            LifecycleCommands.Show(globals),
            LifecycleCommands.Create(globals),
            LifecycleCommands.Copy(globals),
            LifecycleCommands.Archive(globals),
            LifecycleCommands.Restore(globals),
            LifecycleCommands.Delete(globals),
            MigrateCommand.Create(globals),
            BackupCommands.Backup(globals),
            BackupCommands.RestoreBackup(globals),
            InspectCommands.Check(globals),
            InspectCommands.Stats(globals),
            SplitCommand.Create(globals),
            MoveCommand.Create(globals),
            ShardsCommand.Create(globals),
            DoctorCommand.Create(globals),
        ];
        foreach (var command in commands)
        {
            root.Subcommands.Add(command);
        }

        root.WithExamples(
            "tenantctl --data-root data list",
            "tenantctl --data-root data create acme",
            "tenantctl --data-root data --migrations migrations migrate --all",
            "tenantctl list --data-root data --json",
            "tenantctl --postgres \"Host=db0;Database=platform;Username=ops\" --migrations migrations migrate --all");
        HelpExamples.Install(root);
        return root;
    }

    /// <summary>Sets a command's action: runs <paramref name="body"/> with a context, maps failures to exit codes and messages.</summary>
    public static void SetAction(Command command, GlobalOptions globals, Func<CommandContext, Task<int>> body)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = new ConsoleOutput(parse.GetValue(globals.Json));
            try
            {
                await using var context = new CommandContext(parse, globals, output, cancellationToken);
                return await body(context).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                output.Fail(ExitCodes.Cancelled, "Cancelled",
                    "interrupted: the work in flight was finished or rolled back and nothing is half-published. Re-run the command to continue.");
                return ExitCodes.Cancelled;
            }
            catch (Exception ex)
            {
                var (code, message) = Describe(ex);
                output.Fail(code, ex is CliException ? "Error" : ex.GetType().Name, message);
                if (Environment.GetEnvironmentVariable("TENANTCTL_DEBUG") == "1")
                {
                    output.Note(ex.ToString());
                }

                return code;
            }
        });
    }

    internal static (int Code, string Message) Describe(Exception ex) => ex switch
    {
        CliException cli => (cli.ExitCode, cli.Message),
        TenantMoveVerificationException mismatch => (ExitCodes.VerificationMismatch, mismatch.Message +
            " Nothing was switched: the tenant is still served from its source and the target was dropped. Find what writes to the tenant outside " +
            "the app (the fence only holds the app's writes), then run the move again."),
        PostgresBackupVerificationException mismatch => (ExitCodes.VerificationMismatch, mismatch.Message),
        PostgresTenantVersionException version => (ExitCodes.Error, version.Message +
            $" For tenantctl, \"the code\" is the migrations given with --migrations (up to version {version.SupportedVersion} here): pass the app's migrations."),
        PostgresException pg => (ExitCodes.Error, $"PostgreSQL: {pg.MessageText} ({pg.SqlState}).{(pg.Detail is { Length: > 0 } d ? " " + d : "")} " +
            "Check the tenant with `tenantctl check`, and the servers with `tenantctl doctor`."),
        NpgsqlException npgsql => (ExitCodes.Error, $"PostgreSQL: {npgsql.Message}. Check that the servers answer and the credentials work " +
            "(`tenantctl shards`, `tenantctl doctor`; passwords come from --postgres for the same user, PGPASSWORD or a pgpass file)."),
        NotSupportedException => (ExitCodes.Error, ex.Message),
        InvalidTenantSlugException slug => (ExitCodes.Usage, slug.Message.Replace(" (Parameter 'tenant')", "", StringComparison.Ordinal)
            .Replace(" (Parameter 'fromTemplate')", "", StringComparison.Ordinal)),
        TenantDatabaseVersionException version => (ExitCodes.Error, version.Message +
            $" For tenantctl, \"this application\" is the migrations given with --migrations (up to version {version.SupportedVersion} here): pass the app's migrations."),
        TenantAlreadyExistsException or TenantUnavailableException or TenantDatabaseException => (ExitCodes.Error, ex.Message),
        SqliteException { SqliteErrorCode: 13 or 10 } disk => (ExitCodes.Error, $"SQLite: {disk.Message.TrimEnd('.')}. The data root's file system is " +
            "probably full (or failing): check its free space (`df -h DIR`) and the system log, free some, then run the command again. SQLite rolls " +
            "back the transaction it could not write; on a full disk even reading can fail (a WAL database needs room for its -shm file)."),
        SqliteException sqlite => (ExitCodes.Error, $"SQLite: {sqlite.Message.TrimEnd('.')}. Run `tenantctl check` on the tenant, and `tenantctl doctor` for the data root."),
        UnauthorizedAccessException or IOException => (ExitCodes.Error, $"{ex.Message} Check the permissions and free space of the data root (`tenantctl doctor`)."),
        ArgumentException or InvalidOperationException or FileNotFoundException or InvalidDataException => (ExitCodes.Error, ex.Message),
        _ => (ExitCodes.Error, $"unexpected {ex.GetType().Name}: {ex.Message} (set TENANTCTL_DEBUG=1 for the stack trace)."),
    };

    private static int ReportUsageErrors(ParseResult parse, GlobalOptions globals)
    {
        var command = parse.CommandResult.Command;
        var path = command is RootCommand ? "tenantctl" : $"tenantctl {command.Name}";
        var message = string.Join(" ", parse.Errors.Select(e => e.Message.TrimEnd('.') + ".")) + $" See `{path} --help`.";
        new ConsoleOutput(parse.GetValue(globals.Json)).Fail(ExitCodes.Usage, "Usage", message);
        return ExitCodes.Usage;
    }

    private static void Cancel(PosixSignalContext context, CancellationTokenSource cancel)
    {
        if (cancel.IsCancellationRequested)
        {
            return; // a second Ctrl-C: let the process end the default way
        }

        context.Cancel = true;
        try
        {
            cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
