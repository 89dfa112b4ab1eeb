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

    /// <summary>The store named by the global options.</summary>
    /// <param name="create">Whether this verb may create the data root and its catalog.</param>
    public TenantStore Store(bool create = false) => _store ??= StoreFactory.Open(Parse, _globals, create);

    /// <summary>The store, which this verb needs to be a SQLite data root.</summary>
    public SqliteStore Sqlite(bool create = false) => Store(create) as SqliteStore
        ?? throw CliException.Usage($"`{Verb}` works on a SQLite data root only: pass --data-root DIR.");

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
