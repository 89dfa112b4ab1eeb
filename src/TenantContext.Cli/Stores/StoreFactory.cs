using System.CommandLine;

namespace Tenancy.Cli.Stores;

/// <summary>
/// Chooses the store from the global options. Today that is <c>--data-root</c> (SQLite); a PostgreSQL platform catalog
/// (<c>--postgres CONNSTRING</c>) plugs in here as another <see cref="TenantStore"/> once <c>TenantContext.Npgsql</c> ships.
/// </summary>
internal static class StoreFactory
{
    public static TenantStore Open(ParseResult parse, GlobalOptions globals, bool create)
    {
        var dataRoot = parse.GetValue(globals.DataRoot);
        if (string.IsNullOrWhiteSpace(dataRoot))
        {
            throw CliException.Usage(
                $"Say which tenants to work on: pass --data-root DIR (the folder that holds platform.db and the tenant files), or set {GlobalOptions.DataRootVariable}.");
        }

        return SqliteStore.Open(new StoreSettings(
            dataRoot,
            parse.GetValue(globals.PathTemplate) ?? "tenants/{tenant}.db",
            parse.GetValue(globals.StorageTemplate),
            parse.GetValue(globals.CatalogFile) ?? "platform.db",
            parse.GetValue(globals.Migrations)), create);
    }
}
