using System.CommandLine;

namespace Tenancy.Cli.Stores;

/// <summary>
/// Chooses the store from the global options: <c>--data-root DIR</c> (a SQLite data root) or <c>--postgres CONNSTRING</c>
/// (a PostgreSQL platform catalog, whose shards come from the catalog itself). Exactly one of them.
/// </summary>
internal static class StoreFactory
{
    /// <summary>Whether the command line names a PostgreSQL catalog.</summary>
    public static bool IsPostgres(ParseResult parse, GlobalOptions globals) => !string.IsNullOrWhiteSpace(parse.GetValue(globals.Postgres));

    public static async Task<TenantStore> OpenAsync(ParseResult parse, GlobalOptions globals, bool create, IReadOnlyList<SettingOverride> overrides, Action<string> note, CancellationToken cancellationToken)
    {
        var dataRoot = parse.GetValue(globals.DataRoot);
        var postgres = parse.GetValue(globals.Postgres);
        bool hasRoot = !string.IsNullOrWhiteSpace(dataRoot), hasPostgres = !string.IsNullOrWhiteSpace(postgres);
        if (hasRoot && hasPostgres)
        {
            throw CliException.Usage(
                $"Pass --data-root DIR (SQLite) or --postgres CONNSTRING (PostgreSQL), not both (check {GlobalOptions.DataRootVariable} and {GlobalOptions.PostgresVariable}).");
        }

        if (hasPostgres)
        {
            return await PostgresStore.OpenAsync(postgres!, parse.GetValue(globals.Migrations), overrides, note, cancellationToken).ConfigureAwait(false);
        }

        if (!hasRoot)
        {
            throw CliException.Usage(
                "Say which tenants to work on: pass --data-root DIR (the folder that holds platform.db and the tenant files) or --postgres CONNSTRING " +
                $"(the PostgreSQL catalog database), or set {GlobalOptions.DataRootVariable} or {GlobalOptions.PostgresVariable}.");
        }

        if (overrides.Count > 0)
        {
            throw CliException.Usage($"{string.Join(", ", overrides.Select(o => o.Flag))}: PostgreSQL settings, for --postgres CONNSTRING; a SQLite data root has none.");
        }

        return SqliteStore.Open(new StoreSettings(
            dataRoot!,
            parse.GetValue(globals.PathTemplate) ?? "tenants/{tenant}.db",
            parse.GetValue(globals.StorageTemplate),
            parse.GetValue(globals.CatalogFile) ?? "platform.db",
            parse.GetValue(globals.Migrations)), create);
    }
}
