using System.CommandLine;
using Tenancy.Cli.Output;
using Tenancy.Cli.Stores;

namespace Tenancy.Cli;

/// <summary>What a command's action works with: its parse result, the output, the store (opened on demand) and Ctrl-C.</summary>
internal sealed class CommandContext : IAsyncDisposable
{
    private readonly GlobalOptions _globals;
    private TenantStore? _store;

    public CommandContext(ParseResult parse, GlobalOptions globals, ConsoleOutput output, CancellationToken cancellationToken)
    {
        Parse = parse;
        _globals = globals;
        Output = output;
        CancellationToken = cancellationToken;
    }

    public ParseResult Parse { get; }

    public ConsoleOutput Output { get; }

    /// <summary>Cancelled by Ctrl-C (SIGINT) or SIGTERM.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The command's name, for messages.</summary>
    public string Verb => Parse.CommandResult.Command.Name;

    public T? Get<T>(Option<T> option) => Parse.GetValue(option);

    public T? Get<T>(Argument<T> argument) => Parse.GetValue(argument);

    /// <summary>The store named by the global options (a SQLite data root or a PostgreSQL platform catalog), opened once.</summary>
    /// <param name="create">Whether this verb may create the data root and its catalog (SQLite).</param>
    public async Task<TenantStore> StoreAsync(bool create = false)
        => _store ??= await StoreFactory.OpenAsync(Parse, _globals, create, [.. _globals.PostgresOverrides(Parse), .. Overrides], Output.Note, CancellationToken).ConfigureAwait(false);

    /// <summary>Further PostgreSQL settings a verb was given on its command line; like the global ones, they win over the app's recorded values.</summary>
    public List<SettingOverride> Overrides { get; } = [];

    /// <summary>The store, which this verb needs to be a SQLite data root.</summary>
    public async Task<SqliteStore> SqliteAsync(bool create = false)
    {
        if (_store is null && StoreFactory.IsPostgres(Parse, _globals))
        {
            throw CliException.Usage($"`{Verb}` works on a SQLite data root only: pass --data-root DIR instead of --postgres.");
        }

        return await StoreAsync(create).ConfigureAwait(false) as SqliteStore
            ?? throw CliException.Usage($"`{Verb}` works on a SQLite data root only: pass --data-root DIR.");
    }

    /// <summary>The store, which this verb needs to be a PostgreSQL platform catalog.</summary>
    public async Task<PostgresStore> PostgresAsync()
        => await StoreAsync().ConfigureAwait(false) as PostgresStore
            ?? throw CliException.Usage($"`{Verb}` works on a PostgreSQL platform catalog only: pass --postgres CONNSTRING (the catalog database).");

    /// <summary>Refuses a destructive verb without <c>--yes</c>; nothing has been changed when it throws.</summary>
    public void RequireYes(Option<bool> yes, string whatWouldHappen)
    {
        if (!Parse.GetValue(yes))
        {
            throw CliException.Usage($"{whatWouldHappen} Nothing was changed. Re-run with --yes to confirm.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync().ConfigureAwait(false);
        }
    }
}
